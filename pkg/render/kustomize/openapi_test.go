package kustomize

import (
	"context"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/openapi"

	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/gitserver"
)

// victimDeployment has two containers. A strategic-merge patch of one of
// them merges by container name under kustomize's built-in schema, and
// replaces the whole list under a schema that does not know Deployments.
const victimDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: web:0
      - name: sidecar
        image: sidecar:0
`

// customSchema is an OpenAPI document that describes one custom kind and
// nothing else.
const customSchema = `{
  "definitions": {
    "io.example.v1.Thing": {
      "type": "object",
      "properties": {"spec": {"type": "object"}},
      "x-kubernetes-group-version-kind": [{"group": "example.io", "kind": "Thing", "version": "v1"}]
    }
  }
}`

const victimPatch = `patches:
- patch: |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      template:
        spec:
          containers:
          - name: web
            image: web:1
`

var pollutionFiles = map[string]string{
	// The pollutor sets a custom schema with kustomize's openapi field, and
	// patches the victim's Deployment the same way.
	"pollutor/kustomization.yaml": "openapi: {path: schema.json}\nresources: [thing.yaml, deploy.yaml]\n" + victimPatch,
	"pollutor/deploy.yaml":        victimDeployment,
	"pollutor/schema.json":        customSchema,
	"pollutor/thing.yaml":         "apiVersion: example.io/v1\nkind: Thing\nmetadata: {name: t}\nspec: {}\n",
	// The victim has no openapi field and patches one container.
	"victim/kustomization.yaml": "resources: [deploy.yaml]\n" + victimPatch,
	"victim/deploy.yaml":        victimDeployment,
}

// TestOpenAPIPollution renders a kustomization with an openapi field and
// then one without, and requires the second to come out exactly as when it
// is built alone.
func TestOpenAPIPollution(t *testing.T) {
	gs := gitserver.New(t)
	repo := gs.NewRepo("openapi")
	sha := repo.Commit("openapi", pollutionFiles)
	r := newRenderer(t)
	ctx := context.Background()
	render1 := func(path string) *render.Output {
		t.Helper()
		out, err := r.Render(ctx, render.Request{Namespace: "ns", Source: source(repo.FileURL(), sha, path)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	alone := render1("victim")
	containers := func(out *render.Output) int {
		dep := find(t, out.Objects, "Deployment", "web")
		c, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
		return len(c)
	}
	if n := containers(alone); n != 2 {
		t.Fatalf("the victim alone has %d containers, want 2 (merged by name)", n)
	}
	pollutor := render1("pollutor")
	after := render1("victim")
	equalObjects(t, "victim after pollutor", after.Objects, alone.Objects)

	// The test can fail: without the reset, kustomize v0.21.2 does carry
	// the pollutor's schema into the next build, and the victim's patch
	// replaces the container list.
	repoRef, err := parseRepository(repo.FileURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir, _, err := r.checkout(ctx, repoRef, sha)
	if err != nil {
		t.Fatal(err)
	}
	// The other direction: the default schema, parsed and kept by the
	// builds before, must not leak into a build with its own schema. The
	// CLI, a fresh process, says what that build gives.
	cli := parseYAML(t, kustomizeBuild(t, filepath.Join(dir, "pollutor")))
	if err := defaultNamespace(cli, "ns"); err != nil {
		t.Fatal(err)
	}
	sortInstallOrder(cli)
	equalObjects(t, "pollutor after victim", pollutor.Objects, cli)
	t.Logf("containers: victim %d, pollutor %d", containers(alone), containers(pollutor))

	fsys, err := openRepoFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	kustomizeMu.Lock()
	openapi.ResetOpenAPI()
	var polluted int
	for _, path := range []string{"pollutor", "victim"} {
		m, err := krusty.MakeKustomizer(buildOptions()).Run(fsys, fsys.abs(path))
		if err != nil {
			kustomizeMu.Unlock()
			t.Fatal(err)
		}
		if path == "victim" {
			objs, err := toUnstructured(m)
			if err != nil {
				t.Fatal(err)
			}
			c, _, _ := unstructured.NestedSlice(find(t, objs, "Deployment", "web").Object, "spec", "template", "spec", "containers")
			polluted = len(c)
		}
	}
	openapi.ResetOpenAPI()
	kustomizeMu.Unlock()
	if polluted == 2 {
		t.Errorf("without the reset the victim still has 2 containers: this test no longer shows pollution")
	}
}
