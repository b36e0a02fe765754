package release

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/analysis"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/strategies"
)

// A step's gates are its progress deadline, its soak and its analysis
// checks. The planner only asks whether they passed (strategies.Input's
// GatePassed) and waits at StageAnalysis until they have; this file keeps
// their state in the Release status (Status.Gate), takes the measurements
// that are due, and judges them with pkg/analysis. A failed gate is
// recorded first; the next reconcile acts on the record (abortForGate),
// so a restart neither repeats nor loses a measurement, nor an abort.

// Reasons of a failed or holding gate.
const (
	ReasonAnalysisFailed           = "AnalysisFailed"
	ReasonAnalysisInconclusive     = "AnalysisInconclusive"
	ReasonProgressDeadlineExceeded = "ProgressDeadlineExceeded"
)

// measurementsKept bounds each check's measurements in the status.
const measurementsKept = 3

// measureTimeout bounds one round of measurements: a reconcile holds a
// worker while it waits.
const measureTimeout = 30 * time.Second

// Measurer takes one measurement of a check in a cluster (empty for a
// global check) of a release at a step. pkg/controller/release's
// AnalysisMeasurer is the real one: Prometheus queries and webhook calls.
type Measurer interface {
	Measure(ctx context.Context, m MeasureRequest) (phase analysis.Phase, value, message string)
}

// MeasureRequest is one measurement to take.
type MeasureRequest struct {
	Release *convoyv1alpha1.Release
	Step    int32
	Check   convoyv1alpha1.AnalysisCheck
	// Cluster is empty for a global check; Clusters are the release's.
	Cluster  string
	Clusters []string
}

// gated reports whether a step executed forward, with an incumbent to
// protect and not aborted, keeps gate state: a first release and a
// retreat have nothing to soak or check.
func gated(rel *convoyv1alpha1.Release, step convoyv1alpha1.StrategyStep, backward, hasIncumbent bool) bool {
	return rel.Spec.Aborted == nil && strategies.Judged(backward, hasIncumbent) && (step.Gated() || step.ProgressDeadline != nil)
}

// gateFor is the release's gate for step: the recorded one, or a fresh one
// when the step, or the release's spec (a retry, an advance), changed
// since it was recorded.
func gateFor(rel *convoyv1alpha1.Release, step int32, now time.Time) *convoyv1alpha1.StepGate {
	if g := rel.Status.Gate; g != nil && g.Step == step && g.ObservedGeneration == rel.Generation {
		return g
	}
	rel.Status.Gate = &convoyv1alpha1.StepGate{Step: step, ObservedGeneration: rel.Generation, BeganAt: metav1.NewTime(now), Phase: string(analysis.PhaseRunning)}
	return rel.Status.Gate
}

// gatePassed reports whether the recorded gate of step passed, for the
// planner.
func gatePassed(rel *convoyv1alpha1.Release, step int32) bool {
	g := rel.Status.Gate
	return g != nil && g.Step == step && g.ObservedGeneration == rel.Generation && g.Phase == string(analysis.PhaseSuccessful)
}

// runGate brings the gate of the step up to date: it starts the soak and
// the checks once the step's targets are achieved (waiting is true then),
// takes the measurements that are due, and judges the gate. It returns
// when to look again, 0 when the gate is decided.
func (r *Reconciler) runGate(ctx context.Context, rel *convoyv1alpha1.Release, g *convoyv1alpha1.StepGate, step convoyv1alpha1.StrategyStep, clusters []string, waiting bool, now time.Time) time.Duration {
	if decided(g) {
		return 0
	}
	var next time.Time
	if waiting {
		if g.ServedAt == nil {
			served := metav1.NewTime(now)
			g.ServedAt = &served
		}
		next = r.measureDue(ctx, rel, g, step, clusters, now)
		judgeGate(g, step, clusters, now)
	}
	if !decided(g) && step.ProgressDeadline != nil {
		deadline := g.BeganAt.Add(step.ProgressDeadline.Duration)
		if !now.Before(deadline) {
			g.Phase, g.Reason = string(analysis.PhaseFailed), ReasonProgressDeadlineExceeded
			g.Message = fmt.Sprintf("step %d (%s) not achieved within its progressDeadline of %s", g.Step, step.Name, step.ProgressDeadline.Duration)
			return 0
		}
		if next.IsZero() || deadline.Before(next) {
			next = deadline
		}
	}
	if decided(g) || next.IsZero() {
		return 0
	}
	return max(next.Sub(now), 100*time.Millisecond)
}

