package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/analysis"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/managerproc"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// smokeHook is a webhook check's endpoint on loopback: it counts the calls
// per release and cluster, and fails the clusters it is told to.
type smokeHook struct {
	url     string
	mu      sync.Mutex
	calls   map[string]int // by "release/cluster"
	failing map[string]bool
}

func startSmokeHook(t *testing.T) *smokeHook {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &smokeHook{url: "http://" + l.Addr().String() + "/smoke", calls: map[string]int{}, failing: map[string]bool{}}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return h
}

func (h *smokeHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req analysis.WebhookRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.calls[req.Release+"/"+req.Cluster]++
	fail := h.failing[req.Cluster]
	h.mu.Unlock()
	if fail {
		http.Error(w, "smoke test failed", http.StatusPreconditionFailed)
	}
}

func (h *smokeHook) count(release, cluster string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[release+"/"+cluster]
}

func (h *smokeHook) fail(cluster string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failing[cluster] = true
}

// smokeChecks is how many measurements the canary's check takes.
const smokeChecks = 3

// TestAnalysisSurvivesManagerKills kills the manager (SIGKILL, as a crash
// or an OOM kill would) in the middle of a step's analysis, twice: between
// two measurements, and right after a failed one was recorded. The
// restarted manager goes on from the Release status: the webhook is called
// exactly count times per cluster, never again for a measurement already
// recorded, and the recorded failure still aborts the release in every
// cluster.
func TestAnalysisSurvivesManagerKills(t *testing.T) {
	env := testenv.Get(t)
	ns := env.Namespace(t)
	c := newCLI(t, env, ns)
	mc := env.ManagementClient(t)
	hook := startSmokeHook(t)
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: "../../examples/charts/hello"}}})
	m := managerproc.StartWith(t, env, ns, zone, managerproc.Options{Args: []string{"--analysis-webhook-allow", hook.url}})

	steps := fourSteps()
	steps[1].Analysis = []convoyv1alpha1.AnalysisCheck{{Name: "smoke", AnalysisCheckSpec: convoyv1alpha1.AnalysisCheckSpec{
		Count: smokeChecks, Interval: &metav1.Duration{Duration: 4 * time.Second},
		Webhook: &convoyv1alpha1.WebhookCheck{URL: hook.url, Retries: new(int32)},
	}}}
	app := &convoyv1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gated"},
		Spec: convoyv1alpha1.ApplicationSpec{Template: convoyv1alpha1.ReleaseEnvironment{
			Source: convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: repo.URL, Name: "hello"}},
			Values: &apiextensionsv1.JSON{Raw: []byte(`{"replicas":3,"greeting":"v1"}`)},
			ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: []convoyv1alpha1.RegionRequirement{
				{Name: "eu-west", Clusters: ptr(2)}, {Name: "us-east"}}},
			Strategy: convoyv1alpha1.Strategy{Steps: steps},
			Traffic:  &convoyv1alpha1.TrafficSpec{DNS: &convoyv1alpha1.DNSTraffic{Hostname: "gated." + ns + "." + zone, TTLSeconds: 1}},
		}}}
	ctx := context.Background()
	if err := mc.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	if code, out := c.convoy("wait", "gated", "--complete", "--timeout", "3m"); code != 0 {
		t.Fatalf("the first release did not complete: %s", out)
	}

	// A kill between two measurements.
	second := newTemplate(t, c, mc, app, "v2")
	if code, out := c.convoy("advance", "gated"); code != 0 {
		t.Fatalf("advance: %s", out)
	}
	gate := waitGate(t, mc, second, func(g *convoyv1alpha1.StepGate) bool { return g.Step == 1 && allMeasured(g, 1) })
	m.Kill()
	t.Logf("killed the manager after the first measurements: %+v", gate.Checks)
	time.Sleep(2 * time.Second)
	m.Restart()
	if code, out := c.convoy("wait", "gated", "--step", "1", "--timeout", "2m"); code != 0 {
		t.Fatalf("the gated step was not achieved after the restart: %s", out)
	}
	rel := getRelease(t, mc, second)
	for _, chk := range rel.Status.Gate.Checks {
		if got := hook.count(second.Name, chk.Cluster); got != smokeChecks || chk.Measured != smokeChecks {
			t.Errorf("cluster %s: the webhook was called %d times and the status counts %d measurements, want %d: the restart repeated or lost one",
				chk.Cluster, got, chk.Measured, smokeChecks)
		}
	}

	// A kill right after a failure was recorded, before or after the
	// abort it makes was written.
	if code, out := c.convoy("advance", "gated", "--to", "last", "--wait", "--timeout", "2m"); code != 0 {
		t.Fatalf("completing the second release: %s", out)
	}
	third := newTemplate(t, c, mc, app, "v3")
	bad := rel.Status.Gate.Checks[0].Cluster
	hook.fail(bad)
	if code, out := c.convoy("advance", "gated"); code != 0 {
		t.Fatalf("advance: %s", out)
	}
	waitGate(t, mc, third, func(g *convoyv1alpha1.StepGate) bool { return g.Phase == string(analysis.PhaseFailed) })
	m.Kill()
	time.Sleep(2 * time.Second)
	m.Restart()
	testenv.Eventually(t, 2*time.Minute, func() error {
		r := getRelease(t, mc, third)
		if r.Spec.Aborted == nil || !stalledAborted(r) {
			return fmt.Errorf("release %s: aborted %+v, conditions %+v; want aborted and at rest", r.Name, r.Spec.Aborted, r.Status.Conditions)
		}
		return nil
	})
	for _, chk := range getRelease(t, mc, third).Status.Gate.Checks {
		if got := hook.count(third.Name, chk.Cluster); got != int(chk.Measured) || got > 1 {
			t.Errorf("cluster %s: the webhook was called %d times, the status counts %d: the first measurement decided, and none may be repeated", chk.Cluster, got, chk.Measured)
		}
	}
	tt := &convoyv1alpha1.TrafficTarget{}
	if err := mc.Get(ctx, client.ObjectKeyFromObject(third), tt); err != nil {
		t.Fatal(err)
	}
	for _, cl := range tt.Spec.Clusters {
		if cl.Weight != 0 {
			t.Errorf("the aborted release keeps weight %d in %s", cl.Weight, cl.Name)
		}
	}
}

