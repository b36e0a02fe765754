package release

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/analysis"
)

// scripted answers each cluster's measurements from a script, and counts
// them: the gate's bookkeeping is pure logic around the Measurer.
type scripted struct {
	mu     sync.Mutex
	answer map[string][]analysis.Phase // by cluster, in order
	taken  map[string]int
}

func (s *scripted) Measure(_ context.Context, m MeasureRequest) (analysis.Phase, string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.taken == nil {
		s.taken = map[string]int{}
	}
	answers := s.answer[m.Cluster]
	i := min(s.taken[m.Cluster], len(answers)-1)
	s.taken[m.Cluster]++
	return answers[i], "[0.01]", "query up{cluster=\"" + m.Cluster + "\"}"
}

func gatedStep(count int32, interval, pause time.Duration) convoyv1alpha1.StrategyStep {
	step := convoyv1alpha1.StrategyStep{Name: "canary", Analysis: []convoyv1alpha1.AnalysisCheck{{Name: "errors", AnalysisCheckSpec: convoyv1alpha1.AnalysisCheckSpec{
		Count: count, Interval: &metav1.Duration{Duration: interval},
		Prometheus: &convoyv1alpha1.PrometheusCheck{Query: `up{cluster="{{cluster}}"}`, SuccessCondition: "result[0] < 0.05"},
	}}}}
	if pause > 0 {
		step.Pause = &convoyv1alpha1.StepPause{Duration: metav1.Duration{Duration: pause}}
	}
	return step
}

var gateClusters = []string{"eu-west-1", "us-east-1"}

func TestGateMeasuresEveryClusterUntilCountThenPasses(t *testing.T) {
	const S = analysis.PhaseSuccessful
	m := &scripted{answer: map[string][]analysis.Phase{"eu-west-1": {S}, "us-east-1": {S}}}
	r := &Reconciler{Measurer: m}
	rel := &convoyv1alpha1.Release{ObjectMeta: metav1.ObjectMeta{Generation: 3}}
	step := gatedStep(2, time.Minute, 0)
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	g := gateFor(rel, 1, start)

	// Not yet served: nothing is measured.
	if after := r.runGate(context.Background(), rel, g, step, gateClusters, false, start); after != 0 || len(m.taken) != 0 {
		t.Fatalf("measured before the step's traffic was served: %v, look again in %s", m.taken, after)
	}
	after := r.runGate(context.Background(), rel, g, step, gateClusters, true, start)
	if g.Phase != string(analysis.PhaseRunning) || after != time.Minute || m.taken["eu-west-1"] != 1 || m.taken["us-east-1"] != 1 {
		t.Fatalf("after the first round: %s (%s), look again in %s, measured %v", g.Phase, g.Message, after, m.taken)
	}
	// A reconcile before the interval measures nothing more.
	r.runGate(context.Background(), rel, g, step, gateClusters, true, start.Add(30*time.Second))
	if m.taken["eu-west-1"] != 1 {
		t.Fatalf("measured again within the interval: %v", m.taken)
	}
	// A restarted manager has only the status: the same gate, no repeat.
	restarted := &convoyv1alpha1.Release{ObjectMeta: rel.ObjectMeta, Status: *rel.Status.DeepCopy()}
	g = gateFor(restarted, 1, start.Add(time.Minute))
	if g.BeganAt.Time != start || g.Checks[0].Measured != 1 {
		t.Fatalf("a restart began the gate again: %+v", g)
	}
	r.runGate(context.Background(), restarted, g, step, gateClusters, true, start.Add(time.Minute))
	if g.Phase != string(analysis.PhaseSuccessful) || m.taken["eu-west-1"] != 2 || m.taken["us-east-1"] != 2 {
		t.Fatalf("after count measurements: %s (%s), measured %v", g.Phase, g.Message, m.taken)
	}
	if !gatePassed(restarted, 1) || gatePassed(restarted, 2) {
		t.Error("gatePassed does not follow the recorded gate")
	}
	// A change of the spec (a retry, an advance) begins a new gate.
	restarted.Generation++
	if fresh := gateFor(restarted, 1, start.Add(2*time.Minute)); len(fresh.Checks) != 0 || gatePassed(restarted, 1) {
		t.Errorf("a new generation kept the old gate: %+v", fresh)
	}
}

