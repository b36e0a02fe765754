package offline

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// helloChart is the example chart the render tests serve.
const helloChart = "../../../examples/charts/hello"

// result is one run of a command.
type result struct {
	out, errOut string
	err         error
}

// run executes `convoy ARGS` with stdin, with a root like the real one,
// and a cache directory of the test's own.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	root := &cobra.Command{Use: "convoy", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(NewCommands(&out, &errOut)...)
	root.SetArgs(append(args, "--cache-dir", t.TempDir()))
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := root.ExecuteContext(ctx)
	return result{out: out.String(), errOut: errOut.String(), err: err}
}

// fixture returns testdata/name with ${KEY} replaced by vars[KEY], written
// to a file of the same name in a temporary directory.
func fixture(t *testing.T, name string, vars map[string]string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	text := os.Expand(string(data), func(key string) string {
		v, ok := vars[key]
		if !ok {
			t.Fatalf("testdata/%s: no value for ${%s}", name, key)
		}
		return v
	})
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// helloRepo serves the example chart at the version in its Chart.yaml.
func helloRepo(t *testing.T) *chartrepo.Server {
	return chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: helloChart}}})
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./pkg/cli/offline -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test ./pkg/cli/offline -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// wantError fails the test unless err is set and says every fragment.
func wantError(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one saying %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error does not say %q:\n%v", f, err)
		}
	}
}
