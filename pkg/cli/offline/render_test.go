package offline

import (
	"os"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/controller/application"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/gitserver"
)

// The example chart, from a real chart repository, renders as the
// installation controller installs it. The release name is the one the
// application controller gives the Application as the apiserver stores
// it, defaults applied: it is checked against the name computed from the
// typed Application with the defaults written out, then replaced in the
// golden output, since it hashes the repository's URL, whose port changes
// from run to run.
func TestRenderChart(t *testing.T) {
	repo := helloRepo(t)
	path := fixture(t, "hello-chart.yaml", map[string]string{"CHART_REPO": repo.URL})
	r := run(t, "", "render", "-f", path)
	if r.err != nil {
		t.Fatalf("render failed: %v", r.err)
	}

	stored := &convoyv1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: convoyv1alpha1.ApplicationSpec{Template: convoyv1alpha1.ReleaseEnvironment{
			Source:              convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: repo.URL, Name: "hello", Version: "~0.1"}},
			Values:              &apiextensionsv1.JSON{Raw: []byte(`{"greeting":"Hello from convoy render"}`)},
			ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: []convoyv1alpha1.RegionRequirement{{Name: "eu-west", Clusters: ptr[int32](1)}}},
			Strategy:            convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetVanguard},
		}},
	}
	release, err := application.ReleaseName(stored, 1)
	if err != nil {
		t.Fatal(err)
	}
	objs := parseStream(t, r.out)
	if len(objs) != 3 {
		t.Fatalf("got %d objects, want 3:\n%s", len(objs), r.out)
	}
	for _, obj := range objs {
		if got := obj.GetLabels()[convoyv1alpha1.LabelRelease]; got != release {
			t.Errorf("%s %s has release label %q, want %q (the name of the defaulted template's release)", obj.GetKind(), obj.GetName(), got, release)
		}
		if !strings.HasPrefix(obj.GetName(), release) {
			t.Errorf("%s %s is not named after release %s", obj.GetKind(), obj.GetName(), release)
		}
	}
	wantSummary := path + ": release " + release + " of Application default/web: chart hello 0.1.0 from " + repo.URL + ", 3 objects\n"
	if r.errOut != wantSummary {
		t.Errorf("summary %q, want %q", r.errOut, wantSummary)
	}
	golden(t, "render-hello.golden", []byte(strings.ReplaceAll(r.out, release, "web-TEMPLATE-1")))
}

// -f - reads the Application from stdin.
func TestRenderReadsStdin(t *testing.T) {
	repo := helloRepo(t)
	data, err := os.ReadFile(fixture(t, "hello-chart.yaml", map[string]string{"CHART_REPO": repo.URL}))
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, string(data), "render", "-f", "-")
	if r.err != nil {
		t.Fatalf("render failed: %v", r.err)
	}
	if n := len(parseStream(t, r.out)); n != 3 {
		t.Errorf("got %d objects, want 3", n)
	}
	if !strings.HasPrefix(r.errOut, "<stdin>: release web-") {
		t.Errorf("summary %q does not name stdin", r.errOut)
	}
}

// A kustomization from a real git repository is pinned to its commit and
// gets per-release names and the release label, as installed.
func TestRenderKustomize(t *testing.T) {
	repo := gitserver.New(t).NewRepo("hello")
	commit := repo.Commit("hello", gitserver.ReadTree(t, "../../../examples/kustomize/hello", "deploy"))
	path := fixture(t, "hello-kustomize.yaml", map[string]string{"GIT_REPO": repo.FileURL()})
	r := run(t, "", "render", "-f", path)
	if r.err != nil {
		t.Fatalf("render failed: %v", r.err)
	}
	objs := parseStream(t, r.out)
	if len(objs) == 0 {
		t.Fatal("no objects")
	}
	release := objs[0].GetLabels()[convoyv1alpha1.LabelRelease]
	if !strings.HasPrefix(release, "kz-") || !strings.HasSuffix(release, "-1") {
		t.Fatalf("release label %q, want kz-HASH-1", release)
	}
	var got []string
	for _, obj := range objs {
		got = append(got, obj.GetKind()+" "+obj.GetNamespace()+"/"+obj.GetName())
		labels := obj.GetLabels()
		if labels[convoyv1alpha1.LabelRelease] != release || labels[convoyv1alpha1.LabelApplication] != "kz" || labels["environment"] != "production" {
			t.Errorf("%s %s has labels %v, want release %s, application kz and the overlay's environment", obj.GetKind(), obj.GetName(), labels, release)
		}
	}
	// The generated ConfigMap keeps its content hash, then the release.
	page := ""
	for _, obj := range objs {
		if obj.GetKind() == "ConfigMap" {
			page = obj.GetName()
		}
	}
	if !strings.HasPrefix(page, "hello-page-") || !strings.HasSuffix(page, "-"+release) {
		t.Errorf("ConfigMap %q, want hello-page-HASH-%s", page, release)
	}
	want := []string{"ConfigMap team-a/" + page, "Service team-a/hello-" + release, "Deployment team-a/hello-" + release}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("objects %v, want %v", got, want)
	}
	for _, obj := range objs {
		if obj.GetKind() != "Deployment" {
			continue
		}
		selector, _, _ := unstructured.NestedStringMap(obj.Object, "spec", "selector", "matchLabels")
		if selector[convoyv1alpha1.LabelRelease] != release {
			t.Errorf("Deployment selector %v does not select the release's pods only", selector)
		}
		if n, _, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas"); n != 4 {
			t.Errorf("Deployment replicas %d, want the overlay's 4", n)
		}
	}
	if !strings.Contains(r.errOut, "at "+commit+", 3 objects") {
		t.Errorf("summary %q does not name the commit %s", r.errOut, commit)
	}
}

