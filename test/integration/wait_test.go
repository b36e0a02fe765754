package integration

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// watchProxy is an HTTP proxy on 127.0.0.1 in front of the management
// cluster's API server, for convoy's command line. It counts the watches
// that pass through it, by resource; it can end every open watch the way
// an API server does when a watch's timeout passes (a clean end of the
// response); and it can refuse every read of a resource that is not a
// watch, so that a test knows what the command learnt through its watches.
type watchProxy struct {
	srv        *httptest.Server
	kubeconfig string

	mu      sync.Mutex
	started map[string]int // watches the API server answered
	open    map[*endableBody]string
	refused map[string]bool // resources whose reads are refused
}

func newWatchProxy(t testing.TB, env *testenv.Env) *watchProxy {
	t.Helper()
	cfg := env.ManagementConfig(t)
	target, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &watchProxy{started: map[string]int{}, open: map[*endableBody]string{}, refused: map[string]bool{}}
	rp := &httputil.ReverseProxy{
		Rewrite:        func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport:      transport,
		FlushInterval:  -1, // a watch streams
		ModifyResponse: p.track,
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isWatch(r) && p.refusing(resourceOf(r)) {
			http.Error(w, "the test's proxy refuses reads of "+resourceOf(r), http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)

	// The command's kubeconfig: the proxy, which authenticates for it.
	kc := clientcmdapi.NewConfig()
	kc.Clusters["proxy"] = &clientcmdapi.Cluster{Server: p.srv.URL}
	kc.AuthInfos["proxy"] = &clientcmdapi.AuthInfo{}
	kc.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "proxy"}
	kc.CurrentContext = "proxy"
	p.kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, p.kubeconfig); err != nil {
		t.Fatal(err)
	}
	return p
}

func isWatch(r *http.Request) bool { return r.URL.Query().Get("watch") == "true" }

// resourceOf is the resource a request is about: the last segment of a
// collection's path, as in .../namespaces/NS/releases.
func resourceOf(r *http.Request) string { return path.Base(r.URL.Path) }

// track counts a watch the API server answered and makes its response
// endable.
func (p *watchProxy) track(res *http.Response) error {
	if !isWatch(res.Request) || res.StatusCode != http.StatusOK {
		return nil
	}
	body := &endableBody{ReadCloser: res.Body, ended: make(chan struct{}), proxy: p}
	resource := resourceOf(res.Request)
	p.mu.Lock()
	p.started[resource]++
	p.open[body] = resource
	p.mu.Unlock()
	res.Body = body
	return nil
}

// endableBody is a watch's response body that can be ended: closed under
// the proxy, and read as a clean end of stream.
type endableBody struct {
	io.ReadCloser
	ended chan struct{}
	proxy *watchProxy
	once  sync.Once
}

func (b *endableBody) Read(buf []byte) (int, error) {
	n, err := b.ReadCloser.Read(buf)
	select {
	case <-b.ended:
		return n, io.EOF
	default:
		return n, err
	}
}

func (b *endableBody) Close() error {
	b.proxy.mu.Lock()
	delete(b.proxy.open, b)
	b.proxy.mu.Unlock()
	return b.ReadCloser.Close()
}

func (b *endableBody) end() {
	b.once.Do(func() {
		close(b.ended)
		_ = b.ReadCloser.Close()
	})
}

// endWatches ends every open watch.
func (p *watchProxy) endWatches() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for b := range p.open {
		b.end()
	}
}

// watches are how many watches of the resource the API server answered,
// and how many of them are open.
func (p *watchProxy) watches(resource string) (started, open int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.open {
		if r == resource {
			open++
		}
	}
	return p.started[resource], open
}

// refuseReads refuses, from now on, every read of the resources that is
// not a watch.
func (p *watchProxy) refuseReads(resources ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range resources {
		p.refused[r] = true
	}
}

func (p *watchProxy) refusing(resource string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused[resource]
}

// syncBuffer is an output a test reads while a command writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// background is a command running through the proxy.
type background struct {
	out  syncBuffer
	code chan int
}

// run starts convoy with args through the proxy, in namespace ns.
func (p *watchProxy) run(ns string, args ...string) *background {
	bg := &background{code: make(chan int, 1)}
	args = append(args, "--kubeconfig", p.kubeconfig, "-n", ns)
	go func() { bg.code <- cli.Execute(args, &bg.out, &bg.out) }()
	return bg
}

