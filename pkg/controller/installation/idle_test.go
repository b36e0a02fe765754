package installation

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestIdledRunsNothingAndHoldsNoAddress(t *testing.T) {
	objs := []*unstructured.Unstructured{
		object(t, "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '* * * * *'}\n"),
		object(t, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {suspend: false}\n"),
		object(t, "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec: {replicas: 3}\n"),
		object(t, "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec: {template: {spec: {nodeSelector: {disk: ssd}}}}\n"),
		object(t, "apiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec: {type: LoadBalancer, externalTrafficPolicy: Local, loadBalancerSourceRanges: [10.0.0.0/8], ports: [{port: 80, nodePort: 30080}]}\n"),
		object(t, "apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec: {type: NodePort, ports: [{port: 80, nodePort: 30081}]}\n"),
		object(t, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n"),
	}
	before := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		before[i] = o.DeepCopy()
	}
	got, err := idled(objs)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range objs {
		if !inSync(o, before[i]) || !inSync(before[i], o) {
			t.Errorf("idled changed its input %s", o.GetName())
		}
	}
	field := func(i int, path ...string) any {
		v, _, _ := unstructured.NestedFieldNoCopy(got[i].Object, path...)
		return v
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"CronJob suspend", field(0, "spec", "suspend"), true},
		{"Job suspend", field(1, "spec", "suspend"), true},
		{"StatefulSet replicas", field(2, "spec", "replicas"), int64(0)},
		{"DaemonSet idle node selector", field(3, "spec", "template", "spec", "nodeSelector", LabelIdleNode), "true"},
		{"DaemonSet own node selector", field(3, "spec", "template", "spec", "nodeSelector", "disk"), "ssd"},
		{"LoadBalancer Service type", field(4, "spec", "type"), "ClusterIP"},
		{"LoadBalancer Service externalTrafficPolicy", field(4, "spec", "externalTrafficPolicy"), nil},
		{"LoadBalancer Service loadBalancerSourceRanges", field(4, "spec", "loadBalancerSourceRanges"), nil},
		{"LoadBalancer Service nodePort", field(4, "spec", "ports").([]any)[0].(map[string]any)["nodePort"], nil},
		{"NodePort Service type", field(5, "spec", "type"), "NodePort"},
		{"Deployment replicas (the capacity controller's)", field(6, "spec", "replicas"), float64(2)}, // as YAML decodes it,
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}
