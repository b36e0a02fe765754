package helm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/ociregistry"
)

// findObject returns the object of a kind, failing the test without one.
func findObject(t testing.TB, objs []*unstructured.Unstructured, kind string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind {
			return o
		}
	}
	t.Fatalf("no %s among %v", kind, objectKeys(objs))
	return nil
}

func nested(t testing.TB, obj *unstructured.Unstructured, fields ...string) any {
	t.Helper()
	v, ok, err := unstructured.NestedFieldNoCopy(obj.Object, fields...)
	if err != nil || !ok {
		t.Fatalf("%s/%s has no %v (%v)", obj.GetKind(), obj.GetName(), fields, err)
	}
	return v
}

// checkHello checks a render of the hello chart as release "web".
func checkHello(t testing.TB, out *render.Output, replicas int64, greeting string) {
	t.Helper()
	// Helm's install order: ConfigMap, Service, Deployment.
	if got, want := fmt.Sprint(objectKeys(out.Objects)), "[ConfigMap/web-hello Service/web-hello Deployment/web-hello]"; got != want {
		t.Fatalf("objects = %s, want %s", got, want)
	}
	dep := findObject(t, out.Objects, "Deployment")
	if got := nested(t, dep, "spec", "replicas"); got != replicas {
		t.Errorf("replicas = %v (%T), want %d", got, got, replicas)
	}
	containers := nested(t, dep, "spec", "template", "spec", "containers").([]any)
	if got := containers[0].(map[string]any)["image"]; got != "registry.k8s.io/e2e-test-images/agnhost:2.53" {
		t.Errorf("image = %v, want the chart's default", got)
	}
	if got := dep.GetLabels()["app.kubernetes.io/instance"]; got != "web" {
		t.Errorf("instance label = %q, want web", got)
	}
	cm := findObject(t, out.Objects, "ConfigMap")
	if got := nested(t, cm, "data", "greeting"); got != greeting {
		t.Errorf("greeting = %v, want %q", got, greeting)
	}
	if got := nested(t, findObject(t, out.Objects, "Service"), "spec", "type"); got != "LoadBalancer" {
		t.Errorf("service type = %v", got)
	}
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func TestRenderHTTP(t *testing.T) {
	for _, absolute := range []bool{false, true} {
		t.Run(fmt.Sprintf("absolute URLs %t", absolute), func(t *testing.T) {
			repo := startRepo(t, chartrepo.Options{AbsoluteURLs: absolute})
			r := newRenderer(t, Options{})
			out, err := r.Render(testContext(t), render.Request{
				ReleaseName: "web",
				Namespace:   "shop",
				Source:      chartSource(repo.URL, "hello", "0.1.0"),
			})
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			checkHello(t, out, 2, "Hello from convoy")
			if repo.Requests(chartrepo.ChartPath("hello", "0.1.0")) != 1 {
				t.Errorf("the archive was not downloaded from the index's URL")
			}
		})
	}
}

func TestRenderValuesMergedOverDefaults(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	r := newRenderer(t, Options{})
	// Values as the controller has them: decoded from JSON, so numbers
	// are float64.
	out, err := r.Render(testContext(t), render.Request{
		ReleaseName: "web",
		Namespace:   "shop",
		Source:      chartSource(repo.URL, "hello", "0.2.0"),
		Values:      map[string]any{"replicas": float64(5), "greeting": "Hej"},
	})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	checkHello(t, out, 5, "Hej")
}

func TestRenderOCI(t *testing.T) {
	reg, opts := startRegistry(t, ociregistry.Options{})
	r := newRenderer(t, opts)
	data := reg.Push(t, helloDir, "0.3.0")
	for _, version := range []string{"0.3.0", "~0.3"} {
		out, err := r.Render(testContext(t), render.Request{
			ReleaseName: "web",
			Namespace:   "shop",
			Source:      chartSource(reg.URL, "hello", version),
			Values:      map[string]any{"greeting": "Hallo"},
		})
		if err != nil {
			t.Fatalf("Render %s: %v", version, err)
		}
		checkHello(t, out, 2, "Hallo")
		if out.Digest != digestOf(data) {
			t.Errorf("digest = %s, want the pushed archive's %s", out.Digest, digestOf(data))
		}
	}
}

func TestRenderDigestIsArchiveSHA256(t *testing.T) {
	repo := chartrepo.Start(t, chartrepo.Options{})
	digest := repo.Publish(t, helloDir, "0.4.0")
	r := newRenderer(t, Options{})
	out, err := r.Render(testContext(t), render.Request{ReleaseName: "web", Source: chartSource(repo.URL, "hello", "0.4.0")})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if out.Digest != "sha256:"+digest {
		t.Fatalf("digest = %s, want sha256:%s", out.Digest, digest)
	}
}

func TestBasicAuth(t *testing.T) {
	const user, pass = "deployer", "s3cret"
	repo := startRepo(t, chartrepo.Options{Username: user, Password: pass})
	reg, opts := startRegistry(t, ociregistry.Options{Username: user, Password: pass})
	r := newRenderer(t, opts)
	for _, repoURL := range []string{repo.URL, reg.URL} {
		t.Run(repoURL, func(t *testing.T) {
			good := &render.Credentials{Username: user, Password: pass}
			out, err := r.Render(testContext(t), render.Request{
				ReleaseName: "web", Source: chartSource(repoURL, "hello", "0.1.0"), Credentials: good,
			})
			if err != nil {
				t.Fatalf("Render with good credentials: %v", err)
			}
			checkHello(t, out, 2, "Hello from convoy")
			if _, err := r.Resolve(testContext(t), chartSource(repoURL, "hello", "~0.1"), good); err != nil {
				t.Fatalf("Resolve with good credentials: %v", err)
			}

			bad := &render.Credentials{Username: user, Password: "wrong"}
			_, err = r.Resolve(testContext(t), chartSource(repoURL, "hello", "~0.1"), bad)
			requireReason(t, err, render.ReasonRepositoryUnreachable, repoURL, "refused access", "check the username and password")
			_, err = r.Render(testContext(t), render.Request{
				ReleaseName: "web", Source: chartSource(repoURL, "hello", "0.1.0"), Credentials: bad,
			})
			requireReason(t, err, render.ReasonRepositoryUnreachable, repoURL, "refused access")

			// What one set of credentials fetched is not served to a caller
			// without them.
			_, err = r.Resolve(testContext(t), chartSource(repoURL, "hello", "~0.1"), nil)
			requireReason(t, err, render.ReasonRepositoryUnreachable, "refused access", "set the source's secretRef")
		})
	}
}

func TestTLS(t *testing.T) {
	ca := chartrepo.NewCA(t)
	https := startRepo(t, chartrepo.Options{TLS: ca})
	mtls := startRepo(t, chartrepo.Options{TLS: ca, RequireClientCert: true})
	reg, opts := startRegistry(t, ociregistry.Options{TLS: ca})
	r := newRenderer(t, opts)
	certPEM, keyPEM := ca.ClientCert(t)

	cases := []struct {
		name    string
		repoURL string
		creds   *render.Credentials
		fails   []string // message parts when the render must fail
	}{
		{"HTTPS repo with CA", https.URL, &render.Credentials{CAData: ca.PEM}, nil},
		{"HTTPS repo, unknown CA", https.URL, nil, []string{https.URL, "certificate"}},
		{"HTTPS repo, insecureSkipVerify", https.URL, &render.Credentials{InsecureSkipVerify: true}, nil},
		{"mTLS repo with client cert", mtls.URL, &render.Credentials{CAData: ca.PEM, CertData: certPEM, KeyData: keyPEM}, nil},
		{"mTLS repo without client cert", mtls.URL, &render.Credentials{CAData: ca.PEM}, []string{mtls.URL}},
		{"mTLS repo, cert without key", mtls.URL, &render.Credentials{CAData: ca.PEM, CertData: certPEM}, []string{"needs both tls.crt and tls.key"}},
		{"bad CA data", https.URL, &render.Credentials{CAData: []byte("not PEM")}, []string{"ca.crt"}},
		{"OCI registry with CA", reg.URL, &render.Credentials{CAData: ca.PEM}, nil},
		{"OCI registry, unknown CA", reg.URL, nil, []string{reg.URL, "certificate"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := r.Render(testContext(t), render.Request{
				ReleaseName: "web", Source: chartSource(tc.repoURL, "hello", "0.1.0"), Credentials: tc.creds,
			})
			if tc.fails != nil {
				if out != nil {
					t.Errorf("partial output with an error")
				}
				requireReason(t, err, render.ReasonRepositoryUnreachable, tc.fails...)
				return
			}
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			checkHello(t, out, 2, "Hello from convoy")
		})
	}
}

func TestRenderNamespaceDefaultsLikeHelmTemplate(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml":          "apiVersion: v2\nname: ns\nversion: 1.0.0\n",
		"templates/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\n",
		"templates/NOTES.txt": "notes are not objects\n",
	})
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: dir}}})
	r := newRenderer(t, Options{})
	out, err := r.Render(testContext(t), render.Request{ReleaseName: "x", Source: chartSource(repo.URL, "ns", "1.0.0")})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if len(out.Objects) != 1 || out.Objects[0].GetNamespace() != "default" {
		t.Fatalf("objects = %v in %q, want one ConfigMap in default", objectKeys(out.Objects), out.Objects[0].GetNamespace())
	}
}

// TestConcurrentRenders renders from many goroutines at once with
// different values; run with -race it checks that no Helm state is shared.
func TestConcurrentRenders(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	reg, opts := startRegistry(t, ociregistry.Options{})
	r := newRenderer(t, opts)
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			repoURL := repo.URL
			if i%2 == 1 {
				repoURL = reg.URL
			}
			greeting := fmt.Sprintf("hello %d", i)
			out, err := r.Render(testContext(t), render.Request{
				ReleaseName: "web", Source: chartSource(repoURL, "hello", "0.2.0"),
				Values: map[string]any{"greeting": greeting, "replicas": float64(i + 1)},
			})
			if err != nil {
				errs <- err
				return
			}
			cm := out.Objects[0]
			if got, _, _ := unstructured.NestedString(cm.Object, "data", "greeting"); got != greeting {
				errs <- fmt.Errorf("worker %d got greeting %q", i, got)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
