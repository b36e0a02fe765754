package inspect

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
)

// command builds one of the commands against c, in namespace shop (all
// namespaces with -A), at the fixed clock.
func command(newCmd func(*options) *cobra.Command, c client.WithWatch, out, errOut io.Writer) *cobra.Command {
	o := newOptions(out, errOut)
	o.now = func() time.Time { return now }
	o.connect = func() (client.WithWatch, string, error) {
		if o.kube.AllNamespaces {
			return c, "", nil
		}
		return c, "shop", nil
	}
	cmd := newCmd(o)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd
}

func TestCommands(t *testing.T) {
	f := midStep()
	for _, tc := range []struct {
		name       string
		newCmd     func(*options) *cobra.Command
		args       []string
		wantOut    string // a line the output contains
		wantErrOut string
		wantErr    string
		usage      bool
	}{
		{name: "get", newCmd: newGet, args: []string{"web"}, wantOut: "├─ contender web-6e37cb25-2  step 1/3 canary → 2/3 half  waiting for Traffic"},
		{name: "get missing", newCmd: newGet, args: []string{"shop-ui"}, wantErr: "application shop-ui not found in namespace shop"},
		{name: "get bad output", newCmd: newGet, args: []string{"web", "-o", "table"}, wantErr: "cannot print -o table: use tree, wide, json, yaml", usage: true},
		{name: "list", newCmd: newList, args: nil, wantOut: "web   web-6e37cb25-2  1/3 canary  Progressing  30d"},
		{name: "list all", newCmd: newList, args: []string{"-A", "-o", "json"}, wantOut: `"namespace": "shop",`},
		{name: "history", newCmd: newHistory, args: []string{"web", "-o", "yaml"}, wantOut: "role: contender"},
		{name: "history missing", newCmd: newHistory, args: []string{"shop-ui"}, wantErr: "application shop-ui not found in namespace shop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cmd := command(tc.newCmd, f.client(), &out, &errOut)
			cmd.SetArgs(tc.args)
			err := cmd.ExecuteContext(context.Background())
			var usage *clierr.UsageError
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			case tc.usage != errors.As(err, &usage):
				t.Fatalf("error %v: usage error %v, want %v", err, !tc.usage, tc.usage)
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("output lacks %q:\n%s", tc.wantOut, &out)
			}
		})
	}
}

func TestListNothingSaysSoOnStderr(t *testing.T) {
	var out, errOut bytes.Buffer
	cmd := command(newList, fixture{}.client(), &out, &errOut)
	cmd.SetArgs(nil)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || errOut.String() != "No applications found in namespace shop.\n" {
		t.Errorf("stdout %q, stderr %q", &out, &errOut)
	}
}

// get --watch -o json prints one JSON object per line: one for the rollout
// as it is, then one per change that shows, and none for a change that
// does not; it ends without error when its context does.
func TestGetWatchJSONPrintsOneLinePerChange(t *testing.T) {
	f := midStep()
	c := f.client()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, w := io.Pipe()
	cmd := command(newGet, c, w, io.Discard)
	cmd.SetArgs([]string{"web", "--watch", "-o", "json"})
	done := make(chan error, 1)
	go func() {
		done <- cmd.ExecuteContext(ctx)
		w.Close()
	}()
	lines := bufio.NewScanner(r)
	next := func() RolloutView {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("no line: %v", lines.Err())
		}
		var v RolloutView
		if err := json.Unmarshal(lines.Bytes(), &v); err != nil {
			t.Fatalf("line %q: %v", lines.Text(), err)
		}
		return v
	}
	modify := func(obj client.Object, change func()) {
		t.Helper()
		if err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			t.Fatal(err)
		}
		change()
		if err := c.Update(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}

	if v := next(); v.Contender.Executing == nil || v.Contender.Executing.Name != "half" {
		t.Fatalf("first line: %+v, want the contender executing step half", v.Contender)
	}

	// A change nothing shows: no line. Left time to print one, so that the
	// next line is seen to be the next change's.
	app := &convoyv1alpha1.Application{}
	app.Namespace, app.Name = "shop", "web"
	modify(app, func() { app.Labels = map[string]string{"team": "storefront"} })
	time.Sleep(3 * settle)

	rel := &convoyv1alpha1.Release{}
	rel.Namespace, rel.Name = "shop", "web-6e37cb25-2"
	modify(rel, func() {
		rel.Status.AchievedStep = &convoyv1alpha1.AchievedStep{Step: 1, Name: "half"}
		rel.Status.WaitingFor = convoyv1alpha1.WaitingForCommand
	})
	if v := next(); v.Contender.Achieved.Name != "half" || v.Contender.WaitingFor != "Command" {
		t.Fatalf("second line: %+v, want step half achieved, waiting for a command", v.Contender)
	}

	ct := &convoyv1alpha1.CapacityTarget{}
	ct.Namespace, ct.Name = "shop", "web-6e37cb25-2"
	modify(ct, func() { ct.Status.Clusters[1].AvailableReplicas = 2 })
	if v := next(); v.Clusters[1].Contender.Replicas.Available != 2 {
		t.Fatalf("third line: %+v, want 2 replicas available in %s", v.Clusters[1].Contender, v.Clusters[1].Name)
	}

	cancel()
	if lines.Scan() {
		t.Errorf("a line after the last change: %s", lines.Text())
	}
	if err := <-done; err != nil {
		t.Errorf("get --watch ended with %v, want nil on cancel", err)
	}
}

// A watch stream of trees separates them with a blank line off a terminal,
// and clears the screen before each on one.
func TestWatchTreeSeparators(t *testing.T) {
	v := BuildRolloutView(firstComplete().rollout(t))
	for _, tc := range []struct {
		terminal bool
		sep      string
	}{{false, "\n"}, {true, "\x1b[H\x1b[2J"}} {
		var once, twice bytes.Buffer
		_ = rolloutPrinter(&once, formatTree, true, tc.terminal)(v)
		show := rolloutPrinter(&twice, formatTree, true, tc.terminal)
		_, _ = show(v), show(v)
		tree := strings.TrimPrefix(once.String(), "\x1b[H\x1b[2J")
		if want := once.String() + tc.sep + tree; twice.String() != want {
			t.Errorf("terminal %v: two prints give %q, want %q", tc.terminal, &twice, want)
		}
	}
}