func decided(g *convoyv1alpha1.StepGate) bool {
	return g.Phase != "" && g.Phase != string(analysis.PhaseRunning)
}

// measureDue takes, in parallel, every measurement that is due, records
// it, and returns when the next one (or the soak's end) is due.
func (r *Reconciler) measureDue(ctx context.Context, rel *convoyv1alpha1.Release, g *convoyv1alpha1.StepGate, step convoyv1alpha1.StrategyStep, clusters []string, now time.Time) time.Time {
	type due struct {
		status *convoyv1alpha1.CheckStatus
		policy analysis.Policy
		req    MeasureRequest
		phase  analysis.Phase
		value  string
		msg    string
	}
	var todo []*due
	var next time.Time
	soon := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	if end, soaking := soakEnd(g, step, now); soaking {
		soon(end)
	}
	ensureChecks(g, step, clusters) // no append below: the pointers stay valid
	for _, check := range step.Analysis {
		policy := analysis.PolicyOf(check.AnalysisCheckSpec)
		for _, cluster := range checkClusters(check, clusters) {
			st := checkStatus(g, check.Name, cluster)
			if analysis.Phase(st.Phase) != analysis.PhaseRunning {
				continue
			}
			at := policy.NextAt(g.ServedAt.Time, lastMeasured(st), tallyOf(st))
			if at.After(now) {
				soon(at)
				continue
			}
			todo = append(todo, &due{status: st, policy: policy, req: MeasureRequest{Release: rel, Step: g.Step, Check: check, Cluster: cluster, Clusters: clusters}})
		}
	}
	if len(todo) == 0 {
		return next
	}
	if stale, err := r.staleView(ctx, rel); stale || err != nil {
		// The cache has not caught up with the last measurement written:
		// measuring now could take it again. Look once it has.
		return now.Add(staleRetry)
	}
	mctx, cancel := context.WithTimeout(ctx, measureTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, d := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.phase, d.value, d.msg = r.Measurer.Measure(mctx, d.req)
		}()
	}
	wg.Wait()
	for _, d := range todo {
		record(d.status, d.policy, convoyv1alpha1.Measurement{Time: metav1.NewTime(now), Phase: string(d.phase), Value: clip(d.value, 256), Message: clip(d.msg, 1024)})
		if analysis.Phase(d.status.Phase) == analysis.PhaseRunning {
			soon(d.policy.NextAt(g.ServedAt.Time, now, tallyOf(d.status)))
		}
	}
	return next
}

// staleRetry is how soon a reconcile that found its view of the Release
// stale looks again.
const staleRetry = 200 * time.Millisecond

// staleView reports whether the Release read from the cache is older than
// the API server's: a measurement is taken only from the latest record of
// the ones taken, never from a view a write of this manager has passed.
// It costs a read only when a measurement is due.
func (r *Reconciler) staleView(ctx context.Context, rel *convoyv1alpha1.Release) (bool, error) {
	if r.APIReader == nil {
		return false, nil
	}
	fresh := &convoyv1alpha1.Release{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(rel), fresh); err != nil {
		return false, err
	}
	return fresh.ResourceVersion != rel.ResourceVersion, nil
}

// checkClusters are the clusters a check is measured in: each of the
// release's, or "" once for a global check.
func checkClusters(check convoyv1alpha1.AnalysisCheck, clusters []string) []string {
	if check.Scope == convoyv1alpha1.ScopeGlobal {
		return []string{""}
	}
	return clusters
}

// ensureChecks adds the status of every check in every cluster it is
// measured in.
func ensureChecks(g *convoyv1alpha1.StepGate, step convoyv1alpha1.StrategyStep, clusters []string) {
	for _, check := range step.Analysis {
		for _, cluster := range checkClusters(check, clusters) {
			checkStatus(g, check.Name, cluster)
		}
	}
}