// An invalid Application is not rendered: render reports what lint does.
func TestRenderRefusesAnInvalidApplication(t *testing.T) {
	r := run(t, "", "render", "-f", "testdata/unknown-field.yaml")
	wantError(t, r.err, "testdata/unknown-field.yaml: Application default/web is invalid (2 problems):",
		"spec.template.clusterRequirements.region: Forbidden: unknown field")
	if r.out != "" {
		t.Errorf("render printed %q", r.out)
	}
}

// A source whose repository wants the credentials of the secretRef fails
// saying that private sources are not supported offline.
func TestRenderPrivateSource(t *testing.T) {
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: helloChart}}, Username: "u", Password: "p"})
	path := fixture(t, "private-chart.yaml", map[string]string{"CHART_REPO": repo.URL})
	r := run(t, "", "render", "-f", path)
	wantError(t, r.err, path+": Application default/private: resolving spec.template.source.chart (chart hello (newest stable version) from "+repo.URL+"): RepositoryUnreachable: ",
		"refused access (401 Unauthorized)",
		`the source's secretRef "chart-credentials" was not used: private sources are not supported offline`)
	if r.out != "" {
		t.Errorf("render printed %q", r.out)
	}
}

// parseStream decodes a YAML stream of objects.
func parseStream(t *testing.T, stream string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, doc := range strings.Split(stream, "---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatalf("output is not YAML: %v\n%s", err, doc)
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(js); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, obj)
	}
	return objs
}

func ptr[T any](v T) *T { return &v }

// --cluster renders one cluster's objects: the overrides that match it
// (by region here) merged over the values; other clusters keep the values.
func TestRenderOneClustersOverrides(t *testing.T) {
	repo := helloRepo(t)
	obj := readYAML(t, fixture(t, "hello-chart.yaml", map[string]string{"CHART_REPO": repo.URL}))
	set([]any{map[string]any{"regions": []any{"us-east"}, "values": map[string]any{"greeting": "Howdy from us-east"}}},
		"spec", "template", "overrides")(obj)
	path := writeYAML(t, obj)
	greeting := func(args ...string) string {
		r := run(t, "", append([]string{"render", "-f", path}, args...)...)
		if r.err != nil {
			t.Fatalf("render %v: %v", args, r.err)
		}
		for _, o := range parseStream(t, r.out) {
			if o.GetKind() == "ConfigMap" {
				g, _, _ := unstructured.NestedString(o.Object, "data", "greeting")
				return g
			}
		}
		t.Fatalf("render %v: no ConfigMap in\n%s", args, r.out)
		return ""
	}
	if got := greeting("--cluster", "us-east-1", "--region", "us-east"); got != "Howdy from us-east" {
		t.Errorf("us-east-1's greeting %q, want the us-east override", got)
	}
	if got := greeting("--cluster", "eu-west-1", "--region", "eu-west"); got != "Hello from convoy render" {
		t.Errorf("eu-west-1's greeting %q, want the Application's values", got)
	}
	if got := greeting(); got != "Hello from convoy render" {
		t.Errorf("without --cluster the greeting is %q, want the Application's values", got)
	}
	if r := run(t, "", "render", "-f", path, "--cluster", "x", "--label", "nokey"); r.err == nil || !strings.Contains(r.err.Error(), `--label "nokey": want KEY=VALUE`) {
		t.Errorf("a bad --label: %v", r.err)
	}
}
