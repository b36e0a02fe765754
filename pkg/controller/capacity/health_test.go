package capacity

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/convoy-rollouts/convoy/pkg/health"
)

func deployment(gen, observed int64, available int32, conds ...appsv1.DeploymentCondition) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Generation: gen},
		Status:     appsv1.DeploymentStatus{ObservedGeneration: observed, AvailableReplicas: available, Conditions: conds},
	}
}

func pod(name string, ready bool, mutate func(*corev1.Pod)) corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.PodStatus{
		Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}}}
	if mutate != nil {
		mutate(&p)
	}
	return p
}

func waiting(reason string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}}
	}
}

func TestJudge(t *testing.T) {
	unschedulable := func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable"}}
	}
	tests := []struct {
		name     string
		dep      *appsv1.Deployment
		pods     []corev1.Pod
		desired  int32
		ready    bool
		reason   string
		contains []string
	}{
		{"available", deployment(2, 2, 3), nil, 3, true, health.ReasonAvailable, []string{"3/3 pods available"}},
		{"more available than desired while scaling down", deployment(2, 2, 4), nil, 3, true, health.ReasonAvailable, nil},
		{"stale status", deployment(3, 2, 3), nil, 3, false, health.ReasonInProgress, []string{"not observed its latest spec"}},
		{"sad pods grouped", deployment(2, 2, 1), []corev1.Pod{
			pod("web-a", true, nil), pod("web-b", false, waiting("ImagePullBackOff")), pod("web-c", false, waiting("ImagePullBackOff")),
			pod("web-d", false, waiting("CrashLoopBackOff")), pod("web-e", false, unschedulable), pod("web-f", false, nil),
		}, 6, false, health.ReasonPodsNotReady, []string{"1/6 pods available", "2× ImagePullBackOff (e.g. pod web-b)", "1× CrashLoopBackOff (e.g. pod web-d)"}},
		{"readiness failing", deployment(1, 1, 0), []corev1.Pod{pod("web-a", false, nil)}, 1, false, health.ReasonPodsNotReady, []string{"1× readiness failing (e.g. pod web-a)"}},
		{"unschedulable", deployment(1, 1, 0), []corev1.Pod{pod("web-a", false, unschedulable)}, 1, false, health.ReasonPodsNotReady, []string{"Unschedulable"}},
		{"replica failure", deployment(1, 1, 0, appsv1.DeploymentCondition{Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue, Message: "exceeded quota"}), nil, 2, false, health.ReasonDeploymentStuck, []string{"exceeded quota"}},
		{"progress deadline", deployment(1, 1, 0, appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded"}), []corev1.Pod{pod("web-a", false, waiting("CrashLoopBackOff"))}, 1, false, health.ReasonDeploymentStuck, []string{"progress deadline", "CrashLoopBackOff"}},
		{"zero desired is always ready", deployment(1, 1, 0), nil, 0, true, health.ReasonAvailable, []string{"0/0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := judge(tt.dep, tt.pods, tt.desired)
			if v.ready != tt.ready || v.reason != tt.reason {
				t.Errorf("got ready=%v reason=%s (%s), want ready=%v reason=%s", v.ready, v.reason, v.message, tt.ready, tt.reason)
			}
			for _, want := range tt.contains {
				if !strings.Contains(v.message, want) {
					t.Errorf("message %q lacks %q", v.message, want)
				}
			}
		})
	}
}
