package metricsapi

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// TestShares splits loads among the pods that serve: Running, Ready, not
// terminating, in the load's namespace and matched by its selector.
func TestShares(t *testing.T) {
	pod := func(ns, name, app string, phase corev1.PodPhase, ready corev1.ConditionStatus) corev1.Pod {
		return corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": app}},
			Status: corev1.PodStatus{Phase: phase, Conditions: []corev1.PodCondition{
				{Type: corev1.PodReady, Status: ready},
			}},
		}
	}
	terminating := pod("a", "web-4", "web", corev1.PodRunning, corev1.ConditionTrue)
	terminating.DeletionTimestamp = &metav1.Time{}
	pods := []corev1.Pod{
		pod("a", "web-2", "web", corev1.PodRunning, corev1.ConditionTrue),
		pod("a", "web-1", "web", corev1.PodRunning, corev1.ConditionTrue),
		pod("a", "web-3", "web", corev1.PodRunning, corev1.ConditionTrue),
		pod("a", "web-unready", "web", corev1.PodRunning, corev1.ConditionFalse),
		pod("a", "web-pending", "web", corev1.PodPending, corev1.ConditionFalse),
		terminating,
		pod("a", "db-1", "db", corev1.PodRunning, corev1.ConditionTrue),
		pod("b", "web-1", "web", corev1.PodRunning, corev1.ConditionTrue),
	}
	web := labels.SelectorFromSet(labels.Set{"app": "web"})
	loads := map[loadKey]load{
		{"a", web.String()}:                 {web, 100},
		{"a", labels.Everything().String()}: {labels.Everything(), 40},
	}
	got := shares(pods, loads)
	want := map[types.NamespacedName]int64{
		// 100m over 3 web pods, the remainder to the first by name; 40m
		// over the 4 serving pods of namespace a.
		{Namespace: "a", Name: "web-1"}: 34 + 10,
		{Namespace: "a", Name: "web-2"}: 33 + 10,
		{Namespace: "a", Name: "web-3"}: 33 + 10,
		{Namespace: "a", Name: "db-1"}:  10,
	}
	if len(got) != len(want) {
		t.Fatalf("shares = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("share of %s = %dm, want %dm (all: %v)", k, got[k], v, got)
		}
	}
}
