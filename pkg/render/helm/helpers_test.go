package helm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/ociregistry"
)

const (
	helloDir    = "../../../examples/charts/hello"
	showcaseDir = "testdata/charts/showcase"
)

// helloVersions are what the test repositories publish: two stable
// versions of a minor line, a newer minor, and a release candidate that an
// empty constraint must not pick.
var helloVersions = []string{"0.1.0", "0.1.1", "0.2.0", "1.0.0-rc.1"}

// testTimeout bounds every call a test makes; it is a hang guard, not a
// performance assertion.
const testTimeout = 60 * time.Second

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// newRenderer returns a Renderer with a cache in the test's temp dir.
func newRenderer(t testing.TB, opts Options) *Renderer {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	r, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// startRepo serves the hello versions (and showcase 0.3.0) over HTTP.
func startRepo(t testing.TB, opts chartrepo.Options) *chartrepo.Server {
	t.Helper()
	opts.Charts = append(opts.Charts,
		chartrepo.Chart{Dir: helloDir, Versions: helloVersions},
		chartrepo.Chart{Dir: showcaseDir},
	)
	return chartrepo.Start(t, opts)
}

// startRegistry runs an OCI registry with the same charts as startRepo. It
// returns the registry and renderer options that reach it.
func startRegistry(t testing.TB, opts ociregistry.Options) (*ociregistry.Registry, Options) {
	t.Helper()
	reg := ociregistry.Start(t, opts)
	for _, v := range helloVersions {
		reg.Push(t, helloDir, v)
	}
	reg.Push(t, showcaseDir, "")
	var ro Options
	if opts.TLS == nil {
		ro.PlainHTTPRegistries = []string{reg.Host}
	}
	return reg, ro
}

func chartSource(repoURL, name, version string) convoyv1alpha1.Source {
	return convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: repoURL, Name: name, Version: version}}
}

// requireReason fails unless err is a *render.Error with reason whose
// message contains every one of parts.
func requireReason(t testing.TB, err error, reason render.Reason, parts ...string) {
	t.Helper()
	var re *render.Error
	if !errors.As(err, &re) {
		t.Fatalf("want a *render.Error with reason %s, got %T: %v", reason, err, err)
	}
	if re.Reason != reason {
		t.Fatalf("want reason %s, got %s: %v", reason, re.Reason, err)
	}
	t.Logf("%s: %v", re.Reason, err)
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error message lacks %q:\n%v", p, err)
		}
	}
}

// TestMain removes the helm CLI that helmCLI built, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	if helmPath != "" {
		os.RemoveAll(filepath.Dir(helmPath))
	}
	os.Exit(code)
}

var (
	helmOnce sync.Once
	helmPath string
	helmErr  error
)

// helmCLI builds the helm CLI of the module's Helm version once per test
// binary (the go build cache makes later builds cheap) and returns its path.
func helmCLI(t testing.TB) string {
	t.Helper()
	helmOnce.Do(func() {
		dir, err := os.MkdirTemp("", "convoy-helm-cli-")
		if err != nil {
			helmErr = err
			return
		}
		helmPath = filepath.Join(dir, "helm")
		cmd := exec.Command("go", "build", "-o", helmPath, "helm.sh/helm/v3/cmd/helm")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			helmErr = errors.New("go build helm: " + err.Error() + "\n" + out.String())
		}
	})
	if helmErr != nil {
		t.Fatal(helmErr)
	}
	return helmPath
}

// helmTemplate runs `helm template` and returns its standard output. Helm
// gets an empty home so that no user configuration takes part.
func helmTemplate(t testing.TB, args ...string) []byte {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(helmCLI(t), append([]string{"template"}, args...)...)
	cmd.Env = append(os.Environ(),
		"HOME="+home,
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		"HELM_NAMESPACE=",
		"HELM_KUBECONTEXT=",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("helm template %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

// parseStream parses a multi-document YAML stream the way kubectl does,
// independently of the renderer's own splitting, skipping empty documents.
func parseStream(t testing.TB, stream []byte) []*unstructured.Unstructured {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(stream), 4096)
	var objs []*unstructured.Unstructured
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatalf("parse helm output: %v", err)
		}
		if s := strings.TrimSpace(string(raw)); s == "" || s == "null" {
			continue
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(raw); err != nil {
			t.Fatalf("parse helm output document %s: %v", raw, err)
		}
		objs = append(objs, obj)
	}
}

// writeChart writes a chart from a map of file name to content into a new
// directory and returns it.
func writeChart(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "chart")
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// objectKeys lists kind/name of objects, for readable failure messages.
func objectKeys(objs []*unstructured.Unstructured) []string {
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.GetKind() + "/" + o.GetName()
	}
	return keys
}
