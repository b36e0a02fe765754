package offline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/apis/crds"
	"github.com/convoy-rollouts/convoy/test/gitserver"
)

// examplesDir holds the example Applications of examples/README.md.
const examplesDir = "../../../examples/applications"

// demoChartRepo is where `make demo` serves examples/charts, and so the
// repoURL of the examples that use the hello chart over HTTP.
const demoChartRepo = "http://127.0.0.1:8879"

// How an example is rendered for real, besides being linted.
type exampleRender int

const (
	noRender        exampleRender = iota // a placeholder source, or no Application
	renderChart                          // the hello chart from the demo's chart repository
	renderKustomize                      // examples/kustomize/hello from a git repository
)

// Every example is valid as the apiserver would see it: the Applications
// pass convoy lint, and the RolloutBlock decodes strictly into its Go type
// and passes its CRD's schema. The examples whose source the tests can
// serve are rendered too, from real servers on 127.0.0.1 whose URLs replace
// the examples' repoURLs in memory: the hello chart from a chart
// repository, the kustomization from a git repository over HTTP.
func TestExamplesAreValid(t *testing.T) {
	cases := []struct {
		file   string
		kind   string
		render exampleRender
	}{
		{"chart-http.yaml", "Application", renderChart},
		{"chart-oci.yaml", "Application", noRender}, // oci://registry.example.com is a placeholder
		{"kustomize.yaml", "Application", renderKustomize},
		{"custom-steps.yaml", "Application", renderChart},
		{"regions-capabilities.yaml", "Application", renderChart},
		{"blue-green.yaml", "Application", renderChart},
		{"analysis.yaml", "Application", renderChart},
		{"waves.yaml", "Application", renderChart},
		{"region-overrides.yaml", "Application", renderChart},
		{"chart-autoscaled.yaml", "Application", renderChart},
		{"httproute-split.yaml", "Application", renderChart},
		{"rolloutblock.yaml", "RolloutBlock", noRender},
	}
	// The kinds a chart example renders besides the hello chart's
	// ConfigMap, Deployment and Service.
	extraKinds := map[string][]string{"chart-autoscaled.yaml": {"HorizontalPodAutoscaler"}}

	// A new example must join the table, and a listed one must exist.
	found, err := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var files, listed []string
	for _, path := range found {
		files = append(files, filepath.Base(path))
	}
	for _, c := range cases {
		listed = append(listed, c.file)
	}
	slices.Sort(listed)
	if !slices.Equal(files, listed) {
		t.Errorf("examples/applications holds %v, but the table lists %v", files, listed)
	}

	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.file, ".yaml"), func(t *testing.T) {
			path := filepath.Join(examplesDir, c.file)
			obj := readExample(t, path)
			if got := obj.GetAPIVersion() + " " + obj.GetKind(); got != convoyv1alpha1.GroupVersion.String()+" "+c.kind {
				t.Fatalf("%s is a %s, want a %s %s", c.file, got, convoyv1alpha1.GroupVersion, c.kind)
			}
			if c.kind == "RolloutBlock" {
				checkRolloutBlock(t, path)
				return
			}

			r := run(t, "", "lint", "-f", path, "--no-render")
			if r.err != nil {
				t.Fatalf("lint failed: %v", r.err)
			}
			if want := path + ": Application default/" + obj.GetName() + " is valid (not rendered)\n"; r.out != want {
				t.Errorf("lint output %q, want %q", r.out, want)
			}

			switch c.render {
			case renderChart:
				renderChartExample(t, obj, extraKinds[c.file])
			case renderKustomize:
				renderKustomizeExample(t, obj)
			}
		})
	}
}

// renderChartExample renders an example of the hello chart from a chart
// repository serving examples/charts/hello, in place of the demo's.
func renderChartExample(t *testing.T, obj *unstructured.Unstructured, extra []string) {
	repo := helloRepo(t)
	rewriteRepoURL(t, obj, []string{"spec", "template", "source", "chart", "repoURL"}, demoChartRepo, repo.URL)
	r := run(t, toYAML(t, obj), "render", "-f", "-")
	if r.err != nil {
		t.Fatalf("render failed: %v", r.err)
	}
	objs := parseStream(t, r.out)
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
		if o.GetLabels()[convoyv1alpha1.LabelApplication] != obj.GetName() {
			t.Errorf("%s %s has labels %v, want application %s", o.GetKind(), o.GetName(), o.GetLabels(), obj.GetName())
		}
	}
	slices.Sort(kinds)
	want := append([]string{"ConfigMap", "Deployment", "Service"}, extra...)
	slices.Sort(want)
	if !slices.Equal(kinds, want) {
		t.Errorf("rendered %v, want %v:\n%s", kinds, want, r.out)
	}
	if want := fmt.Sprintf("chart hello 0.1.0 from %s, %d objects\n", repo.URL, len(want)); !strings.HasSuffix(r.errOut, want) {
		t.Errorf("summary %q does not end in %q", r.errOut, want)
	}
}

