package release

import (
	"context"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/analysis"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/notify"
	"github.com/convoy-rollouts/convoy/pkg/rolloutmetrics"
)

// notify tells of the transitions a status write made, with events and
// metrics: a step achieved, an abort taking effect or lifted, a release
// stalling. It runs after the write succeeded, so a transition is told
// once however many reconciles computed it.
func (r *Reconciler) notify(ctx context.Context, before, after *convoyv1alpha1.Release) {
	app := after.Labels[convoyv1alpha1.LabelApplication]
	log := ctrl.LoggerFrom(ctx).WithValues("application", app)
	events := releaseEvents(before, after)
	for _, ev := range events {
		switch ev.Type {
		case notify.StepAchieved:
			a := after.Status.AchievedStep
			r.Recorder.Eventf(after, nil, corev1.EventTypeNormal, "StepAchieved", "ExecuteStrategy", "step %d (%s) achieved in every cluster", a.Step, a.Name)
			log.Info("step achieved", "step", a.Step, "stepName", a.Name)
			observeStep(before, after, a.Step)
		case notify.Aborted:
			r.Recorder.Eventf(after, nil, corev1.EventTypeWarning, "Aborted", "Abort", "aborted: %s", after.Spec.Aborted.Reason)
			rolloutmetrics.CountAbort(after.Namespace, app)
			log.Info("aborted", "step", after.Spec.TargetStep, "reason", after.Spec.Aborted.Reason)
		case notify.Stalled:
			rolloutmetrics.CountFailedStep(after.Namespace, app)
			stalled := meta.FindStatusCondition(after.Status.Conditions, convoyv1alpha1.ConditionStalled)
			log.Info("stalled", "step", after.Spec.TargetStep, "reason", stalled.Reason, "message", stalled.Message)
		}
	}
	notifyGate(r, log, app, before, after)
	r.notifyWaves(before, after)
	if conditions.IsTrue(before.Status.Conditions, convoyv1alpha1.ConditionAborted) && !conditions.IsTrue(after.Status.Conditions, convoyv1alpha1.ConditionAborted) {
		r.Recorder.Eventf(after, nil, corev1.EventTypeNormal, "Retried", "Abort", "abort lifted: the release moves to its target step %d again", after.Spec.TargetStep)
		log.Info("abort lifted", "step", after.Spec.TargetStep)
	}
	r.Notifications.Tell(events)
}

// observeStep records how long the newly achieved step took since the
// release started moving (its Ready condition turned False) and how long
// its traffic took once the contender's capacity was there.
func observeStep(before, after *convoyv1alpha1.Release, step int32) {
	app := after.Labels[convoyv1alpha1.LabelApplication]
	now := time.Now()
	if ready := meta.FindStatusCondition(before.Status.Conditions, convoyv1alpha1.ConditionReady); ready != nil && ready.Status == metav1.ConditionFalse {
		rolloutmetrics.ObserveStep(after.Namespace, app, now.Sub(ready.LastTransitionTime.Time))
	}
	if c := findStepCondition(after.Status.Strategy, convoyv1alpha1.ContenderAchievedCapacity); c != nil && c.Step == step && c.Status == metav1.ConditionTrue {
		rolloutmetrics.ObserveCapacityToTraffic(after.Namespace, app, now.Sub(c.LastTransitionTime.Time))
	}
}

// notifyGate tells of a step gate's new measurements and of its decision.
func notifyGate(r *Reconciler, log logr.Logger, app string, before, after *convoyv1alpha1.Release) {
	g := after.Status.Gate
	if g == nil {
		return
	}
	old := before.Status.Gate
	same := old != nil && old.Step == g.Step && old.ObservedGeneration == g.ObservedGeneration
	for _, c := range g.Checks {
		var measured int32
		if same {
			for _, o := range old.Checks {
				if o.Name == c.Name && o.Cluster == c.Cluster {
					measured = o.Measured
				}
			}
		}
		// The new ones are the last few kept, at most.
		for _, m := range c.Measurements[max(0, len(c.Measurements)-int(c.Measured-measured)):] {
			rolloutmetrics.CountMeasurement(after.Namespace, app, c.Name, m.Phase)
		}
	}
	if !decided(g) || same && old.Phase == g.Phase {
		return
	}
	rolloutmetrics.CountGate(after.Namespace, app, g.Phase)
	if g.Phase == string(analysis.PhaseSuccessful) {
		r.Recorder.Eventf(after, nil, corev1.EventTypeNormal, "AnalysisPassed", "Analysis", "step %d: %s", g.Step, g.Message)
	} else {
		r.Recorder.Eventf(after, nil, corev1.EventTypeWarning, g.Reason, "Analysis", "step %d: %s", g.Step, g.Message)
	}
	log.Info("step gate decided", "step", g.Step, "phase", g.Phase, "reason", g.Reason, "message", g.Message)
}
