package kustomize

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/gitserver"
)

// featureFiles is a kustomization that uses much of kustomize: prefixes,
// generators, components, patches of three kinds, replacements, images,
// replicas, and many kinds, so that the install-order sort has work to do.
var featureFiles = map[string]string{
	"features/kustomization.yaml": `
namePrefix: feat-
commonAnnotations:
  team: a
labels:
- pairs: {app: feat}
  includeSelectors: true
resources:
- workload.yaml
- rbac.yaml
- extra.yaml
components:
- ../component
images:
- name: nginx
  newTag: "1.27.1"
replicas:
- name: web
  count: 3
configMapGenerator:
- name: env
  envs: [app.env]
secretGenerator:
- name: token
  literals: [token=abc]
patches:
- target: {kind: Deployment, name: web}
  patch: |
    - op: add
      path: /spec/template/spec/containers/0/args
      value: ["--verbose"]
- patch: |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      template:
        spec:
          containers:
          - name: web
            resources: {limits: {memory: 128Mi}}
replacements:
- source: {kind: Service, name: web, fieldPath: metadata.name}
  targets:
  - select: {kind: Ingress}
    fieldPaths: [spec.rules.0.host]
`,
	"features/app.env": "MODE=prod\nLEVEL=info\n",
	"features/workload.yaml": `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {tier: web}}
  template:
    metadata: {labels: {tier: web}}
    spec:
      serviceAccountName: runner
      containers:
      - name: web
        image: nginx
        envFrom: [{configMapRef: {name: env}}, {secretRef: {name: token}}]
      - name: sidecar
        image: busybox
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {tier: web}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
  - host: placeholder
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: web, port: {number: 80}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cleanup}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox}]
`,
	"features/rbac.yaml": `
apiVersion: v1
kind: ServiceAccount
metadata: {name: runner}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: runner}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: runner}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: runner}
subjects: [{kind: ServiceAccount, name: runner}]
`,
	"features/extra.yaml": `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 1
  selector: {matchLabels: {tier: web}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
---
apiVersion: example.com/v1
kind: Zebra
metadata: {name: z}
---
apiVersion: example.com/v1
kind: Aardvark
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: feat-extra}
`,
	"component/kustomization.yaml": `
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [netpol.yaml]
`,
	"component/netpol.yaml": `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec:
  podSelector: {matchLabels: {tier: web}}
  policyTypes: [Ingress]
`,
	// Uses a file beside its directory: kustomize's default load
	// restrictions refuse that; the renderer allows it within the
	// repository, like --load-restrictor LoadRestrictionsNone.
	"sibling/kustomization.yaml": "resources: [../shared/cm.yaml]\n",
	"shared/cm.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\ndata: {a: b}\n",
	// Sorted as written rather than in kustomize's legacy order.
	"fifo/kustomization.yaml": "sortOptions: {order: fifo}\nresources: [objs.yaml]\n",
	"fifo/objs.yaml": `
apiVersion: v1
kind: ConfigMap
metadata: {name: z}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: Secret
metadata: {name: m}
`,
}

// TestParityWithCLI requires Render to return what `kustomize build` prints
// for the same checked-out directory. Two adjustments are applied to the
// CLI's output, the two things Render adds on purpose:
//
//   - Render sorts by Helm's install order (stable), so the CLI's objects
//     are sorted the same way before the order is compared;
//   - Render defaults the namespace of namespaced objects. With an empty
//     request namespace it defaults nothing, and the output must equal the
//     CLI's exactly; with a namespace, it must equal the CLI's after the
//     same defaultNamespace.
func TestParityWithCLI(t *testing.T) {
	files := exampleFiles(t, "hello/")
	for k, v := range featureFiles {
		files[k] = v
	}
	gs := gitserver.New(t)
	repo := gs.NewRepo("parity")
	sha := repo.Commit("parity", files)
	r := newRenderer(t)
	ctx := context.Background()
	repoRef, err := parseRepository(repo.FileURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkout, _, err := r.checkout(ctx, repoRef, sha)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		path  string
		flags []string
	}{
		{path: "hello/base"},
		{path: "hello/overlays/production"},
		{path: "features"},
		{path: "sibling", flags: []string{"--load-restrictor", "LoadRestrictionsNone"}},
		{path: "fifo"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			cli := parseYAML(t, kustomizeBuild(t, filepath.Join(checkout, tc.path), tc.flags...))
			if len(cli) == 0 {
				t.Fatal("the CLI built nothing")
			}
			for _, ns := range []string{"", "parity-ns"} {
				out, err := r.Render(ctx, render.Request{Namespace: ns, Source: source(repo.FileURL(), sha, tc.path)})
				if err != nil {
					t.Fatal(err)
				}
				want := deepCopyAll(cli)
				if err := defaultNamespace(want, ns); err != nil {
					t.Fatal(err)
				}
				sameSet(t, fmt.Sprintf("namespace %q", ns), out.Objects, want)
				sortInstallOrder(want)
				equalObjects(t, fmt.Sprintf("namespace %q, in order", ns), out.Objects, want)
			}
		})
	}

	t.Run("install order", func(t *testing.T) {
		out, err := r.Render(ctx, render.Request{Source: source(repo.FileURL(), sha, "features")})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, o := range out.Objects {
			kinds = append(kinds, o.GetKind())
		}
		want := []string{"Namespace", "NetworkPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "ConfigMap",
			"Role", "RoleBinding", "Service", "Deployment", "HorizontalPodAutoscaler", "CronJob", "Ingress",
			"Aardvark", "Zebra"}
		if !slices.Equal(kinds, want) {
			t.Errorf("kinds in order %v, want %v", kinds, want)
		}
		out, err = r.Render(ctx, render.Request{Source: source(repo.FileURL(), sha, "fifo")})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(out.Objects); got != "[Secret/m ConfigMap/z ConfigMap/a]" {
			t.Errorf("fifo order %s: within a kind, kustomize's order must be kept", got)
		}
	})
}

