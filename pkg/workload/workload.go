// Package workload is the one home of what convoy scales among a release's
// objects: its one Deployment, and the HorizontalPodAutoscaler that sizes
// it when the source ships one. The release controller reads the full size
// from the render, the installer leaves the fields convoy's capacity
// controller owns out of what it applies, and the capacity controller
// finds the live autoscaler: all by these rules.
package workload

import (
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// IsDeployment tells whether obj is an apps Deployment.
func IsDeployment(obj *unstructured.Unstructured) bool {
	return obj.GetKind() == "Deployment" && obj.GroupVersionKind().Group == appsv1.GroupName
}

// IsAutoscaler tells whether obj is a HorizontalPodAutoscaler (autoscaling
// v1 or v2: both keep the bounds and the target at the same fields).
func IsAutoscaler(obj *unstructured.Unstructured) bool {
	return obj.GetKind() == "HorizontalPodAutoscaler" && obj.GroupVersionKind().Group == autoscalingv2.GroupName
}

// ScalesDeployment tells whether the autoscaler obj targets the Deployment
// named deployment, or any Deployment when deployment is empty.
func ScalesDeployment(obj *unstructured.Unstructured, deployment string) bool {
	ref, _, _ := unstructured.NestedStringMap(obj.Object, "spec", "scaleTargetRef")
	return IsAutoscaler(obj) && ref["kind"] == "Deployment" && (deployment == "" || ref["name"] == deployment) &&
		strings.HasPrefix(ref["apiVersion"], appsv1.GroupName+"/")
}

// Fields of an autoscaler that the capacity controller sets.
var (
	MinReplicasField = []string{"spec", "minReplicas"}
	MaxReplicasField = []string{"spec", "maxReplicas"}
	replicasField    = []string{"spec", "replicas"}
)

// CapacityFields are the fields of obj that convoy's capacity controller
// alone owns: a Deployment's replicas, and the bounds of an autoscaler of
// a Deployment. The installer creates the object with them (a Deployment
// at 0, which keeps its autoscaler switched off) and never applies them
// again, so installer, capacity controller and autoscaler never fight.
func CapacityFields(obj *unstructured.Unstructured) [][]string {
	switch {
	case IsDeployment(obj):
		return [][]string{replicasField}
	case ScalesDeployment(obj, ""):
		return [][]string{MinReplicasField, MaxReplicasField}
	}
	return nil
}

// Autoscaler is a rendered HorizontalPodAutoscaler of a release's
// Deployment.
type Autoscaler struct {
	Name                     string
	MinReplicas, MaxReplicas int32
}

// AutoscalerOf finds the autoscaler among objs that scales the Deployment
// named deployment: nil when there is none, an error naming them when
// there are several (they would fight each other) or its bounds are
// unusable.
func AutoscalerOf(objs []*unstructured.Unstructured, deployment string) (*Autoscaler, error) {
	var found []*unstructured.Unstructured
	for _, obj := range objs {
		if ScalesDeployment(obj, deployment) {
			found = append(found, obj)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
	default:
		names := make([]string, 0, len(found))
		for _, obj := range found {
			names = append(names, obj.GetName())
		}
		slices.Sort(names)
		return nil, fmt.Errorf("%d HorizontalPodAutoscalers (%s) scale Deployment %s: convoy sizes a release by exactly one", len(found), strings.Join(names, ", "), deployment)
	}
	obj := found[0]
	lo, found1, err1 := unstructured.NestedInt64(obj.Object, MinReplicasField...)
	hi, _, err2 := unstructured.NestedInt64(obj.Object, MaxReplicasField...)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("HorizontalPodAutoscaler %s: spec.minReplicas and spec.maxReplicas must be integers", obj.GetName())
	}
	if !found1 {
		lo = 1 // the API's default
	}
	if lo < 1 || hi < lo {
		return nil, fmt.Errorf("HorizontalPodAutoscaler %s: spec.minReplicas %d and spec.maxReplicas %d: convoy needs 1 ≤ minReplicas ≤ maxReplicas", obj.GetName(), lo, hi)
	}
	return &Autoscaler{Name: obj.GetName(), MinReplicas: int32(lo), MaxReplicas: int32(hi)}, nil
}
