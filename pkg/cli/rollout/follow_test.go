package rollout

import (
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Each watch event moves the follower's snapshot, and the verdict on it is
// judge's: a release deleted is gone (superseded), an application deleted
// is not found, an event after a failed read replaces the failure, and an
// error event ends the watch.
func TestFollowerAppliesEvents(t *testing.T) {
	g := goal{step: 1, name: "1 (2/3 canary)"}
	app := &convoyv1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", Generation: 1}}
	app.Status.ObservedGeneration, app.Status.Contender = 1, "web-2"
	rel := &convoyv1alpha1.Release{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web-2", Generation: 1}}
	rel.Spec.Environment.Strategy.Steps = []convoyv1alpha1.StrategyStep{{Name: "dark"}, {Name: "canary"}, {Name: "full"}}
	rel.Spec.TargetStep = 1
	rel.Status.ObservedGeneration = 1
	rel.Status.WaitingFor = convoyv1alpha1.WaitingForCapacity
	achieved := rel.DeepCopy()
	achieved.Status.AchievedStep = &convoyv1alpha1.AchievedStep{Step: 1, Name: "canary"}
	achieved.Status.WaitingFor = convoyv1alpha1.WaitingForCommand

	f := &follower{namespace: "ns", name: "web", release: "web-2"}
	f.cur.err = errors.New("reading application ns/web: connection refused")
	steps := []struct {
		event   watch.Event
		verdict outcome
		msg     string
	}{
		{watch.Event{Type: watch.Added, Object: rel}, progressing, "reading application ns/web: connection refused"},
		{watch.Event{Type: watch.Added, Object: app}, progressing, "release web-2: waiting for Capacity"},
		{watch.Event{Type: watch.Modified, Object: achieved}, reached, "release web-2 achieved step 1 (2/3 canary) in every cluster"},
		{watch.Event{Type: watch.Deleted, Object: achieved}, superseded, "the release is gone"},
		{watch.Event{Type: watch.Deleted, Object: app}, progressing, "application web not found in namespace ns"},
	}
	for i, s := range steps {
		if !f.apply(s.event) {
			t.Fatalf("event %d (%s) ended the watch", i, s.event.Type)
		}
		if verdict, msg := f.cur.judge(g); verdict != s.verdict || msg != s.msg {
			t.Errorf("after event %d (%s %T): %d %q, want %d %q", i, s.event.Type, s.event.Object, verdict, msg, s.verdict, s.msg)
		}
	}
	if f.apply(watch.Event{Type: watch.Error, Object: &metav1.Status{Reason: metav1.StatusReasonExpired}}) {
		t.Error("an error event did not end the watch")
	}
}
