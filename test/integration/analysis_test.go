package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/analysis"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// hooks is the webhook endpoint of the suite's analysis checks, a real
// HTTP server on loopback: /<test>/ answers each POST with the status the
// test set for the measured cluster (200 unless set), and records the
// requests. The suite's manager may call it (AnalysisWebhookAllow).
var hooks = &hookServer{answers: map[string]int{}}

type hookServer struct {
	url      string
	mu       sync.Mutex
	answers  map[string]int // by "test/cluster"
	requests []analysis.WebhookRequest
}

func (h *hookServer) start() (err error) {
	h.url, err = serveLoopback(h)
	return err
}

func (h *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req analysis.WebhookRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.requests = append(h.requests, req)
	code, ok := h.answers[strings.Trim(r.URL.Path, "/")+"/"+req.Cluster]
	h.mu.Unlock()
	if !ok {
		code = http.StatusOK
	}
	w.WriteHeader(code)
	fmt.Fprintf(w, "smoke test of %s in %s: %d", req.Release, req.Cluster, code)
}

// answer makes the test's hook answer code for cluster.
func (h *hookServer) answer(test, cluster string, code int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.answers[test+"/"+cluster] = code
}

// calls are the requests the test's release made.
func (h *hookServer) calls(release string) []analysis.WebhookRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []analysis.WebhookRequest
	for _, r := range h.requests {
		if r.Release == release {
			out = append(out, r)
		}
	}
	return out
}

// gatedApplication is dnsApplication with the canary step gated by a
// short soak and a check, by default a per-cluster webhook check of two
// measurements.
func gatedApplication(ns, name, repoURL string, onFailure convoyv1alpha1.FailurePolicy, check *convoyv1alpha1.AnalysisCheck) *convoyv1alpha1.Application {
	app := dnsApplication(ns, name, repoURL)
	canary := &app.Spec.Template.Strategy.Steps[1]
	canary.Pause = &convoyv1alpha1.StepPause{Duration: metav1.Duration{Duration: 2 * time.Second}}
	canary.OnFailure = onFailure
	if check == nil {
		check = &convoyv1alpha1.AnalysisCheck{Name: "smoke", AnalysisCheckSpec: convoyv1alpha1.AnalysisCheckSpec{
			Count: 2, Interval: &metav1.Duration{Duration: time.Second},
			Webhook: &convoyv1alpha1.WebhookCheck{URL: hooks.url + name, Retries: new(int32)},
		}}
	}
	canary.Analysis = []convoyv1alpha1.AnalysisCheck{*check}
	return app
}

// gatedRollout rolls a gated application's second release to step 0 and
// returns it with the clusters it runs in.
func gatedRollout(t *testing.T, name string, onFailure convoyv1alpha1.FailurePolicy, check *convoyv1alpha1.AnalysisCheck) (*testenv.Env, context.Context, client.Client, string, convoyv1alpha1.Release, []string) {
	t.Helper()
	env, ctx, mgmt, ns := begin(t)
	app := gatedApplication(ns, name, helloRepo(t).URL, onFailure, check)
	_, clusters := completeFirstRelease(t, mgmt, app)
	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	expectCLI(t, env, ns, 0, []string{"achieved step 0"}, "wait", name, "--step", "0", "--timeout", "1m")
	return env, ctx, mgmt, ns, second, clusters
}

