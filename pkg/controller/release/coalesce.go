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
// application and the events follow, and are written at once.
func progressOnly(before, after *convoyv1alpha1.Release) bool {
	if before.Status.ObservedGeneration != after.Generation ||
		!conditions.SameOutcome(before.Status.Conditions, after.Status.Conditions) ||
		!equality.Semantic.DeepEqual(before.Status.AchievedStep, after.Status.AchievedStep) ||
		before.Status.WaitingFor != after.Status.WaitingFor ||
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
