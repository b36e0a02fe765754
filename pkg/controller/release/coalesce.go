package release

import (
	"k8s.io/apimachinery/pkg/api/equality"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
)

// progressOnly reports whether a release's new status differs from the
// one written only in the numbers of its messages (statuspatch.Coalesce):
// the capacity counts it quotes from its targets while a step is under
// way. A message that says something new (pods Unschedulable) is a
// diagnosis and written at once. Conditions'
// statuses and reasons, the step achieved, what the release waits for and
// the generation observed are milestones, which convoy wait, the
// application and the events follow, and are written at once. So is every
// change of the step's gate: a measurement taken is written before the
// next is, so that a restart never repeats or loses one. Waves formed or
// changing phase or step are milestones too.
func progressOnly(before, after *convoyv1alpha1.Release) bool {
	if before.Status.ObservedGeneration != after.Generation ||
		!conditions.SameOutcome(before.Status.Conditions, after.Status.Conditions) ||
		!equality.Semantic.DeepEqual(before.Status.AchievedStep, after.Status.AchievedStep) ||
		before.Status.WaitingFor != after.Status.WaitingFor ||
		!gateProgressOnly(before.Status.Gate, after.Status.Gate) ||
		!equality.Semantic.DeepEqual(before.Status.Waves, after.Status.Waves) ||
		len(before.Status.Strategy) != len(after.Status.Strategy) {
		return false
	}
	for i, now := range after.Status.Strategy {
		was := before.Status.Strategy[i]
		if was.Type != now.Type || was.Status != now.Status || was.Step != now.Step || was.Reason != now.Reason || !conditions.SameWords(was.Message, now.Message) {
			return false
		}
	}
	return true
}

// gateProgressOnly reports whether a gate changed only in the words of its
// message (the soak's time left): measurements and decisions are
// milestones.
func gateProgressOnly(before, after *convoyv1alpha1.StepGate) bool {
	if before == nil || after == nil {
		return before == after
	}
	b, a := *before, *after
	b.Message, a.Message = "", ""
	return equality.Semantic.DeepEqual(b, a) && conditions.SameWords(before.Message, after.Message)
}