// renderKustomizeExample renders the kustomize example from a git
// repository served over HTTP holding this repository's examples/kustomize
// at the same path, on a branch main.
func renderKustomizeExample(t *testing.T, obj *unstructured.Unstructured) {
	gs := gitserver.New(t)
	repo := gs.NewRepo("convoy")
	commit := repo.Commit("examples", gitserver.ReadTree(t, "../../../examples/kustomize", "examples/kustomize"))
	url := gs.StartHTTP(gitserver.HTTPOptions{}).RepoURL(repo)
	rewriteRepoURL(t, obj, []string{"spec", "template", "source", "kustomize", "repoURL"}, "https://github.com/convoy-rollouts/convoy.git", url)
	if ref, _, _ := unstructured.NestedString(obj.Object, "spec", "template", "source", "kustomize", "ref"); ref != "main" {
		t.Fatalf("the example builds ref %q; the test's repository has main only", ref)
	}
	r := run(t, toYAML(t, obj), "render", "-f", "-")
	if r.err != nil {
		t.Fatalf("render failed: %v", r.err)
	}
	objs := parseStream(t, r.out)
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
		labels := o.GetLabels()
		if labels[convoyv1alpha1.LabelApplication] != obj.GetName() || labels["environment"] != "production" {
			t.Errorf("%s %s has labels %v, want application %s and the production overlay's environment", o.GetKind(), o.GetName(), labels, obj.GetName())
		}
		if o.GetKind() == "Deployment" {
			if n, _, _ := unstructured.NestedInt64(o.Object, "spec", "replicas"); n != 4 {
				t.Errorf("Deployment replicas %d, want the production overlay's 4", n)
			}
		}
	}
	slices.Sort(kinds)
	if want := []string{"ConfigMap", "Deployment", "Service"}; !slices.Equal(kinds, want) {
		t.Errorf("rendered %v, want %v:\n%s", kinds, want, r.out)
	}
	if want := "examples/kustomize/hello/overlays/production of " + url + " at " + commit + ", 3 objects\n"; !strings.HasSuffix(r.errOut, want) {
		t.Errorf("summary %q does not end in %q", r.errOut, want)
	}
}

// rewriteRepoURL replaces the example's repoURL at path, which must be
// from, with to.
func rewriteRepoURL(t *testing.T, obj *unstructured.Unstructured, path []string, from, to string) {
	t.Helper()
	got, _, _ := unstructured.NestedString(obj.Object, path...)
	if got != from {
		t.Fatalf("%s is %q, want %q", strings.Join(path, "."), got, from)
	}
	if err := unstructured.SetNestedField(obj.Object, to, path...); err != nil {
		t.Fatal(err)
	}
}

// checkRolloutBlock decodes the example strictly into the Go type and
// validates it against the RolloutBlock CRD's OpenAPI schema (lint takes
// Applications only).
func checkRolloutBlock(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block := &convoyv1alpha1.RolloutBlock{}
	if err := yaml.UnmarshalStrict(data, block); err != nil {
		t.Fatalf("decoding into RolloutBlock: %v", err)
	}
	if block.Name == "" {
		t.Error("the RolloutBlock has no name")
	}

	all, err := crds.All()
	if err != nil {
		t.Fatal(err)
	}
	var schema *apiextensionsv1.CustomResourceValidation
	for _, crd := range all {
		if crd.Spec.Group != convoyv1alpha1.GroupVersion.Group || crd.Spec.Names.Kind != "RolloutBlock" {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Name == convoyv1alpha1.GroupVersion.Version {
				schema = v.Schema
			}
		}
	}
	if schema == nil {
		t.Fatal("no RolloutBlock CRD for convoy.dev/v1alpha1")
	}
	internal := &apiextensions.CustomResourceValidation{}
	if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(schema, internal, nil); err != nil {
		t.Fatal(err)
	}
	validator, _, err := apiservervalidation.NewSchemaValidator(internal.OpenAPIV3Schema)
	if err != nil {
		t.Fatal(err)
	}
	// The decoded object, not the file, so what the schema sees is what
	// the Go type holds.
	js, err := json.Marshal(block)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(js, &obj); err != nil {
		t.Fatal(err)
	}
	for _, e := range apiservervalidation.ValidateCustomResource(nil, obj, validator) {
		t.Errorf("RolloutBlock: %v", e)
	}
}

// readExample reads an example of one object, strictly.
func readExample(t *testing.T, path string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(js); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return obj
}

func toYAML(t *testing.T, obj *unstructured.Unstructured) string {
	t.Helper()
	data, err := yaml.Marshal(obj.Object)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