func TestGateFailsOnOneClusterAndNamesIt(t *testing.T) {
	const S, F = analysis.PhaseSuccessful, analysis.PhaseFailed
	m := &scripted{answer: map[string][]analysis.Phase{"eu-west-1": {S}, "us-east-1": {F}}}
	r := &Reconciler{Measurer: m}
	rel := &convoyv1alpha1.Release{}
	step := gatedStep(3, time.Minute, 0)
	now := time.Now()
	g := gateFor(rel, 1, now)
	if after := r.runGate(context.Background(), rel, g, step, gateClusters, true, now); after != 0 {
		t.Errorf("a decided gate looks again in %s", after)
	}
	if g.Phase != string(analysis.PhaseFailed) || g.Reason != ReasonAnalysisFailed {
		t.Fatalf("gate %s (%s): %s, want Failed", g.Phase, g.Reason, g.Message)
	}
	for _, want := range []string{"check errors in us-east-1 failed", "Failed, value [0.01]", `up{cluster="us-east-1"}`} {
		if !strings.Contains(g.Message, want) {
			t.Errorf("message %q does not say %q", g.Message, want)
		}
	}
}

func TestGateSoaksAfterChecksPass(t *testing.T) {
	m := &scripted{answer: map[string][]analysis.Phase{"eu-west-1": {analysis.PhaseSuccessful}, "us-east-1": {analysis.PhaseSuccessful}}}
	r := &Reconciler{Measurer: m}
	rel := &convoyv1alpha1.Release{}
	step := gatedStep(1, 0, 5*time.Minute)
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	g := gateFor(rel, 1, now)
	after := r.runGate(context.Background(), rel, g, step, gateClusters, true, now.Add(time.Minute))
	if g.Phase != string(analysis.PhaseRunning) || after != 5*time.Minute || !strings.Contains(g.Message, "the soak of 5m0s, 5m0s left") {
		t.Fatalf("soaking: %s (%s), look again in %s", g.Phase, g.Message, after)
	}
	r.runGate(context.Background(), rel, g, step, gateClusters, true, now.Add(6*time.Minute))
	if g.Phase != string(analysis.PhaseSuccessful) || !strings.Contains(g.Message, "soaked 5m0s") {
		t.Fatalf("after the soak: %s (%s)", g.Phase, g.Message)
	}
}

func TestGateProgressDeadline(t *testing.T) {
	r := &Reconciler{Measurer: &scripted{}}
	rel := &convoyv1alpha1.Release{}
	step := convoyv1alpha1.StrategyStep{Name: "canary", ProgressDeadline: &metav1.Duration{Duration: 10 * time.Minute}}
	began := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	g := gateFor(rel, 1, began)
	if after := r.runGate(context.Background(), rel, g, step, gateClusters, false, began.Add(4*time.Minute)); after != 6*time.Minute || decided(g) {
		t.Fatalf("before the deadline: %s, look again in %s", g.Phase, after)
	}
	r.runGate(context.Background(), rel, g, step, gateClusters, false, began.Add(10*time.Minute))
	if g.Phase != string(analysis.PhaseFailed) || g.Reason != ReasonProgressDeadlineExceeded || !strings.Contains(g.Message, "not achieved within its progressDeadline of 10m0s") {
		t.Errorf("at the deadline: %s (%s): %s", g.Phase, g.Reason, g.Message)
	}
}

func TestMeasurementsKeptAreBounded(t *testing.T) {
	st := &convoyv1alpha1.CheckStatus{Phase: string(analysis.PhaseRunning)}
	policy := analysis.Policy{Count: 10, Interval: time.Second}
	for i := range 7 {
		record(st, policy, convoyv1alpha1.Measurement{Time: metav1.NewTime(time.Unix(int64(i), 0)), Phase: string(analysis.PhaseSuccessful)})
	}
	if len(st.Measurements) != measurementsKept || st.Measured != 7 || st.Measurements[2].Time.Unix() != 6 {
		t.Errorf("kept %d measurements of %d, the newest at %v", len(st.Measurements), st.Measured, st.Measurements[len(st.Measurements)-1].Time)
	}
}
