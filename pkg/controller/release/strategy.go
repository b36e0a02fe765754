package release

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/roles"
	"github.com/convoy-rollouts/convoy/strategies"
)

// targets are the objects a Release's strategy moves.
type targets struct {
	installation *convoyv1alpha1.InstallationTarget
	capacity     *convoyv1alpha1.CapacityTarget
	traffic      *convoyv1alpha1.TrafficTarget
}

func (r *Reconciler) targetsOf(ctx context.Context, rel *convoyv1alpha1.Release) (*targets, error) {
	t := &targets{&convoyv1alpha1.InstallationTarget{}, &convoyv1alpha1.CapacityTarget{}, &convoyv1alpha1.TrafficTarget{}}
	key := client.ObjectKeyFromObject(rel)
	for _, obj := range []client.Object{t.installation, t.capacity, t.traffic} {
		if err := r.Get(ctx, key, obj); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// current reports whether a target's status describes its latest spec:
// stale status never counts.
func current(obj client.Object, observed int64, conds []metav1.Condition) bool {
	return observed == obj.GetGeneration() && conditions.IsTrue(conds, convoyv1alpha1.ConditionReady)
}

func observeCapacity(ct *convoyv1alpha1.CapacityTarget) strategies.Observed {
	values := make(map[string]int32, len(ct.Spec.Clusters))
	for _, c := range ct.Spec.Clusters {
		values[c.Name] = c.Percent
	}
	return strategies.Observed{Values: values, Achieved: current(ct, ct.Status.ObservedGeneration, ct.Status.Conditions)}
}

func observeTraffic(tt *convoyv1alpha1.TrafficTarget) strategies.Observed {
	values := make(map[string]int32, len(tt.Spec.Clusters))
	for _, c := range tt.Spec.Clusters {
		values[c.Name] = c.Weight
	}
	return strategies.Observed{Values: values, Achieved: current(tt, tt.Status.ObservedGeneration, tt.Status.Conditions)}
}

// executeStrategy moves the contender (rel) and, through it, its
// incumbent and the superseded releases towards the contender's target
// step, one target at a time in the safe order strategies.Plan decides,
// and records what was achieved.
func (r *Reconciler) executeStrategy(ctx context.Context, rel *convoyv1alpha1.Release, rr roles.Roles) error {
	own, err := r.targetsOf(ctx, rel)
	if apierrors.IsNotFound(err) {
		// schedule re-creates a missing target on every reconcile; its
		// arrival in the cache triggers the next one.
		conditions.MarkReconciling(&rel.Status.Conditions, rel.Generation, ReasonTargetMissing, fmt.Sprintf("waiting for this release's targets: %v", err))
		return nil
	}
	if err != nil {
		return err
	}
	steps := rel.Spec.Environment.Strategy.Steps
	achieved := int32(-1)
	if rel.Status.AchievedStep != nil {
		achieved = rel.Status.AchievedStep.Step
	}
	target := restingStep(steps, rel.Spec.TargetStep, achieved)
	planned := achieved
	if rel.Spec.Aborted != nil {
		// An abort is a retreat from wherever the release got, even from
		// a step it never achieved: the incumbent leads, so the contender's
		// capacity is taken away without waiting for it to be there.
		steps, target, planned = abortedSteps(steps), 0, int32(len(steps)-1)
	}
	waves := plannedWaves(rel)
	in := strategies.Input{
		Steps: steps, TargetStep: target, AchievedStep: planned, Waves: waves,
		Clusters:  own.installation.Spec.Clusters,
		Installed: current(own.installation, own.installation.Status.ObservedGeneration, own.installation.Status.Conditions),
		Targets: map[strategies.Target]strategies.Observed{
			{Role: strategies.Contender, Kind: strategies.Capacity}: observeCapacity(own.capacity),
			{Role: strategies.Contender, Kind: strategies.Traffic}:  observeTraffic(own.traffic),
		},
	}
	var theirs *targets
	if rr.Incumbent != nil {
		// A missing incumbent target is never read as "no incumbent": that
		// would send the contender straight to the last step (I4). The
		// incumbent's own reconcile re-creates it.
		if theirs, err = r.targetsOf(ctx, rr.Incumbent); apierrors.IsNotFound(err) {
			conditions.MarkReconciling(&rel.Status.Conditions, rel.Generation, ReasonIncumbentTargetMissing,
				fmt.Sprintf("the incumbent %s lacks a target (%v): nothing moves until it is re-created", rr.Incumbent.Name, err))
			return errRequeue
		} else if err != nil {
			return err
		}
		in.HasIncumbent = true
		in.IncumbentClusters = theirs.installation.Spec.Clusters
		in.Targets[strategies.Target{Role: strategies.Incumbent, Kind: strategies.Capacity}] = observeCapacity(theirs.capacity)
		in.Targets[strategies.Target{Role: strategies.Incumbent, Kind: strategies.Traffic}] = observeTraffic(theirs.traffic)
	}
	superseded, err := r.supersededTargets(ctx, rr.Superseded)
	if err != nil {
		return err
	}
	for _, s := range rr.Superseded {
		if sup, ok := superseded[s.Name]; ok {
			in.Superseded = append(in.Superseded, sup.observed)
		}
	}
	in.GatePassed = gatePassed(rel, target)
	decision, err := strategies.Plan(in)
	if err != nil {
		return &strategyError{err}
	}
	if abort := r.abortForGate(ctx, rel, in.HasIncumbent); abort != nil {
		return abort
	}
	lookAgain, err := r.gate(ctx, rel, &in, &decision)
	if err != nil {
		return &strategyError{err}
	}
	if decision.Patch != nil {
		mine := own
		switch decision.Patch.Target.Role {
		case strategies.Incumbent:
			mine = theirs
		case strategies.Superseded:
			mine = superseded[decision.Patch.Release].targets
		}
		if err := r.patchTarget(ctx, mine, decision.Patch); err != nil {
			return err
		}
		if decision.Uncovered {
			r.Recorder.Eventf(rel, nil, corev1.EventTypeWarning, "TrafficOutgrowsCapacity", "Strategy",
				"the %s %s weights were edited off the strategy's total: moving them anyway, with more share than capacity covers", decision.Patch.Target.Role, decision.Patch.Target.Kind)
		}
	}
	var waitedOn *targets
	if decision.Release != "" {
		waitedOn = superseded[decision.Release].targets
	}
	detail := waitDetail(decision.WaitingFor, own, theirs, waitedOn)
	if decision.WaitingFor == strategies.StageAnalysis && rel.Status.Gate != nil {
		detail = rel.Status.Gate.Message
	}
	r.recordProgress(rel, decision, len(in.Clusters), detail)
	if len(waves) > 0 {
		recordWaves(rel, waves, decision)
	}
	r.recordAbort(rel, decision, theirs != nil)
	r.recordGate(rel, decision)
	if lookAgain > 0 {
		return &requeueAfter{lookAgain}
	}
	return nil
}

// supersededRelease is a superseded release's targets, read and observed.
type supersededRelease struct {
	targets  *targets
	observed strategies.SupersededRelease
}

// supersededTargets reads the targets of the superseded releases that
// still hold capacity or traffic, or have not settled at zero yet, by
// name. A release without all its targets holds nothing the strategy can
// move (its own reconcile re-creates what is missing).
func (r *Reconciler) supersededTargets(ctx context.Context, rels []*convoyv1alpha1.Release) (map[string]*supersededRelease, error) {
	out := map[string]*supersededRelease{}
	for _, s := range rels {
		t, err := r.targetsOf(ctx, s)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		capacity, traffic := observeCapacity(t.capacity), observeTraffic(t.traffic)
		if allZero(capacity.Values) && allZero(traffic.Values) && traffic.Achieved && capacity.Achieved {
			continue // retired already
		}
		out[s.Name] = &supersededRelease{targets: t, observed: strategies.SupersededRelease{
			Name: s.Name, Clusters: t.installation.Spec.Clusters, Capacity: capacity, Traffic: traffic,
		}}
	}
	return out, nil
}

func allZero(values map[string]int32) bool {
	for _, v := range values {
		if v != 0 {
			return false
		}
	}
	return true
}

// Reasons of a Release that waits for its targets.
const (
	ReasonTargetMissing          = "TargetMissing"
	ReasonIncumbentTargetMissing = "IncumbentTargetMissing"
)

// errRequeue asks for another reconcile soon, for a wait that no watch
// event may end.
var errRequeue = errors.New("requeue")

// requeueAfter asks for another reconcile at a known time: the next
// measurement, the end of a soak, a progress deadline.
type requeueAfter struct{ after time.Duration }

func (e *requeueAfter) Error() string { return fmt.Sprintf("requeue after %s", e.after) }

// abortedSteps are the steps an aborted release executes: its step 0 with
// everything given back to the incumbent, so a contender whose pods never
// became ready keeps none, and no step that does not wait passes on its
// own.
func abortedSteps(steps []convoyv1alpha1.StrategyStep) []convoyv1alpha1.StrategyStep {
	aborted := slices.Clone(steps)
	// A retreat has no gates: it is the safe move, and must not wait.
	aborted[0].Pause, aborted[0].Analysis, aborted[0].ProgressDeadline = nil, nil, nil
	aborted[0].Capacity = convoyv1alpha1.CapacitySplit{Contender: 0, Incumbent: 100}
	// The same total as every step's, so no move outgrows capacity (I1).
	aborted[0].Traffic = convoyv1alpha1.TrafficSplit{Contender: 0, Incumbent: steps[0].Traffic.Contender + steps[0].Traffic.Incumbent}
	return aborted
}

// recordAbort keeps the Aborted condition in step with spec.aborted: True
// while the release is held at step 0; an aborted release at rest is Stalled until convoy retry or a new
// template. A first release has no incumbent to go back to, so an abort
// does not move it.
func (r *Reconciler) recordAbort(rel *convoyv1alpha1.Release, d strategies.Decision, hasIncumbent bool) {
	gen := rel.Generation
	was := conditions.IsTrue(rel.Status.Conditions, convoyv1alpha1.ConditionAborted)
	switch {
	case rel.Spec.Aborted == nil:
		if was {
			conditions.Set(&rel.Status.Conditions, gen, convoyv1alpha1.ConditionAborted, metav1.ConditionFalse, "Retried", "the abort was lifted (convoy retry)")
		}
	case !hasIncumbent:
		conditions.Set(&rel.Status.Conditions, gen, convoyv1alpha1.ConditionAborted, metav1.ConditionFalse, "NoIncumbent",
			"the application's first release has no incumbent to go back to: the abort is ignored")
	default:
		reason := rel.Spec.Aborted.Reason
		if reason == "" {
			reason = "no reason given"
		}
		msg := fmt.Sprintf("aborted (%s): traffic and capacity go back to the incumbent; convoy retry or a new template moves on", reason)
		conditions.Set(&rel.Status.Conditions, gen, convoyv1alpha1.ConditionAborted, metav1.ConditionTrue, "Aborted", msg)
		if d.WaitingFor == strategies.StageDone {
			conditions.MarkStalled(&rel.Status.Conditions, gen, "Aborted", msg)
		}
	}
}

// waitDetail is what the target a step waits for says about itself: which
// clusters are not there yet, and why.
func waitDetail(stage strategies.Stage, own, theirs, superseded *targets) string {
	var conds []metav1.Condition
	switch {
	case stage == strategies.StageInstallation:
		conds = own.installation.Status.Conditions
	case stage == strategies.StageContenderCapacity:
		conds = own.capacity.Status.Conditions
	case stage == strategies.StageContenderTraffic:
		conds = own.traffic.Status.Conditions
	case superseded != nil && stage == strategies.StageSupersededCapacity:
		conds = superseded.capacity.Status.Conditions
	case superseded != nil && stage == strategies.StageSupersededTraffic:
		conds = superseded.traffic.Status.Conditions
	case theirs == nil:
	case stage == strategies.StageIncumbentCapacity:
		conds = theirs.capacity.Status.Conditions
	case stage == strategies.StageIncumbentTraffic:
		conds = theirs.traffic.Status.Conditions
	}
	if ready := meta.FindStatusCondition(conds, convoyv1alpha1.ConditionReady); ready != nil && ready.Status != metav1.ConditionTrue {
		return ready.Message
	}
	return ""
}

// restingStep is the step to execute for a target step: the target itself,
// or, when it does not wait for a command, the first step after it that
// does (or the last). Steps are still achieved one by one: the next step
// is only taken up once the one before it is achieved.
func restingStep(steps []convoyv1alpha1.StrategyStep, target, achieved int32) int32 {
	last := int32(len(steps) - 1)
	step := target
	for step >= 0 && step < last && !steps[step].Waits() && achieved >= step {
		step++
	}
	return step
}

// strategyError is a strategy that cannot be executed as specified.
type strategyError struct{ err error }

func (e *strategyError) Error() string { return e.err.Error() }

// patchTarget writes one target's per-cluster values exactly as planned.
func (r *Reconciler) patchTarget(ctx context.Context, t *targets, p *strategies.Patch) error {
	switch p.Target.Kind {
	case strategies.Capacity:
		before := t.capacity.DeepCopy()
		for i := range t.capacity.Spec.Clusters {
			c := &t.capacity.Spec.Clusters[i]
			if v, ok := p.Values[c.Name]; ok {
				c.Percent = v
			}
		}
		return r.Patch(ctx, t.capacity, client.MergeFrom(before))
	default:
		before := t.traffic.DeepCopy()
		for i := range t.traffic.Spec.Clusters {
			c := &t.traffic.Spec.Clusters[i]
			if v, ok := p.Values[c.Name]; ok {
				c.Weight = v
			}
		}
		return r.Patch(ctx, t.traffic, client.MergeFrom(before))
	}
}

// recordProgress writes the strategy's state into the Release status: what
// it waits for, the achieved step, Complete, and the step-stamped strategy
// conditions (see notify for the events).
func (r *Reconciler) recordProgress(rel *convoyv1alpha1.Release, d strategies.Decision, clusterCount int, detail string) {
	steps := rel.Spec.Environment.Strategy.Steps
	last := int32(len(steps) - 1)
	step := steps[d.Step]
	gen := rel.Generation
	setStrategyConditions(rel, d)

	if d.WaitingFor != strategies.StageDone {
		rel.Status.WaitingFor = waitingFor(d.WaitingFor)
		msg := fmt.Sprintf("step %d (%s): waiting for %s", d.Step, step.Name, stageText(d.WaitingFor))
		if d.Release != "" {
			msg += " " + d.Release
		}
		if detail != "" {
			msg += ": " + detail
		}
		conditions.MarkReconciling(&rel.Status.Conditions, gen, "StepInProgress", msg)
		return
	}
	rel.Status.AchievedStep = &convoyv1alpha1.AchievedStep{Step: d.Step, Name: step.Name}
	if d.Step == last {
		rel.Status.WaitingFor = ""
		conditions.Set(&rel.Status.Conditions, gen, convoyv1alpha1.ConditionComplete, metav1.ConditionTrue, "LastStepAchieved",
			fmt.Sprintf("step %d (%s), the last, achieved in %d clusters", d.Step, step.Name, clusterCount))
		conditions.MarkReady(&rel.Status.Conditions, gen, "LastStepAchieved", fmt.Sprintf("release complete at step %d (%s)", d.Step, step.Name))
		return
	}
	if !step.Waits() && rel.Spec.Aborted == nil && !d.Backward {
		// No resting point: the next reconcile takes up the next step, so
		// nothing waits for a command (convoy wait must not read it so).
		rel.Status.WaitingFor = ""
		conditions.MarkReconciling(&rel.Status.Conditions, gen, "StepAchieved",
			fmt.Sprintf("step %d (%s) achieved; moving on to step %d by itself (the step does not wait for a command)", d.Step, step.Name, d.Step+1))
		return
	}
	rel.Status.WaitingFor = convoyv1alpha1.WaitingForCommand
	conditions.MarkReady(&rel.Status.Conditions, gen, "StepAchieved",
		fmt.Sprintf("step %d (%s) achieved; waiting for a command to move on (convoy advance)", d.Step, step.Name))
}

func waitingFor(s strategies.Stage) convoyv1alpha1.WaitingFor {
	switch s {
	case strategies.StageInstallation:
		return convoyv1alpha1.WaitingForInstallation
	case strategies.StageContenderCapacity, strategies.StageIncumbentCapacity, strategies.StageSupersededCapacity:
		return convoyv1alpha1.WaitingForCapacity
	case strategies.StageAnalysis:
		return convoyv1alpha1.WaitingForAnalysis
	default:
		return convoyv1alpha1.WaitingForTraffic
	}
}

func stageText(s strategies.Stage) string {
	return map[strategies.Stage]string{
		strategies.StageInstallation:       "the installation in every cluster",
		strategies.StageContenderCapacity:  "the contender's capacity",
		strategies.StageContenderTraffic:   "the contender's traffic",
		strategies.StageIncumbentTraffic:   "the incumbent's traffic",
		strategies.StageIncumbentCapacity:  "the incumbent's capacity",
		strategies.StageSupersededTraffic:  "the traffic to leave the superseded release",
		strategies.StageSupersededCapacity: "the capacity to leave the superseded release",
		strategies.StageAnalysis:           "the step's gates",
	}[s]
}

// stageConditions maps stages to the strategy conditions they stamp.
var stageConditions = []struct {
	stage strategies.Stage
	typ   string
}{
	{strategies.StageInstallation, convoyv1alpha1.ContenderAchievedInstallation},
	{strategies.StageContenderCapacity, convoyv1alpha1.ContenderAchievedCapacity},
	{strategies.StageContenderTraffic, convoyv1alpha1.ContenderAchievedTraffic},
	{strategies.StageIncumbentTraffic, convoyv1alpha1.IncumbentAchievedTraffic},
	{strategies.StageIncumbentCapacity, convoyv1alpha1.IncumbentAchievedCapacity},
}

// setStrategyConditions stamps each stage's condition with the step it
// belongs to: achieved, waited for, or not reached yet.
func setStrategyConditions(rel *convoyv1alpha1.Release, d strategies.Decision) {
	var conds []convoyv1alpha1.StepCondition
	for _, sc := range stageConditions {
		status, reason := metav1.ConditionUnknown, "NotReached"
		switch {
		case slices.Contains(d.Achieved, sc.stage):
			status, reason = metav1.ConditionTrue, "Achieved"
		case d.WaitingFor == sc.stage:
			status, reason = metav1.ConditionFalse, "InProgress"
		}
		cond := convoyv1alpha1.StepCondition{Type: sc.typ, Status: status, Step: d.Step, Reason: reason}
		if old := findStepCondition(rel.Status.Strategy, sc.typ); old != nil && old.Status == status && old.Step == d.Step {
			cond.LastTransitionTime = old.LastTransitionTime
		} else {
			cond.LastTransitionTime = metav1.Now()
		}
		conds = append(conds, cond)
	}
	rel.Status.Strategy = conds
}

func findStepCondition(conds []convoyv1alpha1.StepCondition, typ string) *convoyv1alpha1.StepCondition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}