// A gated step is achieved only once its traffic is served in every
// cluster, each cluster's check has passed twice, and the soak is over;
// the Release status keeps the measurements, and convoy get shows them.
func TestAnalysisGatePassesThenTheStepIsAchieved(t *testing.T) {
	env, ctx, mgmt, ns, second, clusters := gatedRollout(t, "gated", "", nil)
	asked := time.Now()
	expectCLI(t, env, ns, 0, []string{"achieved step 1 (2/3 canary)"}, "advance", "gated", "--wait", "--timeout", "2m")

	rel := &convoyv1alpha1.Release{}
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), rel); err != nil {
		t.Fatal(err)
	}
	g := rel.Status.Gate
	if g == nil || g.Step != 1 || g.Phase != string(analysis.PhaseSuccessful) || g.ServedAt == nil {
		t.Fatalf("gate %+v, want step 1 Successful", g)
	}
	if soaked := rel.Status.Conditions; g.ServedAt.Add(2 * time.Second).After(time.Now()) {
		t.Errorf("step achieved before its soak was over: served at %s (%v)", g.ServedAt, soaked)
	}
	if len(g.Checks) != len(clusters) {
		t.Fatalf("gate checks %+v, want one per cluster %v", g.Checks, clusters)
	}
	for _, c := range g.Checks {
		if c.Phase != string(analysis.PhaseSuccessful) || c.Measured != 2 || c.Successful != 2 || len(c.Measurements) != 2 || !strings.HasPrefix(c.Measurements[1].Value, "200 OK") {
			t.Errorf("check %s in %s: %+v, want 2 successful measurements", c.Name, c.Cluster, c)
		}
		if c.Measurements[0].Time.Time.Before(g.ServedAt.Time) {
			t.Errorf("check %s in %s measured at %s, before the step's traffic was served at %s", c.Name, c.Cluster, c.Measurements[0].Time, g.ServedAt)
		}
	}
	calls := hooks.calls(second.Name)
	if len(calls) != 2*len(clusters) {
		t.Errorf("the webhook was called %d times, want 2 per cluster (%d); a restart or a re-reconcile must not repeat a measurement", len(calls), 2*len(clusters))
	}
	for _, c := range calls {
		if c.Step != 1 || c.StepName != "canary" || c.Application != "gated" || c.Namespace != ns || len(c.Clusters) != len(clusters) || c.Region == "" {
			t.Errorf("webhook request %+v", c)
		}
	}
	t.Logf("advance --wait to a gated step took %s", time.Since(asked).Round(time.Millisecond))
	expectCLI(t, env, ns, 0, []string{"gate of step 2/3 canary: Successful", "check smoke  eu-west-1  Successful  2 measured, 0 failed  last Successful 200 OK"}, "get", "gated")
	expectEvent(t, mgmt, ns, second.Name, "AnalysisPassed", fmt.Sprintf("%d checks passed, soaked 2s", len(clusters)))
	// And the metrics: one gate passed, two successful measurements a cluster.
	if got := metricsLine(t, `convoy_analysis_gates_total{application="gated",namespace="`+ns+`",result="Successful"}`); !strings.HasSuffix(got, " 1") {
		t.Errorf("gates metric: %q, want 1", got)
	}
	if got := metricsLine(t, `convoy_analysis_measurements_total{application="gated",check="smoke",namespace="`+ns+`",phase="Successful"}`); !strings.HasSuffix(got, fmt.Sprintf(" %d", 2*len(clusters))) {
		t.Errorf("measurements metric: %q, want %d", got, 2*len(clusters))
	}
}

// A check failing in one cluster aborts the release in every cluster,
// through the planner: the contender's traffic goes to 0 everywhere and the
// incumbent gets it back; the abort names the check, cluster and value,
// and convoy wait exits 1 saying so.
func TestAnalysisFailureInOneClusterAbortsEveryCluster(t *testing.T) {
	env, ctx, mgmt, ns, second, clusters := gatedRollout(t, "failing", "", nil)
	bad := clusters[len(clusters)-1]
	hooks.answer("failing", bad, http.StatusPreconditionFailed)
	expectCLI(t, env, ns, 1, []string{"AnalysisFailed", "check smoke in " + bad + " failed", "412 Precondition Failed"}, "advance", "failing", "--wait", "--timeout", "2m")

	rel := &convoyv1alpha1.Release{}
	eventually(t, 2*time.Minute, func() error {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), rel); err != nil {
			return err
		}
		if rel.Spec.Aborted == nil {
			return fmt.Errorf("release %s not aborted; gate %+v", rel.Name, rel.Status.Gate)
		}
		if a := rel.Status.AchievedStep; a == nil || a.Step != 0 || !conditionIs(rel.Status.Conditions, convoyv1alpha1.ConditionStalled, "Aborted") {
			return fmt.Errorf("achieved %+v, conditions %+v; want at rest at step 0, Stalled Aborted", a, rel.Status.Conditions)
		}
		return nil
	})
	for _, want := range []string{"AnalysisFailed at step 1 (canary)", "check smoke in " + bad + " failed", "412 Precondition Failed"} {
		if !strings.Contains(rel.Spec.Aborted.Reason, want) {
			t.Errorf("abort reason %q does not say %q", rel.Spec.Aborted.Reason, want)
		}
	}
	// Every cluster, not only the failing one, is back on the incumbent.
	tt := &convoyv1alpha1.TrafficTarget{}
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), tt); err != nil {
		t.Fatal(err)
	}
	for _, c := range tt.Spec.Clusters {
		if c.Weight != 0 {
			t.Errorf("the aborted contender keeps weight %d in %s", c.Weight, c.Name)
		}
	}
	expectEvent(t, mgmt, ns, second.Name, "AnalysisFailed", "check smoke in "+bad+" failed")
	expectCLI(t, env, ns, 1, []string{"was aborted: AnalysisFailed at step 1 (canary)"}, "wait", "failing", "--step", "1", "--timeout", "30s")
	expectCLI(t, env, ns, 0, []string{"gate of step 2/3 canary: Failed (AnalysisFailed)"}, "get", "failing")
}

