package release

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// waiting is a release of generation 1 waiting at step 0 for capacity, its
// conditions saying message.
func waiting(message string) *convoyv1alpha1.Release {
	rel := &convoyv1alpha1.Release{ObjectMeta: metav1.ObjectMeta{Generation: 1}}
	rel.Status.ObservedGeneration = 1
	rel.Status.WaitingFor = convoyv1alpha1.WaitingForCapacity
	rel.Status.Conditions = []metav1.Condition{
		{Type: convoyv1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: "StepInProgress", ObservedGeneration: 1, Message: message},
		{Type: convoyv1alpha1.ConditionReconciling, Status: metav1.ConditionTrue, Reason: "StepInProgress", ObservedGeneration: 1, Message: message},
	}
	rel.Status.Strategy = []convoyv1alpha1.StepCondition{{Type: "ContenderAchievedCapacity", Status: metav1.ConditionFalse, Step: 0, Reason: "InProgress", Message: message}}
	return rel
}

func TestProgressOnly(t *testing.T) {
	was := waiting("capacity achieved in 1/3 clusters")
	for _, tc := range []struct {
		name     string
		change   func(*convoyv1alpha1.Release)
		progress bool
	}{
		{"other numbers in the messages", func(*convoyv1alpha1.Release) {}, true},
		{"a new diagnosis in a step's message", func(r *convoyv1alpha1.Release) {
			r.Status.Strategy[0].Message = "capacity achieved in 2/3 clusters; eu-west-1: not ready: 1× Unschedulable"
		}, false},
		{"waiting for traffic", func(r *convoyv1alpha1.Release) { r.Status.WaitingFor = convoyv1alpha1.WaitingForTraffic }, false},
		{"a step achieved", func(r *convoyv1alpha1.Release) { r.Status.AchievedStep = &convoyv1alpha1.AchievedStep{Step: 0} }, false},
		{"a step condition's status", func(r *convoyv1alpha1.Release) { r.Status.Strategy[0].Status = metav1.ConditionTrue }, false},
		{"a condition's reason", func(r *convoyv1alpha1.Release) { r.Status.Conditions[0].Reason = "Blocked" }, false},
		{"a condition more", func(r *convoyv1alpha1.Release) {
			r.Status.Conditions = append(r.Status.Conditions, metav1.Condition{Type: convoyv1alpha1.ConditionAborted, Status: metav1.ConditionTrue})
		}, false},
		{"a new generation", func(r *convoyv1alpha1.Release) { r.Generation = 2 }, false},
	} {
		now := waiting("capacity achieved in 2/3 clusters")
		tc.change(now)
		if got := progressOnly(was, now); got != tc.progress {
			t.Errorf("%s: progressOnly = %v, want %v", tc.name, got, tc.progress)
		}
	}
}
