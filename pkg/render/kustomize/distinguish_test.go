package kustomize

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/gitserver"
)

// releaseObjects is what one release renders: a workload and everything it
// refers to, a shared claim and a shared Service, and kinds kustomize never
// renames.
const releaseObjects = `
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: runner, namespace: team-a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: team-a}
data: {mode: prod}
---
apiVersion: v1
kind: Secret
metadata: {name: token, namespace: team-a}
stringData: {token: abc}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: team-a
  annotations: {convoy.dev/shared: "true"}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team-a, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: runner
      containers:
      - name: web
        image: nginx
        envFrom: [{configMapRef: {name: settings}}]
        env:
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: token, key: token}}
        volumeMounts: [{name: data, mountPath: /data}, {name: cfg, mountPath: /cfg}]
      volumes:
      - name: data
        persistentVolumeClaim: {claimName: data}
      - name: cfg
        configMap: {name: settings}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: team-a}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: web-all
  namespace: team-a
  annotations: {convoy.dev/shared: "true"}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: team-a}
spec:
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: web, port: {number: 80}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: team-a}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: team-a}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: runner, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: runner, namespace: team-a}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: singleton
  namespace: team-a
  annotations: {convoy.dev/shared: "true"}
spec:
  selector: {matchLabels: {app: singleton}}
  template:
    metadata: {labels: {app: singleton}}
    spec: {containers: [{name: c, image: busybox}]}
`

const releaseLabel = "convoy.dev/release"