// With onFailure Hold a failed check stalls the release where it is, for
// a person: nothing is aborted, convoy wait exits 1, and the traffic stays.
func TestAnalysisFailureHolds(t *testing.T) {
	env, ctx, mgmt, ns, second, clusters := gatedRollout(t, "holding", convoyv1alpha1.FailureHold, nil)
	hooks.answer("holding", clusters[0], http.StatusConflict)
	expectCLI(t, env, ns, 1, []string{"AnalysisFailed", "check smoke in " + clusters[0] + " failed"}, "advance", "holding", "--wait", "--timeout", "2m")
	rel := &convoyv1alpha1.Release{}
	eventually(t, time.Minute, func() error {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), rel); err != nil {
			return err
		}
		if !conditionIs(rel.Status.Conditions, convoyv1alpha1.ConditionStalled, "AnalysisFailed") {
			return fmt.Errorf("conditions %+v, want Stalled AnalysisFailed", rel.Status.Conditions)
		}
		return nil
	})
	if rel.Spec.Aborted != nil {
		t.Errorf("onFailure Hold aborted the release: %+v", rel.Spec.Aborted)
	}
	tt := &convoyv1alpha1.TrafficTarget{}
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), tt); err != nil {
		t.Fatal(err)
	}
	for _, c := range tt.Spec.Clusters {
		if c.Weight == 0 {
			t.Errorf("a hold took the contender's traffic away in %s", c.Name)
		}
	}
}

// passedGate reads the release's gate and fails the test unless it passed
// with one check per cluster.
func passedGate(ctx context.Context, t *testing.T, mgmt client.Client, rel *convoyv1alpha1.Release, clusters []string) *convoyv1alpha1.StepGate {
	t.Helper()
	got := &convoyv1alpha1.Release{}
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(rel), got); err != nil {
		t.Fatal(err)
	}
	g := got.Status.Gate
	if g == nil || g.Phase != string(analysis.PhaseSuccessful) || len(g.Checks) != len(clusters) {
		t.Fatalf("gate %+v, want Successful with one check per cluster", g)
	}
	return g
}

// errorRatio is the exporter's series that the Prometheus checks query: an
// error ratio per cluster and release, which the test sets.
const errorRatio = "convoy_test_error_ratio"

// errorRateCheck checks in each cluster, against the suite's real
// Prometheus, that the release's error ratio there stays under 5%, twice.
func errorRateCheck() *convoyv1alpha1.AnalysisCheck {
	return &convoyv1alpha1.AnalysisCheck{Name: "error-rate", AnalysisCheckSpec: convoyv1alpha1.AnalysisCheckSpec{
		Count: 2, Interval: &metav1.Duration{Duration: time.Second},
		Prometheus: &convoyv1alpha1.PrometheusCheck{
			Query:            errorRatio + `{cluster="{{cluster}}", release="{{release}}", namespace="{{namespace}}"}`,
			SuccessCondition: "result[0] < 0.05",
		},
	}}
}

