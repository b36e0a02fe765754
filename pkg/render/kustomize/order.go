package kustomize

import (
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// installOrder is Helm's install order (helm.sh/helm/v3 pkg/releaseutil
// InstallOrder at v3.22.0), so that a kustomize source installs in the same
// order as a chart: the Helm renderer sorts with Helm's own sorter. The copy
// stays private; this package must not import Helm.
var installOrder = []string{
	"PriorityClass",
	"Namespace",
	"NetworkPolicy",
	"ResourceQuota",
	"LimitRange",
	"PodSecurityPolicy",
	"PodDisruptionBudget",
	"ServiceAccount",
	"Secret",
	"SecretList",
	"ConfigMap",
	"StorageClass",
	"PersistentVolume",
	"PersistentVolumeClaim",
	"CustomResourceDefinition",
	"ClusterRole",
	"ClusterRoleList",
	"ClusterRoleBinding",
	"ClusterRoleBindingList",
	"Role",
	"RoleList",
	"RoleBinding",
	"RoleBindingList",
	"Service",
	"DaemonSet",
	"Pod",
	"ReplicationController",
	"ReplicaSet",
	"Deployment",
	"HorizontalPodAutoscaler",
	"StatefulSet",
	"Job",
	"CronJob",
	"IngressClass",
	"Ingress",
	"APIService",
}

var installRank = func() map[string]int {
	m := make(map[string]int, len(installOrder))
	for i, k := range installOrder {
		m[k] = i
	}
	return m
}()

// sortInstallOrder sorts objs in place the way Helm does: known kinds in
// installOrder, then unknown kinds alphabetically by kind; objects of one
// kind keep their relative order.
func sortInstallOrder(objs []*unstructured.Unstructured) {
	slices.SortStableFunc(objs, func(a, b *unstructured.Unstructured) int {
		return compareKinds(a.GetKind(), b.GetKind())
	})
}

func compareKinds(a, b string) int {
	ra, aok := installRank[a]
	rb, bok := installRank[b]
	switch {
	case aok && bok:
		return ra - rb
	case aok:
		return -1
	case bok:
		return 1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