// checkStatus finds, or adds, the status of a check in a cluster. An add
// moves the others: callers that keep pointers add every status first
// (ensureChecks).
func checkStatus(g *convoyv1alpha1.StepGate, name, cluster string) *convoyv1alpha1.CheckStatus {
	for i := range g.Checks {
		if g.Checks[i].Name == name && g.Checks[i].Cluster == cluster {
			return &g.Checks[i]
		}
	}
	g.Checks = append(g.Checks, convoyv1alpha1.CheckStatus{Name: name, Cluster: cluster, Phase: string(analysis.PhaseRunning)})
	return &g.Checks[len(g.Checks)-1]
}

// soakEnd is when the step's soak ends, and whether it is still going.
func soakEnd(g *convoyv1alpha1.StepGate, step convoyv1alpha1.StrategyStep, now time.Time) (time.Time, bool) {
	if step.Pause == nil {
		return time.Time{}, false
	}
	end := g.ServedAt.Add(step.Pause.Duration.Duration)
	return end, now.Before(end)
}

func tallyOf(st *convoyv1alpha1.CheckStatus) analysis.Tally {
	return analysis.Tally{Measured: st.Measured, Successful: st.Successful, Failed: st.Failed, Inconclusive: st.Inconclusive, Errors: st.Errors, ConsecutiveErrors: st.ConsecutiveErrors}
}

func lastMeasured(st *convoyv1alpha1.CheckStatus) time.Time {
	if n := len(st.Measurements); n > 0 {
		return st.Measurements[n-1].Time.Time
	}
	return time.Time{}
}

// record adds a measurement to a check's status: its counts, the last few
// measurements, and the check's verdict.
func record(st *convoyv1alpha1.CheckStatus, policy analysis.Policy, m convoyv1alpha1.Measurement) {
	t := tallyOf(st).Add(analysis.Phase(m.Phase))
	st.Measured, st.Successful, st.Failed, st.Inconclusive, st.Errors, st.ConsecutiveErrors = t.Measured, t.Successful, t.Failed, t.Inconclusive, t.Errors, t.ConsecutiveErrors
	st.Measurements = append(st.Measurements, m)
	if n := len(st.Measurements); n > measurementsKept {
		st.Measurements = slices.Clone(st.Measurements[n-measurementsKept:])
	}
	st.Phase = string(analysis.Verdict(policy, t))
}

// judgeGate decides the gate from its checks and its soak: a failed check
// fails it, an inconclusive one holds it, and it passes once every check
// passed and the soak is over. The message names the check, cluster and
// value that decided, or what it still waits for.
func judgeGate(g *convoyv1alpha1.StepGate, step convoyv1alpha1.StrategyStep, clusters []string, now time.Time) {
	var running []string
	ensureChecks(g, step, clusters) // every check is judged, measured or not
	for _, check := range step.Analysis {
		for _, cluster := range checkClusters(check, clusters) {
			st := checkStatus(g, check.Name, cluster)
			where := st.Name
			if st.Cluster != "" {
				where += " in " + st.Cluster
			}
			switch analysis.Phase(st.Phase) {
			case analysis.PhaseFailed:
				g.Phase, g.Reason = string(analysis.PhaseFailed), ReasonAnalysisFailed
				g.Message = fmt.Sprintf("check %s failed: %s", where, lastWords(*st))
				return
			case analysis.PhaseInconclusive:
				g.Phase, g.Reason = string(analysis.PhaseInconclusive), ReasonAnalysisInconclusive
				g.Message = fmt.Sprintf("check %s is inconclusive: %s", where, lastWords(*st))
				return
			case analysis.PhaseRunning:
				count := analysis.PolicyOf(check.AnalysisCheckSpec).Defaulted().Count
				running = append(running, fmt.Sprintf("%s (%d/%d measured)", where, st.Measured-st.Errors, count))
			}
		}
	}
	if end, soaking := soakEnd(g, step, now); soaking {
		running = append(running, fmt.Sprintf("the soak of %s, %s left", step.Pause.Duration.Duration, end.Sub(now).Round(time.Second)))
	}
	if len(running) > 0 {
		g.Phase = string(analysis.PhaseRunning)
		g.Message = "waiting for " + strings.Join(running, ", ")
		return
	}
	g.Phase = string(analysis.PhaseSuccessful)
	g.Message = fmt.Sprintf("%d checks passed", len(g.Checks))
	if step.Pause != nil {
		g.Message += fmt.Sprintf(", soaked %s", step.Pause.Duration.Duration)
	}
}

