package rollout

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/analysis"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
)

// outcome is what convoy wait concludes from one look at the rollout.
type outcome int

const (
	progressing outcome = iota
	reached
	failed
	blocked
	superseded
)

// exitCode is the process exit code of an outcome (progressing means the
// wait timed out).
func (o outcome) exitCode() int {
	return [...]int{progressing: ExitTimeout, reached: 0, failed: 1, blocked: ExitBlocked, superseded: ExitSuperseded}[o]
}

// goal is what convoy wait waits for: a step achieved in every cluster, or
// the release complete.
type goal struct {
	step     int32
	complete bool
	name     string // for messages
}

// judge decides whether the release has reached the goal, can no longer
// reach it, or is still on its way, and says why. It never trusts stale
// status: a Release or Application whose status has not caught up with its
// spec is still progressing.
func judge(app *convoyv1alpha1.Application, rel *convoyv1alpha1.Release, g goal) (outcome, string) {
	if rel == nil {
		return superseded, "the release is gone"
	}
	if app.Status.ObservedGeneration != app.Generation {
		return progressing, fmt.Sprintf("application %s: status catching up with its spec", app.Name)
	}
	if b := meta.FindStatusCondition(app.Status.Conditions, convoyv1alpha1.ConditionBlocked); b != nil && b.Status == "True" {
		return blocked, fmt.Sprintf("application %s is blocked: %s", app.Name, b.Message)
	}
	if app.Status.Contender != rel.Name || conditions.IsTrue(rel.Status.Conditions, convoyv1alpha1.ConditionSuperseded) {
		return superseded, fmt.Sprintf("release %s was superseded by %s", rel.Name, app.Status.Contender)
	}
	if rel.Spec.Aborted != nil {
		return failed, fmt.Sprintf("release %s was aborted: %s", rel.Name, rel.Spec.Aborted.Reason)
	}
	if rel.Status.ObservedGeneration != rel.Generation {
		return progressing, fmt.Sprintf("release %s: status catching up with its spec", rel.Name)
	}
	if g := rel.Status.Gate; g != nil && g.ObservedGeneration == rel.Generation && g.Phase == string(analysis.PhaseFailed) {
		// Failed is final: the abort it makes follows in a moment.
		return failed, fmt.Sprintf("release %s failed at step %d: %s: %s", rel.Name, g.Step, g.Reason, g.Message)
	}
	if s := meta.FindStatusCondition(rel.Status.Conditions, convoyv1alpha1.ConditionStalled); s != nil && s.Status == "True" {
		return failed, fmt.Sprintf("release %s failed: %s: %s", rel.Name, s.Reason, s.Message)
	}
	achieved := int32(-1)
	if a := rel.Status.AchievedStep; a != nil {
		achieved = a.Step
	}
	settled := rel.Status.WaitingFor == "" || rel.Status.WaitingFor == convoyv1alpha1.WaitingForCommand
	last := int32(len(rel.Spec.Environment.Strategy.Steps) - 1)
	want := g.step
	if g.complete {
		want = last
	}
	switch {
	case g.complete && conditions.IsTrue(rel.Status.Conditions, convoyv1alpha1.ConditionComplete):
		return reached, fmt.Sprintf("release %s is complete", rel.Name)
	case !g.complete && achieved >= want && settled:
		return reached, fmt.Sprintf("release %s achieved step %s in every cluster", rel.Name, g.name)
	case rel.Status.WaitingFor == convoyv1alpha1.WaitingForCommand && rel.Spec.TargetStep < want:
		return blocked, fmt.Sprintf("release %s rests at step %d and waits for a command (convoy advance) before %s", rel.Name, achieved, g.name)
	}
	msg := fmt.Sprintf("release %s: waiting for %s", rel.Name, rel.Status.WaitingFor)
	if ready := meta.FindStatusCondition(rel.Status.Conditions, convoyv1alpha1.ConditionReady); ready != nil && ready.Status != "True" {
		msg = fmt.Sprintf("release %s: %s", rel.Name, ready.Message)
	}
	return progressing, msg
}
