// Package conditions writes kstatus-style conditions: Ready summarises the
// object; Reconciling and Stalled appear only while true and exclude each
// other, so `kubectl wait --for=condition=Ready` and kstatus-aware tools
// (Flux, Argo CD) read convoy's objects correctly.
package conditions

import (
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Set sets one condition, keeping its transition time when the status does
// not change.
func Set(conds *[]metav1.Condition, generation int64, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(conds, metav1.Condition{
		Type: typ, Status: status, ObservedGeneration: generation, Reason: reason, Message: message,
	})
}

// MarkReady: the object has converged.
func MarkReady(conds *[]metav1.Condition, generation int64, reason, message string) {
	Set(conds, generation, convoyv1alpha1.ConditionReady, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(conds, convoyv1alpha1.ConditionReconciling)
	meta.RemoveStatusCondition(conds, convoyv1alpha1.ConditionStalled)
}

// MarkReconciling: the object is making progress towards its spec.
func MarkReconciling(conds *[]metav1.Condition, generation int64, reason, message string) {
	Set(conds, generation, convoyv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	Set(conds, generation, convoyv1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(conds, convoyv1alpha1.ConditionStalled)
}

// MarkStalled: the object cannot make progress until something changes (a
// spec error, a missing dependency); retrying alone will not help.
func MarkStalled(conds *[]metav1.Condition, generation int64, reason, message string) {
	Set(conds, generation, convoyv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message)
	Set(conds, generation, convoyv1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(conds, convoyv1alpha1.ConditionReconciling)
}

// IsTrue reports whether the condition of type typ is True.
func IsTrue(conds []metav1.Condition, typ string) bool {
	return meta.IsStatusConditionTrue(conds, typ)
}

// ByCluster indexes the per-cluster conditions of a target's status by
// cluster name, so that a status rebuilt from scratch can start from them
// and keep their transition times: an unchanged cluster then leaves the
// status unchanged, and nothing is written.
func ByCluster[T any](clusters []T, conditionsOf func(*T) *convoyv1alpha1.ClusterConditions) map[string][]metav1.Condition {
	byName := make(map[string][]metav1.Condition, len(clusters))
	for i := range clusters {
		c := conditionsOf(&clusters[i])
		byName[c.Name] = c.Conditions
	}
	return byName
}

// SameOutcome reports whether two lists hold the same conditions with the
// same status, reason and observed generation: whether they differ in
// their messages and transition times only. A status whose conditions
// differ in no more is progress, which a controller may write late
// (statuspatch.Coalesce).
func SameOutcome(a, b []metav1.Condition) bool {
	if len(a) != len(b) {
		return false
	}
	for _, c := range a {
		d := meta.FindStatusCondition(b, c.Type)
		if d == nil || d.Status != c.Status || d.Reason != c.Reason || d.ObservedGeneration != c.ObservedGeneration {
			return false
		}
	}
	return true
}

// SameWords reports whether two messages differ in their numbers only:
// "1/3 pods available" and "2/3 pods available" do, "2/3 pods available;
// 1× Unschedulable" does not. Counts moving are progress; a new word is a
// new diagnosis ("Unschedulable", "CrashLoopBackOff") that a person
// waiting on the rollout must see at once.
func SameWords(a, b string) bool {
	for {
		i, j := digitRun(a), digitRun(b)
		if i < 0 || j < 0 {
			return i == j && a == b
		}
		if a[:i] != b[:j] {
			return false
		}
		a, b = strings.TrimLeft(a[i:], "0123456789"), strings.TrimLeft(b[j:], "0123456789")
	}
}

func digitRun(s string) int { return strings.IndexAny(s, "0123456789") }
