package kustomize

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/gitserver"
)

func TestRenderExamples(t *testing.T) {
	gs := gitserver.New(t)
	repo := gs.NewRepo("hello")
	sha := repo.Commit("hello", exampleFiles(t, "apps/hello/"))
	srv := gs.StartHTTP(gitserver.HTTPOptions{})
	r := newRenderer(t)
	ctx := context.Background()

	for _, url := range []string{repo.FileURL(), srv.RepoURL(repo)} {
		t.Run("base "+url[:4], func(t *testing.T) {
			out, err := r.Render(ctx, render.Request{Namespace: "team-a", Source: source(url, sha, "apps/hello/base")})
			if err != nil {
				t.Fatal(err)
			}
			if out.Digest != sha {
				t.Errorf("digest %s, want the commit %s", out.Digest, sha)
			}
			if got, want := ids(out.Objects), "[ConfigMap/team-a/hello-page-9h22227mdt Service/team-a/hello Deployment/team-a/hello]"; got != want {
				t.Fatalf("objects %s, want %s", got, want)
			}
			dep := find(t, out.Objects, "Deployment", "hello")
			if n := num(dep, "spec", "replicas"); n != 2 {
				t.Errorf("base replicas %d, want 2", n)
			}
			vols, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "volumes")
			if len(vols) != 1 || !strings.Contains(toJSON(t, vols[0]), `"name":"hello-page-9h22227mdt"`) {
				t.Errorf("volume does not name the generated ConfigMap: %v", vols)
			}
			if typ := str(find(t, out.Objects, "Service", "hello"), "spec", "type"); typ != "LoadBalancer" {
				t.Errorf("Service type %q", typ)
			}
		})
	}

	t.Run("overlay by branch", func(t *testing.T) {
		out, err := r.Render(ctx, render.Request{Namespace: "team-a", Source: source(repo.FileURL(), "main", "apps/hello/overlays/production/")})
		if err != nil {
			t.Fatal(err)
		}
		if out.Digest != sha {
			t.Errorf("digest %s, want %s: an unpinned ref is resolved first", out.Digest, sha)
		}
		dep := find(t, out.Objects, "Deployment", "hello")
		if n := num(dep, "spec", "replicas"); n != 4 {
			t.Errorf("production replicas %d, want 4", n)
		}
		for _, o := range out.Objects {
			if o.GetLabels()["environment"] != "production" {
				t.Errorf("%s %s lacks the overlay's label: %v", o.GetKind(), o.GetName(), o.GetLabels())
			}
		}
		if sel := stringMap(dep, "spec", "selector", "matchLabels"); len(sel) != 1 || sel["app"] != "hello" {
			t.Errorf("the overlay changed the selector: %v", sel)
		}
	})
}