// sameSet compares objects as sets keyed by kind, namespace and name.
func sameSet(t *testing.T, what string, got, want []*unstructured.Unstructured) {
	t.Helper()
	key := func(o *unstructured.Unstructured) string {
		return o.GetAPIVersion() + "/" + o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
	}
	index := func(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
		m := map[string]*unstructured.Unstructured{}
		for _, o := range objs {
			if m[key(o)] != nil {
				t.Errorf("%s: %s twice", what, key(o))
			}
			m[key(o)] = o
		}
		return m
	}
	g, w := index(got), index(want)
	for k, o := range w {
		if g[k] == nil {
			t.Errorf("%s: missing %s", what, k)
		} else {
			equalObjects(t, what+" "+k, []*unstructured.Unstructured{g[k]}, []*unstructured.Unstructured{o})
		}
	}
	for k := range g {
		if w[k] == nil {
			t.Errorf("%s: extra %s", what, k)
		}
	}
}

func deepCopyAll(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		out[i] = o.DeepCopy()
	}
	return out
}

// TestConcurrentRenders renders different kustomizations from 8 goroutines
// at once, several times each, with a cold cache, and requires each result
// to equal the CLI's. One of them sets a custom OpenAPI schema, the others
// rely on the built-in one for their strategic-merge patches: with shared
// or leaking global state some would come out wrong, or the race detector
// would object.
func TestConcurrentRenders(t *testing.T) {
	const n = 8
	files := map[string]string{}
	for i := range n {
		dir := fmt.Sprintf("app%d/", i)
		files[dir+"kustomization.yaml"] = fmt.Sprintf(`
namePrefix: app%d-
resources: [deploy.yaml]
configMapGenerator: [{name: cfg, literals: [index=%d]}]
patches:
- patch: |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      template:
        spec:
          containers:
          - name: web
            image: web:%d
`, i, i, i)
		files[dir+"deploy.yaml"] = victimDeployment
		if i == 0 {
			files[dir+"kustomization.yaml"] += "openapi: {path: schema.json}\n"
			files[dir+"schema.json"] = customSchema
		}
	}
	gs := gitserver.New(t)
	repo := gs.NewRepo("many")
	sha := repo.Commit("many", files)

	// Expected: the CLI, one directory at a time, on a checkout of its own.
	seq := newRenderer(t)
	repoRef, err := parseRepository(repo.FileURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkout, _, err := seq.checkout(context.Background(), repoRef, sha)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]*unstructured.Unstructured, n)
	for i := range n {
		want[i] = parseYAML(t, kustomizeBuild(t, filepath.Join(checkout, fmt.Sprintf("app%d", i))))
		sortInstallOrder(want[i])
	}

	r := newRenderer(t)
	const rounds = 3
	got := make([][][]*unstructured.Unstructured, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for range rounds {
				out, err := r.Render(context.Background(), render.Request{Source: source(repo.FileURL(), sha, fmt.Sprintf("app%d", i))})
				if err != nil {
					errs[i] = err
					return
				}
				got[i] = append(got[i], out.Objects)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("app%d: %v", i, errs[i])
			continue
		}
		for round, objs := range got[i] {
			equalObjects(t, fmt.Sprintf("app%d round %d", i, round), objs, want[i])
		}
	}
}
