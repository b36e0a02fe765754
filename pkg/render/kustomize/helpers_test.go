package kustomize

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/gitserver"
)

func newRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := New(Options{CacheDir: t.TempDir(), GitTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func source(url, ref, path string) convoyv1alpha1.Source {
	return convoyv1alpha1.Source{Kustomize: &convoyv1alpha1.KustomizeSource{RepoURL: url, Ref: ref, Path: path}}
}

// repoDir is the repository root, for the examples.
func repoDir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// exampleFiles returns the files of examples/kustomize/hello, keyed by their
// path under prefix.
func exampleFiles(t testing.TB, prefix string) map[string]string {
	t.Helper()
	dir := filepath.Join(repoDir(t), "examples", "kustomize", "hello")
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		files[prefix+filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no example files in %s", dir)
	}
	return files
}

// reasonOf returns the render.Reason of err, or "" when it is not a
// *render.Error.
func reasonOf(err error) render.Reason {
	var re *render.Error
	if errors.As(err, &re) {
		return re.Reason
	}
	return ""
}

// parseYAML splits a YAML stream into objects.
func parseYAML(t testing.TB, stream []byte) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, doc := range bytes.Split(stream, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			t.Fatalf("%v in:\n%s", err, doc)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(j); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, u)
	}
	return objs
}

// find returns the object of kind and name, failing the test without one.
func find(t testing.TB, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %s among %s", kind, name, ids(objs))
	return nil
}

func ids(objs []*unstructured.Unstructured) string {
	var s []string
	for _, o := range objs {
		id := o.GetKind() + "/" + o.GetName()
		if o.GetNamespace() != "" {
			id = o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
		}
		s = append(s, id)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func str(o *unstructured.Unstructured, fields ...string) string {
	s, _, _ := unstructured.NestedString(o.Object, fields...)
	return s
}

func num(o *unstructured.Unstructured, fields ...string) int64 {
	n, _, _ := unstructured.NestedInt64(o.Object, fields...)
	return n
}

func toJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func stringMap(o *unstructured.Unstructured, fields ...string) map[string]string {
	m, _, _ := unstructured.NestedStringMap(o.Object, fields...)
	return m
}

// equalObjects compares two object lists in order, reporting the first
// difference as YAML.
func equalObjects(t testing.TB, what string, got, want []*unstructured.Unstructured) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d objects %s, want %d %s", what, len(got), ids(got), len(want), ids(want))
		return
	}
	for i := range got {
		if !reflect.DeepEqual(got[i].Object, want[i].Object) {
			g, _ := yaml.Marshal(got[i].Object)
			w, _ := yaml.Marshal(want[i].Object)
			t.Errorf("%s: object %d differs:\n--- got\n%s--- want\n%s", what, i, g, w)
			return
		}
	}
}

var (
	cliOnce sync.Once
	cliPath string
	cliErr  error
	cliDir  string
)

// kustomizeCLI builds the kustomize CLI the module pins as a tool
// (sigs.k8s.io/kustomize/kustomize/v5) once per test binary and returns its
// path. TestMain removes it.
func kustomizeCLI(t testing.TB) string {
	t.Helper()
	cliOnce.Do(func() {
		cliDir, cliErr = os.MkdirTemp("", "kustomize-cli-")
		if cliErr != nil {
			return
		}
		cliPath = filepath.Join(cliDir, "kustomize")
		cmd := exec.Command("go", "build", "-o", cliPath, "sigs.k8s.io/kustomize/kustomize/v5")
		cmd.Dir = repoDir(t)
		var out []byte
		if out, cliErr = cmd.CombinedOutput(); cliErr != nil {
			cliErr = errors.New(cliErr.Error() + ": " + string(out))
		}
	})
	if cliErr != nil {
		t.Fatalf("building the kustomize CLI: %v", cliErr)
	}
	return cliPath
}

// kustomizeBuild runs `kustomize build` on dir with extra flags, with an
// environment that cannot switch on its managed-by label.
func kustomizeBuild(t testing.TB, dir string, flags ...string) []byte {
	t.Helper()
	cmd := exec.Command(kustomizeCLI(t), append([]string{"build"}, append(flags, dir)...)...)
	cmd.Env = gitserver.Env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kustomize build %s: %v: %s", dir, err, stderr.String())
	}
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if cliDir != "" {
		os.RemoveAll(cliDir)
	}
	os.Exit(code)
}