func TestRenderNamespaceDefaulting(t *testing.T) {
	gs := gitserver.New(t)
	repo := gs.NewRepo("ns")
	sha := repo.Commit("ns", map[string]string{
		"kustomization.yaml": "resources: [objects.yaml]\n",
		"objects.yaml": `
apiVersion: v1
kind: Namespace
metadata: {name: extra}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: plain}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: elsewhere, namespace: other}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: globals.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {kind: Global, plural: globals}
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
---
apiVersion: example.com/v1
kind: Global
metadata: {name: g}
---
apiVersion: other.example.com/v1
kind: Widget
metadata: {name: w}
`,
	})
	r := newRenderer(t)
	out, err := r.Render(context.Background(), render.Request{Namespace: "team-a", Source: source(repo.FileURL(), sha, "")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Namespace/extra":                              "",       // cluster-scoped, built in
		"ClusterRole/reader":                           "",       // cluster-scoped, built in
		"ConfigMap/plain":                              "team-a", // namespaced, none given
		"ConfigMap/elsewhere":                          "other",  // kept
		"CustomResourceDefinition/globals.example.com": "",
		"Global/g":                                     "",       // cluster-scoped by the CRD in the output
		"Widget/w":                                     "team-a", // unknown kind: taken as namespaced
	}
	for _, o := range out.Objects {
		id := o.GetKind() + "/" + o.GetName()
		ns, ok := want[id]
		if !ok {
			t.Errorf("unexpected %s", id)
			continue
		}
		if o.GetNamespace() != ns {
			t.Errorf("%s: namespace %q, want %q", id, o.GetNamespace(), ns)
		}
	}
	// Install order: Namespace first, the CRD before its resources, unknown
	// kinds last and alphabetically.
	if got, want := ids(out.Objects), "[Namespace/extra ConfigMap/other/elsewhere ConfigMap/team-a/plain CustomResourceDefinition/globals.example.com ClusterRole/reader Global/g Widget/team-a/w]"; got != want {
		t.Errorf("order %s, want %s", got, want)
	}

	// Without a namespace in the request, nothing is defaulted.
	out, err = r.Render(context.Background(), render.Request{Source: source(repo.FileURL(), sha, "")})
	if err != nil {
		t.Fatal(err)
	}
	if o := find(t, out.Objects, "ConfigMap", "plain"); o.GetNamespace() != "" {
		t.Errorf("namespace %q without one in the request", o.GetNamespace())
	}
}

// TestRenderErrors checks that every failure is a *render.Error with the
// right reason, a message naming the repository, commit and path, and no
// objects; and that nothing was executed or fetched on the way.
func TestRenderErrors(t *testing.T) {
	r := newRenderer(t)
	cache := r.opts.CacheDir
	// A valid manifest and a base just outside the checkout: without
	// confinement kustomize would happily use them.
	outsideCM := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\ndata: {secret: x}\n"
	if err := os.WriteFile(filepath.Join(cache, "outside.yaml"), []byte(outsideCM), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(cache, "outside-base"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cache, "outside-base", "kustomization.yaml"), []byte("resources: [../outside.yaml]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(t.TempDir(), "executed")

	// Remote bases and files point at servers of this test that count
	// their requests: none may arrive.
	var remoteHits atomic.Int64
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		remoteHits.Add(1)
		w.Write([]byte(outsideCM))
	}))
	defer remote.Close()
	gs := gitserver.New(t)
	other := gs.NewRepo("other")
	other.Commit("base", map[string]string{"base/kustomization.yaml": "resources: [cm.yaml]\n", "base/cm.yaml": outsideCM})
	gitSrv := gs.StartHTTP(gitserver.HTTPOptions{})

	// The checkout is CACHE/checkouts/KEY/COMMIT; from a directory one
	// level below the repository root, four ".." reach CACHE.
	up := "../../../../"
	script := "#!/bin/sh\ntouch " + marker + "\necho 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}'\n"
	repo := gs.NewRepo("bad")
	repo.Symlink("symlink/cm.yaml", filepath.Join(cache, "outside.yaml"))
	repo.Symlink("symlinkdir/base", filepath.Join(cache, "outside-base"))
	sha := repo.Commit("bad", map[string]string{
		"ok/kustomization.yaml":                "resources: [cm.yaml]\n",
		"ok/cm.yaml":                           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n",
		"outside-file/kustomization.yaml":      "resources: [" + up + "outside.yaml]\n",
		"outside-base/kustomization.yaml":      "resources: [" + up + "outside-base]\n",
		"outside-patch/kustomization.yaml":     "resources: [../ok]\npatches: [{path: " + up + "outside.yaml}]\n",
		"outside-generator/kustomization.yaml": "configMapGenerator: [{name: g, files: [" + up + "outside.yaml]}]\n",
		"symlink/kustomization.yaml":           "resources: [cm.yaml]\n",
		"symlinkdir/kustomization.yaml":        "resources: [base]\n",
		"exec/kustomization.yaml":              "resources: [../ok]\ngenerators: [gen.yaml]\n",
		"exec/gen.yaml": `apiVersion: example.com/v1
kind: Gen
metadata:
  name: gen
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ./gen.sh
`,
		"exec/gen.sh":                       script,
		"container/kustomization.yaml":      "resources: [../ok]\ntransformers: [fn.yaml]\n",
		"container/fn.yaml":                 "apiVersion: example.com/v1\nkind: Fn\nmetadata:\n  name: fn\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: example.com/fn:1\n",
		"legacy-plugin/kustomization.yaml":  "resources: [../ok]\ntransformers: [plugin.yaml]\n",
		"legacy-plugin/plugin.yaml":         "apiVersion: someteam.example.com/v1\nkind: SedTransformer\nmetadata: {name: sed}\n",
		"helm/kustomization.yaml":           "helmCharts:\n- name: hello\n  repo: " + remote.URL + "\n  version: 1.0.0\n",
		"helm-generator/kustomization.yaml": "generators: [helm.yaml]\n",
		"helm-generator/helm.yaml":          "apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata: {name: h}\nname: hello\nrepo: " + remote.URL + "\n",
		"remote-base/kustomization.yaml":    "resources:\n- " + gitSrv.RepoURL(other) + "//base?ref=main\n",
		"remote-file/kustomization.yaml":    "resources: [" + remote.URL + "/cm.yaml]\n",
		"remote-github/kustomization.yaml":  "resources:\n- github.com/kubernetes-sigs/kustomize/examples/helloWorld?ref=v5.0.0\n",
		"remote-patch/kustomization.yaml":   "resources: [../ok]\ntransformers:\n- |\n  apiVersion: builtin\n  kind: PatchTransformer\n  metadata: {name: p}\n  path: " + remote.URL + "/patch.yaml\n",
		"remote-nested/kustomization.yaml":  "resources: [../remote-file]\n",
		"malformed/kustomization.yaml":      "resources: [cm.yaml\n",
		"unknown-field/kustomization.yaml":  "resourcez: [cm.yaml]\n",
		"missing-file/kustomization.yaml":   "resources: [nope.yaml]\n",
		"invalid-yaml/kustomization.yaml":   "resources: [cm.yaml]\n",
		"invalid-yaml/cm.yaml":              "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n",
		"no-kind/kustomization.yaml":        "resources: [cm.yaml]\n",
		"no-kind/cm.yaml":                   "apiVersion: v1\nmetadata: {name: x}\n",
		"no-kustomization/cm.yaml":          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
		// An OpenAPI file that is not JSON: kustomize panics when a patch
		// needs the schema.
		"panic/kustomization.yaml": "openapi: {path: schema.json}\nresources: [../ok]\npatches:\n- patch: |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: ok}\n    data: {a: b}\n",
		"panic/schema.json":        "{not json",
	})
	// Check the fixture: the good directory renders.
	ctx := context.Background()
	if _, err := r.Render(ctx, render.Request{Namespace: "ns", Source: source(repo.FileURL(), sha, "ok")}); err != nil {
		t.Fatalf("control: %v", err)
	}

	for _, tc := range []struct {
		path   string
		ref    string
		reason render.Reason
		says   string
	}{
		{"outside-file", sha, render.ReasonKustomizeError, "outside the repository"},
		{"outside-base", sha, render.ReasonKustomizeError, "outside the repository"},
		{"outside-patch", sha, render.ReasonKustomizeError, "outside the repository"},
		{"outside-generator", sha, render.ReasonKustomizeError, "outside the repository"},
		{"symlink", sha, render.ReasonKustomizeError, "outside the repository"},
		{"symlinkdir", sha, render.ReasonKustomizeError, "outside the repository"},
		{"exec", sha, render.ReasonKustomizeError, "external plugins disabled"},
		{"container", sha, render.ReasonKustomizeError, "external plugins disabled"},
		{"legacy-plugin", sha, render.ReasonKustomizeError, "external plugins disabled"},
		{"helm", sha, render.ReasonKustomizeError, "helmCharts are not supported"},
		{"helm-generator", sha, render.ReasonKustomizeError, "helmCharts are not supported"},
		{"remote-base", sha, render.ReasonKustomizeError, "remote bases and files are disabled"},
		{"remote-file", sha, render.ReasonKustomizeError, "remote bases and files are disabled"},
		{"remote-github", sha, render.ReasonKustomizeError, "remote bases and files are disabled"},
		{"remote-patch", sha, render.ReasonKustomizeError, "remote bases and files are disabled"},
		{"remote-nested", sha, render.ReasonKustomizeError, "remote bases and files are disabled"},
		{"malformed", sha, render.ReasonKustomizeError, "invalid Kustomization"},
		{"unknown-field", sha, render.ReasonKustomizeError, "resourcez"},
		{"missing-file", sha, render.ReasonKustomizeError, "nope.yaml"},
		{"invalid-yaml", sha, render.ReasonInvalidManifest, "cm.yaml"},
		{"no-kind", sha, render.ReasonInvalidManifest, "kind"},
		{"no-kustomization", sha, render.ReasonKustomizeError, "kustomization"},
		{"panic", sha, render.ReasonKustomizeError, "kustomize panicked"},
		{"does/not/exist", sha, render.ReasonKustomizeError, "path not found"},
		{"ok/cm.yaml", sha, render.ReasonKustomizeError, "path is a file"},
		{"ok", "no-such-branch", render.ReasonGitRefNotFound, `"no-such-branch"`},
		{"ok", strings.Repeat("0", 40), render.ReasonGitRefNotFound, strings.Repeat("0", 40)},
	} {
		t.Run(tc.path+"@"+tc.ref[:min(len(tc.ref), 8)], func(t *testing.T) {
			out, err := r.Render(ctx, render.Request{Namespace: "ns", Source: source(repo.FileURL(), tc.ref, tc.path)})
			if err == nil {
				t.Fatalf("rendered %s", ids(out.Objects))
			}
			t.Logf("%s: %v", reasonOf(err), err)
			if out != nil {
				t.Errorf("output %v alongside the error", out)
			}
			if got := reasonOf(err); got != tc.reason {
				t.Errorf("reason %q, want %q", got, tc.reason)
			}
			msg := err.Error()
			for _, want := range []string{tc.says, repo.FileURL()} {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q", want)
				}
			}
			if tc.reason != render.ReasonGitRefNotFound {
				for _, want := range []string{sha, `"` + tc.path + `"`} {
					if !strings.Contains(msg, want) {
						t.Errorf("message lacks %q", want)
					}
				}
			}
			if strings.Contains(msg, cache) {
				t.Errorf("message shows the cache directory %s", cache)
			}
		})
	}
	// The process survived the panic, and builds still work.
	if _, err := r.Render(ctx, render.Request{Namespace: "ns", Source: source(repo.FileURL(), sha, "ok")}); err != nil {
		t.Errorf("after the errors: %v", err)
	}

	// The escapes are real: unconfined, the kustomize CLI follows them out
	// of the checkout and returns the outside ConfigMap.
	repoRef, err := parseRepository(repo.FileURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir, _, err := r.checkout(ctx, repoRef, sha)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"outside-file", "outside-base", "symlink", "symlinkdir"} {
		out := kustomizeBuild(t, filepath.Join(dir, p), "--load-restrictor", "LoadRestrictionsNone")
		if !strings.Contains(string(out), "name: stolen") {
			t.Errorf("kustomize build %s without confinement did not reach the outside file:\n%s", p, out)
		}
	}

	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("a plugin ran: %s exists (%v)", marker, err)
	}
	if n := remoteHits.Load(); n != 0 {
		t.Errorf("%d requests reached the remote file server", n)
	}
	if n := gitSrv.Requests(); n != 0 {
		t.Errorf("%d requests reached the remote git server", n)
	}
}
