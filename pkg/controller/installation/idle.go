package installation

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// LabelIdleNode is a node label convoy never sets: an idle DaemonSet's pods
// must run where it is "true", so they run nowhere, and the DaemonSet
// keeps its spec to come back from.
const LabelIdleNode = "convoy.dev/idle"

// loadBalancerFields are Service fields that only a Service of type
// LoadBalancer (or NodePort) may set: an idle Service, switched to
// ClusterIP, leaves them out.
var loadBalancerFields = []string{
	"externalTrafficPolicy", "healthCheckNodePort", "loadBalancerIP", "loadBalancerSourceRanges",
	"loadBalancerClass", "allocateLoadBalancerNodePorts",
}

// idled makes a retired release's objects run nothing and hold no address,
// keeping everything it needs to come back: CronJobs and Jobs suspended,
// StatefulSets at 0 replicas, DaemonSets selecting no node, and Services
// of type LoadBalancer made ClusterIP, which releases the load balancer.
// Deployments are the capacity controller's to scale. Turning idle off
// applies the rendered objects again, and server-side apply drops what
// idling set.
func idled(objs []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, obj := range objs {
		obj = obj.DeepCopy()
		var err error
		switch gk := obj.GroupVersionKind().GroupKind(); gk.Group + "/" + gk.Kind {
		case "batch/CronJob", "batch/Job":
			err = unstructured.SetNestedField(obj.Object, true, "spec", "suspend")
		case "apps/StatefulSet":
			err = unstructured.SetNestedField(obj.Object, int64(0), "spec", "replicas")
		case "apps/DaemonSet":
			err = unstructured.SetNestedField(obj.Object, "true", "spec", "template", "spec", "nodeSelector", LabelIdleNode)
		case "/Service":
			err = releaseLoadBalancer(obj)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, obj)
	}
	return out, nil
}

// releaseLoadBalancer makes a Service of type LoadBalancer a ClusterIP
// one; the API server drops the node ports it allocated for it.
func releaseLoadBalancer(svc *unstructured.Unstructured) error {
	if typ, _, _ := unstructured.NestedString(svc.Object, "spec", "type"); typ != "LoadBalancer" {
		return nil
	}
	for _, field := range loadBalancerFields {
		unstructured.RemoveNestedField(svc.Object, "spec", field)
	}
	ports, _, err := unstructured.NestedSlice(svc.Object, "spec", "ports")
	if err != nil {
		return err
	}
	for _, p := range ports {
		if port, ok := p.(map[string]any); ok {
			delete(port, "nodePort")
		}
	}
	if ports != nil {
		if err := unstructured.SetNestedSlice(svc.Object, ports, "spec", "ports"); err != nil {
			return err
		}
	}
	return unstructured.SetNestedField(svc.Object, "ClusterIP", "spec", "type")
}