// result waits for the command's exit code and output, at most patience.
func (bg *background) result(t testing.TB, patience time.Duration) (int, string) {
	t.Helper()
	select {
	case code := <-bg.code:
		t.Logf("exit %d:\n%s", code, bg.out.String())
		return code, bg.out.String()
	case <-time.After(patience):
		t.Fatalf("the command did not end within %s:\n%s", patience, bg.out.String())
		return 0, ""
	}
}

// repeatsItself tells whether the last two progress lines of a wait ("[5s]
// what it waits for") say the same.
func repeatsItself(out string) bool {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		return false
	}
	said := func(line string) string {
		if _, msg, ok := strings.Cut(line, "] "); ok && strings.HasPrefix(line, "[") {
			return msg
		}
		return ""
	}
	last, before := said(lines[len(lines)-1]), said(lines[len(lines)-2])
	return last != "" && last == before
}

// labelNodes sets or removes a label on every node of the clusters.
func labelNodes(t testing.TB, env *testenv.Env, clusters []string, key string, set bool) {
	t.Helper()
	for _, cluster := range clusters {
		c := env.ClusterClient(t, cluster)
		nodes := &corev1.NodeList{}
		if err := c.List(ctxFor(t), nodes); err != nil {
			t.Fatal(err)
		}
		for i := range nodes.Items {
			n := &nodes.Items[i]
			patched := n.DeepCopy()
			if set {
				patched.Labels[key] = "true"
			} else {
				delete(patched.Labels, key)
			}
			if err := c.Patch(ctxFor(t), patched, client.MergeFrom(n)); err != nil {
				t.Fatalf("cluster %s, node %s: %v", cluster, n.Name, err)
			}
		}
	}
}

// convoy advance --wait follows the step through its watches: it hears of
// the step achieved from a watch, and a watch that ends (as the API server
// ends one whose timeout passed) is followed by another. The command talks
// to the management cluster through a proxy; the step is held (its pods
// run only on nodes with a label no node has yet) while the proxy ends
// every watch, until the command has opened new ones; then the proxy
// refuses every read of applications and releases that is not a watch,
// and the step is let go. (Meanwhile the command, which sees nothing
// change, says again every few seconds what it waits for.) The command can only learn that the step was
// achieved from the watches it opened again.
func TestWaitFollowsTheStepThroughItsWatches(t *testing.T) {
	env, _, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := helloApplication(ns, "follow", repo.URL, "", map[string]any{"replicas": 2})
	app.Spec.Template.ClusterRequirements.Regions = []convoyv1alpha1.RegionRequirement{{Name: "eu-west", Clusters: one(2)}, {Name: "us-east"}}
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{Steps: canarySteps()}
	_, clusters := completeFirstRelease(t, mgmt, app)

	held := "wait.convoy.dev/" + ns
	t.Cleanup(func() { labelNodes(t, env, clusters, held, false) })
	setValues(t, mgmt, app, fmt.Sprintf(`{"replicas":2,"nodeSelector":{%q:"true"}}`, held))
	second := waitForReleases(t, mgmt, app, 2)[1]
	expectCLI(t, env, ns, 0, []string{"release " + second.Name, "achieved step 0"}, "wait", "follow", "--step", "0", "--timeout", "1m")

	proxy := newWatchProxy(t, env)
	advance := proxy.run(ns, "advance", "follow", "--wait", "--timeout", "2m")
	watching := func(after int) func() error {
		return func() error {
			if started, open := proxy.watches("releases"); started <= after || open == 0 {
				return fmt.Errorf("%d watches of releases started (want more than %d), %d open; the command said:\n%s", started, after, open, advance.out.String())
			}
			return nil
		}
	}
	eventually(t, time.Minute, watching(0))
	before, _ := proxy.watches("releases")
	proxy.endWatches()
	eventually(t, time.Minute, watching(before))
	// While nothing changes it still says, every few seconds, what it
	// waits for.
	eventually(t, time.Minute, func() error {
		if !repeatsItself(advance.out.String()) {
			return fmt.Errorf("the command has not said the same thing twice in a row:\n%s", advance.out.String())
		}
		return nil
	})
	proxy.refuseReads("applications", "releases")
	labelNodes(t, env, clusters, held, true)

	code, out := advance.result(t, 3*time.Minute)
	if code != 0 {
		t.Fatalf("advance --wait exited %d, want 0", code)
	}
	for _, want := range []string{"target step 0 (1/3 dark) → 1 (2/3 canary)", "release " + second.Name + " achieved step 1 (2/3 canary) in every cluster"} {
		if !strings.Contains(out, want) {
			t.Errorf("advance --wait did not say %q", want)
		}
	}
}