// A PromQL check runs in every cluster against a real Prometheus scraping
// a real exporter: with the error ratio low everywhere the step passes,
// and the status keeps the values measured.
func TestAnalysisPrometheusCheckPasses(t *testing.T) {
	env, ctx, mgmt, ns, second, clusters := gatedRollout(t, "prom-ok", "", errorRateCheck())
	for _, c := range clusters {
		suitePrometheus.Exporter.Set(errorRatio, 0.01, "cluster", c, "release", second.Name, "namespace", ns)
	}
	expectCLI(t, env, ns, 0, []string{"achieved step 1 (2/3 canary)"}, "advance", "prom-ok", "--wait", "--timeout", "2m")
	g := passedGate(ctx, t, mgmt, &second, clusters)
	for _, c := range g.Checks {
		last := c.Measurements[len(c.Measurements)-1]
		if c.Measured != 2 || last.Value != "[0.01]" || !strings.Contains(last.Message, `cluster="`+c.Cluster+`"`) {
			t.Errorf("check in %s: %d measured, last %+v; want 2, value [0.01], the query with the cluster filled in", c.Cluster, c.Measured, last)
		}
	}
}

// The error ratio high in one cluster fails the check there, and the
// release is aborted in every cluster; the abort quotes the query and the
// value Prometheus answered.
func TestAnalysisPrometheusCheckFailsInOneCluster(t *testing.T) {
	env, ctx, mgmt, ns, second, clusters := gatedRollout(t, "prom-bad", "", errorRateCheck())
	bad := clusters[0]
	for _, c := range clusters {
		v := 0.01
		if c == bad {
			v = 0.2
		}
		suitePrometheus.Exporter.Set(errorRatio, v, "cluster", c, "release", second.Name, "namespace", ns)
	}
	expectCLI(t, env, ns, 1, []string{"check error-rate in " + bad + " failed", "value [0.2]"}, "advance", "prom-bad", "--wait", "--timeout", "2m")
	rel := &convoyv1alpha1.Release{}
	eventually(t, 2*time.Minute, func() error {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), rel); err != nil {
			return err
		}
		if rel.Spec.Aborted == nil || !conditionIs(rel.Status.Conditions, convoyv1alpha1.ConditionStalled, "Aborted") {
			return fmt.Errorf("not aborted and at rest: aborted %+v, conditions %+v", rel.Spec.Aborted, rel.Status.Conditions)
		}
		return nil
	})
	for _, want := range []string{"check error-rate in " + bad + " failed", "value [0.2]", `query ` + errorRatio + `{cluster="` + bad + `", release="` + second.Name + `"`} {
		if !strings.Contains(rel.Spec.Aborted.Reason, want) {
			t.Errorf("abort reason %q does not say %q", rel.Spec.Aborted.Reason, want)
		}
	}
}

// A check can use convoy's own DNS answer counts, scraped by the suite's
// Prometheus from the manager's /metrics: the canary passes once clients
// resolving its hostname got answers pointing at it in every cluster.
func TestAnalysisPrometheusCheckOnRealDNSAnswers(t *testing.T) {
	check := &convoyv1alpha1.AnalysisCheck{Name: "answered", AnalysisCheckSpec: convoyv1alpha1.AnalysisCheckSpec{
		Interval: &metav1.Duration{Duration: 2 * time.Second},
		Prometheus: &convoyv1alpha1.PrometheusCheck{
			Query:            `sum(convoy_dns_answers_total{release="{{release}}", cluster="{{cluster}}"})`,
			SuccessCondition: "size(result) == 1 && result[0] > 0",
		},
	}}
	env, ctx, mgmt, ns, second, clusters := gatedRollout(t, "answered", "", check)
	// Clients resolve the hostname meanwhile: bounded in count and time.
	r := newResolver(t, "answered."+ns+"."+dnsZone)
	resolving, stop := context.WithTimeout(ctx, 90*time.Second)
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20000 && resolving.Err() == nil; i++ {
			_, _ = r.answer()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	expectCLI(t, env, ns, 0, []string{"achieved step 1 (2/3 canary)"}, "advance", "answered", "--wait", "--timeout", "2m")
	stop()
	<-done
	g := passedGate(ctx, t, mgmt, &second, clusters)
	for _, c := range g.Checks {
		last := c.Measurements[len(c.Measurements)-1]
		if last.Phase != string(analysis.PhaseSuccessful) || last.Value == "[]" {
			t.Errorf("check in %s: last measurement %+v, want a positive answer count", c.Cluster, last)
		}
		t.Logf("DNS answers pointing at %s in %s when checked: %s (%d measurements, %d of them errors)", second.Name, c.Cluster, last.Value, c.Measured, c.Errors)
	}
}