// newTemplate changes the application's greeting and returns its new
// release once it rests at step 0.
func newTemplate(t *testing.T, c *cli, mc client.Client, app *convoyv1alpha1.Application, greeting string) *convoyv1alpha1.Release {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"template":{"values":{"replicas":3,"greeting":%q}}}}`, greeting)
	if err := mc.Patch(context.Background(), app, client.RawPatch("application/merge-patch+json", []byte(patch))); err != nil {
		t.Fatal(err)
	}
	if code, out := c.convoy("wait", "gated", "--step", "0", "--timeout", "2m"); code != 0 {
		t.Fatalf("the release of %s did not reach step 0: %s", greeting, out)
	}
	got := &convoyv1alpha1.Application{}
	if err := mc.Get(context.Background(), client.ObjectKeyFromObject(app), got); err != nil {
		t.Fatal(err)
	}
	return getRelease(t, mc, &convoyv1alpha1.Release{ObjectMeta: metav1.ObjectMeta{Namespace: app.Namespace, Name: got.Status.Contender}})
}

func getRelease(t *testing.T, mc client.Client, rel *convoyv1alpha1.Release) *convoyv1alpha1.Release {
	t.Helper()
	got := &convoyv1alpha1.Release{}
	if err := mc.Get(context.Background(), client.ObjectKeyFromObject(rel), got); err != nil {
		t.Fatal(err)
	}
	return got
}

// waitGate polls the release's gate until ok says so, quickly enough to
// kill the manager between two measurements.
func waitGate(t *testing.T, mc client.Client, rel *convoyv1alpha1.Release, ok func(*convoyv1alpha1.StepGate) bool) *convoyv1alpha1.StepGate {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if g := getRelease(t, mc, rel).Status.Gate; g != nil && ok(g) {
			return g
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("release %s: its gate never got there: %+v", rel.Name, getRelease(t, mc, rel).Status.Gate)
	return nil
}

// allMeasured reports whether every check of the gate has n measurements.
func allMeasured(g *convoyv1alpha1.StepGate, n int32) bool {
	if len(g.Checks) == 0 {
		return false
	}
	for _, c := range g.Checks {
		if c.Measured != n {
			return false
		}
	}
	return true
}

func stalledAborted(r *convoyv1alpha1.Release) bool {
	for _, c := range r.Status.Conditions {
		if c.Type == convoyv1alpha1.ConditionStalled {
			return c.Status == metav1.ConditionTrue && c.Reason == "Aborted"
		}
	}
	return false
}
