package application

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/roles"
)

// summarize computes the Application's status from its Releases and the
// conditions this reconcile set (Blocked, Stalled). fetching, when set,
// says the template's source is still being fetched.
func summarize(app *convoyv1alpha1.Application, releases []*convoyv1alpha1.Release, fetching string) {
	st, gen := &app.Status, app.Generation
	rr := roles.Of(releases)
	contender, incumbent := rr.Contender, rr.Incumbent
	st.History = st.History[:0]
	for _, r := range releases {
		st.History = append(st.History, r.Name)
	}
	st.Contender, st.Incumbent, st.Step = "", "", nil
	if incumbent != nil {
		st.Incumbent = incumbent.Name
	}
	if contender != nil {
		st.Contender = contender.Name
		st.Step = stepOf(contender)
	}

	rollingOut := contender != nil && !roles.IsComplete(contender)
	switch {
	case rollingOut && incumbent != nil:
		conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionRollingOut, metav1.ConditionTrue, "Transitioning",
			fmt.Sprintf("transitioning from %s to %s", incumbent.Name, contender.Name))
	case rollingOut:
		conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionRollingOut, metav1.ConditionTrue, "InitialRelease",
			fmt.Sprintf("rolling out the initial release %s", contender.Name))
	default:
		meta.RemoveStatusCondition(&st.Conditions, convoyv1alpha1.ConditionRollingOut)
	}

	blocked := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionBlocked)
	switch {
	case conditions.IsTrue(st.Conditions, convoyv1alpha1.ConditionStalled):
		st.Phase = convoyv1alpha1.PhaseFailed
	case blocked != nil && blocked.Status == metav1.ConditionTrue:
		st.Phase = convoyv1alpha1.PhaseBlocked
		conditions.MarkReconciling(&st.Conditions, gen, blocked.Reason, blocked.Message)
	case fetching != "":
		// The template changed and its Release waits for the source,
		// whatever the current contender does.
		st.Phase = convoyv1alpha1.PhasePending
		conditions.MarkReconciling(&st.Conditions, gen, string(render.ReasonSourcePending), fetching)
	case contender == nil:
		st.Phase = convoyv1alpha1.PhasePending
		conditions.MarkReconciling(&st.Conditions, gen, "Pending", "no release yet")
	case conditions.IsTrue(contender.Status.Conditions, convoyv1alpha1.ConditionAborted):
		st.Phase = convoyv1alpha1.PhaseAborted
		conditions.MarkReconciling(&st.Conditions, gen, "Aborted", fmt.Sprintf("release %s was aborted", contender.Name))
	case roles.IsComplete(contender):
		st.Phase = convoyv1alpha1.PhaseComplete
		conditions.MarkReady(&st.Conditions, gen, "ReleaseComplete", fmt.Sprintf("release %s is complete", contender.Name))
	case contender.Status.WaitingFor == convoyv1alpha1.WaitingForCommand:
		st.Phase = convoyv1alpha1.PhaseWaitingForCommand
		conditions.MarkReconciling(&st.Conditions, gen, "WaitingForCommand", fmt.Sprintf("release %s waits for a command to move on (convoy advance)", contender.Name))
	default:
		st.Phase = convoyv1alpha1.PhaseProgressing
		conditions.MarkReconciling(&st.Conditions, gen, "Progressing", fmt.Sprintf("rolling out release %s", contender.Name))
	}
}

// stepOf locates the release's achieved step in its strategy.
func stepOf(rel *convoyv1alpha1.Release) *convoyv1alpha1.StepStatus {
	achieved := rel.Status.AchievedStep
	if achieved == nil {
		return nil
	}
	count := int32(len(rel.Spec.Environment.Strategy.Steps))
	return &convoyv1alpha1.StepStatus{
		Index: achieved.Step, Name: achieved.Name, Count: count,
		Progress: fmt.Sprintf("%d/%d", achieved.Step+1, count),
	}
}