func TestDistinguish(t *testing.T) {
	in := parseYAML(t, []byte(releaseObjects))
	before := deepCopyAll(in)
	out, err := Distinguish(in, "-r1", map[string]string{releaseLabel: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	equalObjects(t, "the input after Distinguish", in, before)

	// Names: the suffix everywhere but on shared objects and the kinds
	// kustomize never renames; order as given.
	var names []string
	for _, o := range out {
		names = append(names, o.GetKind()+"/"+o.GetName())
	}
	wantNames := []string{
		"Namespace/team-a", "ServiceAccount/runner-r1", "ConfigMap/settings-r1", "Secret/token-r1",
		"PersistentVolumeClaim/data", "Deployment/web-r1", "Service/web-r1", "Service/web-all",
		"Ingress/web-r1", "HorizontalPodAutoscaler/web-r1", "PodDisruptionBudget/web-r1", "RoleBinding/runner-r1", "Deployment/singleton",
	}
	if !slices.Equal(names, wantNames) {
		t.Errorf("names\n%v, want\n%v", names, wantNames)
	}

	dep := find(t, out, "Deployment", "web-r1")
	refs := []struct {
		what string
		got  string
		want string
	}{
		{"Deployment serviceAccountName", str(dep, "spec", "template", "spec", "serviceAccountName"), "runner-r1"},
		{"Deployment envFrom configMapRef", nested(t, dep, "spec.template.spec.containers.0.envFrom.0.configMapRef.name"), "settings-r1"},
		{"Deployment secretKeyRef", nested(t, dep, "spec.template.spec.containers.0.env.0.valueFrom.secretKeyRef.name"), "token-r1"},
		{"Deployment configMap volume", nested(t, dep, "spec.template.spec.volumes.1.configMap.name"), "settings-r1"},
		{"Deployment shared claim", nested(t, dep, "spec.template.spec.volumes.0.persistentVolumeClaim.claimName"), "data"},
		{"Ingress backend", nested(t, find(t, out, "Ingress", "web-r1"), "spec.rules.0.http.paths.0.backend.service.name"), "web-r1"},
		{"HPA target", str(find(t, out, "HorizontalPodAutoscaler", "web-r1"), "spec", "scaleTargetRef", "name"), "web-r1"},
		{"RoleBinding subject", nested(t, find(t, out, "RoleBinding", "runner-r1"), "subjects.0.name"), "runner-r1"},
		{"RoleBinding roleRef (not ours)", str(find(t, out, "RoleBinding", "runner-r1"), "roleRef", "name"), "view"},
	}
	for _, r := range refs {
		if r.got != r.want {
			t.Errorf("%s: %q, want %q", r.what, r.got, r.want)
		}
	}

	// Labels: on every object's metadata; on selectors and templates of the
	// release's own objects; never on selectors or templates of shared ones.
	for _, o := range out {
		if o.GetLabels()[releaseLabel] != "r1" {
			t.Errorf("%s %s: labels %v", o.GetKind(), o.GetName(), o.GetLabels())
		}
	}
	own := map[string]string{"app": "web", releaseLabel: "r1"}
	for _, sel := range []struct {
		what string
		got  map[string]string
		want map[string]string
	}{
		{"Deployment selector", stringMap(dep, "spec", "selector", "matchLabels"), own},
		{"Deployment template", stringMap(dep, "spec", "template", "metadata", "labels"), own},
		{"Service selector", stringMap(find(t, out, "Service", "web-r1"), "spec", "selector"), own},
		{"PDB selector", stringMap(find(t, out, "PodDisruptionBudget", "web-r1"), "spec", "selector", "matchLabels"), own},
		{"shared Service selector", stringMap(find(t, out, "Service", "web-all"), "spec", "selector"), map[string]string{"app": "web"}},
		{"shared Deployment selector", stringMap(find(t, out, "Deployment", "singleton"), "spec", "selector", "matchLabels"), map[string]string{"app": "singleton"}},
		{"shared Deployment template", stringMap(find(t, out, "Deployment", "singleton"), "spec", "template", "metadata", "labels"), map[string]string{"app": "singleton"}},
	} {
		if !maps.Equal(sel.got, sel.want) {
			t.Errorf("%s: %v, want %v", sel.what, sel.got, sel.want)
		}
	}
	// The shared objects keep their annotation; the internal one is gone.
	for _, o := range out {
		if _, ok := o.GetAnnotations()[indexAnnotation]; ok {
			t.Errorf("%s %s kept %s", o.GetKind(), o.GetName(), indexAnnotation)
		}
	}
	if find(t, out, "PersistentVolumeClaim", "data").GetAnnotations()[SharedAnnotation] != "true" {
		t.Error("the shared annotation was removed")
	}
}

// TestDistinguishReleasesApart transforms one rendering for two releases
// and checks that no workload, Service or PodDisruptionBudget of one
// selects the pods of the other, while the shared Service selects both.
func TestDistinguishReleasesApart(t *testing.T) {
	in := parseYAML(t, []byte(releaseObjects))
	releases := map[string][]*unstructured.Unstructured{}
	for _, rel := range []string{"r1", "r2"} {
		out, err := Distinguish(in, "-"+rel, map[string]string{releaseLabel: rel})
		if err != nil {
			t.Fatal(err)
		}
		releases[rel] = out
	}
	// The labels of a release's pods: its Deployment's pod template.
	pods := func(rel string) map[string]string {
		return stringMap(find(t, releases[rel], "Deployment", "web-"+rel), "spec", "template", "metadata", "labels")
	}
	for rel, objs := range releases {
		other := "r1"
		if rel == "r1" {
			other = "r2"
		}
		otherPods := pods(other)
		ownPods := pods(rel)
		for _, sel := range []struct {
			what string
			sel  map[string]string
		}{
			{"Deployment", stringMap(find(t, objs, "Deployment", "web-"+rel), "spec", "selector", "matchLabels")},
			{"Service", stringMap(find(t, objs, "Service", "web-"+rel), "spec", "selector")},
			{"PodDisruptionBudget", stringMap(find(t, objs, "PodDisruptionBudget", "web-"+rel), "spec", "selector", "matchLabels")},
		} {
			if !selects(sel.sel, ownPods) {
				t.Errorf("%s web-%s does not select its own pods %v", sel.what, rel, ownPods)
			}
			if selects(sel.sel, otherPods) {
				t.Errorf("%s web-%s selects %s's pods %v", sel.what, rel, other, otherPods)
			}
		}
		shared := stringMap(find(t, objs, "Service", "web-all"), "spec", "selector")
		if !selects(shared, ownPods) || !selects(shared, otherPods) {
			t.Errorf("the shared Service of %s (selector %v) does not span both releases", rel, shared)
		}
	}
	// The same input twice, distinct names apart from the shared objects.
	for i, o := range releases["r1"] {
		shared := o.GetAnnotations()[SharedAnnotation] == "true" || o.GetKind() == "Namespace"
		if (o.GetName() == releases["r2"][i].GetName()) != shared {
			t.Errorf("%s: %s and %s", o.GetKind(), o.GetName(), releases["r2"][i].GetName())
		}
	}
}

// selects reports whether a label selector's matchLabels match labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestDistinguishCases(t *testing.T) {
	cm := func(name string, shared bool) string {
		s := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n"
		if shared {
			s += "  annotations: {convoy.dev/shared: \"true\"}\n"
		}
		return s + "data: {k: v}\n"
	}
	for _, tc := range []struct {
		name   string
		in     string
		suffix string
		labels map[string]string
		want   string // kind/name list, or the error's text
		err    bool
	}{
		{name: "nothing", in: "", suffix: "-x", want: "[]"},
		{name: "suffix only", in: cm("a", false), suffix: "-x", want: "[ConfigMap/a-x]"},
		{name: "labels only", in: cm("a", false), labels: map[string]string{"l": "v"}, want: "[ConfigMap/a]"},
		{name: "only shared", in: cm("a", true), suffix: "-x", labels: map[string]string{"l": "v"}, want: "[ConfigMap/a]"},
		{name: "shared is exactly \"true\"", in: strings.Replace(cm("a", true), `"true"`, `"yes"`, 1), suffix: "-x", want: "[ConfigMap/a-x]"},
		{name: "CRDs and APIServices keep their names", suffix: "-x", in: `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec: {group: example.com, scope: Namespaced, names: {kind: Thing, plural: things}, versions: []}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1.example.com}
---
apiVersion: example.com/v1
kind: Thing
metadata: {name: t}
`, want: "[CustomResourceDefinition/things.example.com APIService/v1.example.com Thing/t-x]"},
		{name: "bad suffix", in: cm("a", false), suffix: "-X", err: true, want: "name suffix"},
		{name: "bad label key", in: cm("a", false), labels: map[string]string{"bad key": "v"}, err: true, want: "bad key"},
		{name: "bad label value", in: cm("a", false), labels: map[string]string{"k": "-bad-"}, err: true, want: "-bad-"},
		{name: "duplicate objects", in: cm("a", false) + "---\n" + cm("a", false), suffix: "-x", err: true, want: "ConfigMap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := parseYAML(t, []byte(tc.in))
			out, err := Distinguish(in, tc.suffix, tc.labels)
			if tc.err {
				t.Log(err)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want one about %q", err, tc.want)
				}
				if out != nil {
					t.Errorf("objects alongside the error: %v", ids(out))
				}
				var re *render.Error
				if reasonOf(err) == "" {
					t.Errorf("not a %T: %v", re, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, o := range out {
				names = append(names, o.GetKind()+"/"+o.GetName())
			}
			if got := "[" + strings.Join(names, " ") + "]"; got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestDistinguishIdentity: with no suffix and no labels, objects come back
// as they went in, however kustomize parsed and printed them.
func TestDistinguishIdentity(t *testing.T) {
	in := parseYAML(t, []byte(releaseObjects))
	out, err := Distinguish(in, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	equalObjects(t, "identity", out, in)
}

// TestDistinguishRenderedExample runs the example through Render and
// Distinguish, the way the installation controller uses them.
func TestDistinguishRenderedExample(t *testing.T) {
	gs := gitserver.New(t)
	repo := gs.NewRepo("hello")
	sha := repo.Commit("hello", exampleFiles(t, ""))
	out, err := newRenderer(t).Render(context.Background(), render.Request{Namespace: "team-a", Source: source(repo.FileURL(), sha, "overlays/production")})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Distinguish(out.Objects, "-abc123", map[string]string{releaseLabel: "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	dep := find(t, objs, "Deployment", "hello-abc123")
	if got := nested(t, dep, "spec.template.spec.volumes.0.configMap.name"); got != "hello-page-9h22227mdt-abc123" {
		t.Errorf("volume names %q", got)
	}
	svc := find(t, objs, "Service", "hello-abc123")
	if sel := stringMap(svc, "spec", "selector"); sel[releaseLabel] != "abc123" || sel["app"] != "hello" {
		t.Errorf("Service selector %v", sel)
	}
	if ns := svc.GetNamespace(); ns != "team-a" {
		t.Errorf("namespace %q", ns)
	}
}

// nested reads a dotted path with list indexes ("a.0.b").
func nested(t testing.TB, o *unstructured.Unstructured, path string) string {
	t.Helper()
	var cur any = o.Object
	for _, p := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(c) {
				return ""
			}
			cur = c[i]
		default:
			return ""
		}
	}
	s, _ := cur.(string)
	return s
}
