package capacity

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/convoy-rollouts/convoy/pkg/health"
)

// verdict is the health of one release's Deployment in one cluster.
type verdict struct {
	ready   bool
	reason  string
	message string
}

// judge tells whether a Deployment runs the desired replicas, healthy: it
// observed its latest spec, has at least desired available replicas, no
// ReplicaFailure and has not passed its progress deadline. Otherwise it
// says why, with the unhealthy pods' reasons.
func judge(dep *appsv1.Deployment, pods []corev1.Pod, desired int32) verdict {
	name := dep.Name
	if dep.Generation > dep.Status.ObservedGeneration {
		return verdict{reason: health.ReasonInProgress, message: fmt.Sprintf("Deployment %s has not observed its latest spec yet", name)}
	}
	for _, c := range dep.Status.Conditions {
		switch {
		case c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue:
			return verdict{reason: health.ReasonDeploymentStuck, message: fmt.Sprintf("Deployment %s cannot create pods: %s", name, c.Message)}
		case c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded":
			return verdict{reason: health.ReasonDeploymentStuck, message: fmt.Sprintf("Deployment %s exceeded its progress deadline: %s", name, sadPods(pods))}
		}
	}
	available := dep.Status.AvailableReplicas
	if available >= desired {
		return verdict{ready: true, reason: health.ReasonAvailable, message: fmt.Sprintf("%d/%d pods available", available, desired)}
	}
	return verdict{reason: health.ReasonPodsNotReady, message: fmt.Sprintf("%d/%d pods available; %s", available, desired, sadPods(pods))}
}

// sadPods summarises why pods are not ready, most common reason first,
// each with one example pod, as Shipper's "sad pods" did.
func sadPods(pods []corev1.Pod) string {
	type group struct {
		reason  string
		count   int
		example string
	}
	groups := map[string]*group{}
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp != nil || isReady(p) {
			continue
		}
		reason := whyNotReady(p)
		g := groups[reason]
		if g == nil {
			g = &group{reason: reason, example: p.Name}
			groups[reason] = g
		}
		// The first name in order, not in the cache's order, so that the
		// message changes only when the pods do (conditions.SameWords).
		g.example = min(g.example, p.Name)
		g.count++
	}
	if len(groups) == 0 {
		return "no unready pods yet (pods are being created)"
	}
	list := make([]*group, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	slices.SortFunc(list, func(a, b *group) int { return cmp.Or(b.count-a.count, strings.Compare(a.reason, b.reason)) })
	parts := make([]string, 0, 3)
	for _, g := range list[:min(3, len(list))] {
		parts = append(parts, fmt.Sprintf("%d× %s (e.g. pod %s)", g.count, g.reason, g.example))
	}
	return "not ready: " + strings.Join(parts, ", ")
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// whyNotReady names the most telling reason a pod is not ready.
func whyNotReady(p *corev1.Pod) string {
	for _, statuses := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range statuses {
			if w := cs.State.Waiting; w != nil && w.Reason != "" && w.Reason != "ContainerCreating" && w.Reason != "PodInitializing" {
				return w.Reason
			}
			if t := cs.State.Terminated; t != nil && t.ExitCode != 0 {
				return fmt.Sprintf("container %s exited %d", cs.Name, t.ExitCode)
			}
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return "Unschedulable"
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionFalse {
			return "readiness failing"
		}
	}
	if p.Status.Phase == "" || p.Status.Phase == corev1.PodPending {
		return "Pending"
	}
	return string(p.Status.Phase)
}