// lastWords is what a check's last measurement said.
func lastWords(st convoyv1alpha1.CheckStatus) string {
	if len(st.Measurements) == 0 {
		return "no measurement"
	}
	m := st.Measurements[len(st.Measurements)-1]
	s := m.Phase
	if m.Value != "" {
		s += ", value " + m.Value
	}
	if m.Message != "" {
		s += " (" + m.Message + ")"
	}
	return s
}

// clip cuts s to at most n bytes, on a rune boundary, for the status'
// bounded fields.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// gate keeps the gate of the step the decision executes, when it has one:
// it judges it while the planner waits at StageAnalysis and, once it
// passes, plans again so that the step is achieved in this reconcile. It
// returns when to look again.
func (r *Reconciler) gate(ctx context.Context, rel *convoyv1alpha1.Release, in *strategies.Input, d *strategies.Decision) (time.Duration, error) {
	step := in.Steps[d.Step]
	if !gated(rel, step, d.Backward, in.HasIncumbent) {
		return 0, nil // the last gate stays in the status, for the record
	}
	now := time.Now()
	g := gateFor(rel, d.Step, now)
	judged := strategies.Reached(in.Waves, in.Clusters, d.Step) // with waves, the clusters that run the contender
	lookAgain := r.runGate(ctx, rel, g, step, judged, d.WaitingFor == strategies.StageAnalysis, now)
	switch {
	case d.WaitingFor == strategies.StageDone && !decided(g):
		g.Phase, g.Message = string(analysis.PhaseSuccessful), "achieved within its progress deadline"
	case d.WaitingFor == strategies.StageAnalysis && g.Phase == string(analysis.PhaseSuccessful):
		in.GatePassed = true
		again, err := strategies.Plan(*in)
		if err != nil {
			return 0, err
		}
		*d = again
	}
	return lookAgain, nil
}

// abortForGate aborts a release whose gate the status records as failed,
// when the step says so (onFailure Abort, the default): the abort goes
// through the planner like convoy abort's, traffic first, in every
// cluster. Acting on the record, not on the measurement that failed, means
// the failure is written before anything moves, and a restart in between
// still aborts. It returns the error that ends the reconcile after the
// abort was written, nil when there is nothing to abort.
func (r *Reconciler) abortForGate(ctx context.Context, rel *convoyv1alpha1.Release, hasIncumbent bool) error {
	g := rel.Status.Gate
	steps := rel.Spec.Environment.Strategy.Steps
	if g == nil || g.Phase != string(analysis.PhaseFailed) || g.ObservedGeneration != rel.Generation || rel.Spec.Aborted != nil || !hasIncumbent || int(g.Step) >= len(steps) {
		return nil
	}
	if steps[g.Step].OnFailure == convoyv1alpha1.FailureHold {
		return nil
	}
	before := rel.DeepCopy()
	rel.Spec.Aborted = &convoyv1alpha1.Abort{Reason: clip(fmt.Sprintf("%s at step %d (%s): %s", g.Reason, g.Step, steps[g.Step].Name, g.Message), 1024)}
	if err := r.Patch(ctx, rel, client.MergeFrom(before)); err != nil {
		return err
	}
	r.Recorder.Eventf(rel, nil, corev1.EventTypeWarning, g.Reason, "Abort", "aborting in every cluster: %s", rel.Spec.Aborted.Reason)
	// The status written with it would lose to the spec's new version.
	return errRequeue
}

// recordGate says in the conditions what a failed or holding gate does:
// a hold, or an inconclusive check, stalls the release for a person.
func (r *Reconciler) recordGate(rel *convoyv1alpha1.Release, d strategies.Decision) {
	g := rel.Status.Gate
	if g == nil || g.ObservedGeneration != rel.Generation || rel.Spec.Aborted != nil || !decided(g) || g.Phase == string(analysis.PhaseSuccessful) {
		return
	}
	steps := rel.Spec.Environment.Strategy.Steps
	hold := g.Phase == string(analysis.PhaseInconclusive) || int(g.Step) < len(steps) && steps[g.Step].OnFailure == convoyv1alpha1.FailureHold
	if hold {
		conditions.MarkStalled(&rel.Status.Conditions, rel.Generation, g.Reason,
			fmt.Sprintf("step %d (%s) holds: %s; convoy abort rolls it back, convoy advance moves on past it", g.Step, steps[g.Step].Name, g.Message))
	}
}
