// Package chart tests convoy's own Helm chart (charts/convoy): helm lint
// with the module's helm CLI, renders through convoy's chart renderer from
// a real chart repository on 127.0.0.1, the generated CRDs, the Grafana
// dashboard, and an install into the local management cluster.
package chart

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/render/helm"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

const (
	// repoRoot is where `go tool helm` and hack/ run.
	repoRoot = "../.."
	chartDir = repoRoot + "/charts/convoy"

	releaseName = "convoy"
	namespace   = "convoy-system"

	// minKubeVersion is the chart's kubeVersion floor: the templates must
	// render for the oldest Kubernetes the chart accepts.
	minKubeVersion = "v1.29.0"
)

// renderer renders convoy's chart, served from a real chart repository on
// 127.0.0.1, with convoy's own chart renderer (pkg/render/helm, the only
// importer of Helm) for Kubernetes kubeVersion.
//
// It is not manager.Renderer: that one renders for helm template's
// client-only default, Kubernetes v1.20.0, which the chart's kubeVersion
// (>=1.29.0-0) rejects.
type renderer struct {
	repo *chartrepo.Server
	r    render.Renderer
}

func newRenderer(t testing.TB, kubeVersion string) *renderer {
	t.Helper()
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: chartDir}}})
	charts, err := helm.New(helm.Options{CacheDir: t.TempDir(), KubeVersion: kubeVersion})
	if err != nil {
		t.Fatal(err)
	}
	return &renderer{repo: repo, r: render.BySource{Chart: charts}}
}

// render renders the chart as release in ns with values over the chart's
// defaults.
func (r *renderer) render(t testing.TB, release, ns string, values map[string]any) ([]*unstructured.Unstructured, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := r.r.Render(ctx, render.Request{
		ReleaseName: release,
		Namespace:   ns,
		Source: convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{
			RepoURL: r.repo.URL, Name: "convoy", Version: "0.1.0",
		}},
		Values: values,
	})
	if err != nil {
		return nil, err
	}
	return out.Objects, nil
}

// zones is the least a render needs: dns.enabled is the default, and the
// DNS server cannot run without a zone.
func zones() map[string]any {
	return map[string]any{"dns": map[string]any{"zones": []any{"apps.example.com"}}}
}

// with returns base with the dotted path set to v, creating maps on the
// way, such as with(zones(), "crds.enabled", false).
func with(base map[string]any, path string, v any) map[string]any {
	keys := strings.Split(path, ".")
	m := base
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
	return base
}

// key names an object in messages and sets: "Kind/name".
func key(obj *unstructured.Unstructured) string {
	return obj.GetKind() + "/" + obj.GetName()
}

func keys(objs []*unstructured.Unstructured) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, key(o))
	}
	sort.Strings(out)
	return out
}

// find returns the object "Kind/name", failing the test when it is missing.
func find(t testing.TB, objs []*unstructured.Unstructured, kindName string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if key(o) == kindName {
			return o
		}
	}
	t.Fatalf("no %s among %v", kindName, keys(objs))
	return nil
}

func ofKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// nested reads a field of an unstructured object, failing the test when it
// is missing.
func nested[T any](t testing.TB, obj map[string]any, fields ...string) T {
	t.Helper()
	var cur any = obj
	for _, f := range fields {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not an object", strings.Join(fields, "."), cur)
		}
		if cur, ok = m[f]; !ok {
			t.Fatalf("no field %s", strings.Join(fields, "."))
		}
	}
	v, ok := cur.(T)
	if !ok {
		t.Fatalf("%s: %T, want %T", strings.Join(fields, "."), cur, v)
	}
	return v
}

// container returns the only container of a Deployment.
func container(t testing.TB, deploy *unstructured.Unstructured) map[string]any {
	t.Helper()
	cs := nested[[]any](t, deploy.Object, "spec", "template", "spec", "containers")
	if len(cs) != 1 {
		t.Fatalf("%s has %d containers, want 1", key(deploy), len(cs))
	}
	return cs[0].(map[string]any)
}

func args(t testing.TB, deploy *unstructured.Unstructured) []string {
	t.Helper()
	var out []string
	for _, a := range nested[[]any](t, container(t, deploy), "args") {
		out = append(out, a.(string))
	}
	return out
}

// requireArgs fails unless every one of want is among the Deployment's
// arguments.
func requireArgs(t testing.TB, deploy *unstructured.Unstructured, want ...string) {
	t.Helper()
	got := args(t, deploy)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s: argument %q missing from %q", key(deploy), w, got)
		}
	}
}

func forbidArgPrefix(t testing.TB, deploy *unstructured.Unstructured, prefix string) {
	t.Helper()
	for _, a := range args(t, deploy) {
		if strings.HasPrefix(a, prefix) {
			t.Errorf("%s: unexpected argument %q", key(deploy), a)
		}
	}
}

func labels(t testing.TB, obj map[string]any, fields ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range nested[map[string]any](t, obj, fields...) {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// selects reports whether selector matches every label it names in set.
func selects(selector, set map[string]string) bool {
	for k, v := range selector {
		if set[k] != v {
			return false
		}
	}
	return len(selector) > 0
}
