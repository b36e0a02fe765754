package workload

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func objects(t *testing.T, docs ...string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, doc := range docs {
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON([]byte(doc)); err != nil {
			t.Fatal(err)
		}
		out = append(out, obj)
	}
	return out
}

const deployment = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web-r1"},"spec":{"replicas":3}}`

func hpa(name, version, target, bounds string) string {
	return `{"apiVersion":"autoscaling/` + version + `","kind":"HorizontalPodAutoscaler","metadata":{"name":"` + name + `"},
	"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"` + target + `"}` + bounds + `}}`
}

func TestAutoscalerOf(t *testing.T) {
	for _, c := range []struct {
		name    string
		objs    []string
		want    *Autoscaler
		wantErr string
	}{
		{name: "none", objs: []string{deployment}},
		{name: "v2", objs: []string{deployment, hpa("web-r1", "v2", "web-r1", `,"minReplicas":2,"maxReplicas":10`)}, want: &Autoscaler{"web-r1", 2, 10}},
		{name: "v1, default minimum", objs: []string{deployment, hpa("web", "v1", "web-r1", `,"maxReplicas":4`)}, want: &Autoscaler{"web", 1, 4}},
		{name: "another Deployment's", objs: []string{deployment, hpa("other", "v2", "other", `,"maxReplicas":4`)}},
		{name: "two fight", objs: []string{deployment, hpa("b", "v2", "web-r1", `,"maxReplicas":4`), hpa("a", "v2", "web-r1", `,"maxReplicas":5`)},
			wantErr: "2 HorizontalPodAutoscalers (a, b) scale Deployment web-r1"},
		{name: "bounds out of order", objs: []string{deployment, hpa("web", "v2", "web-r1", `,"minReplicas":5,"maxReplicas":4`)},
			wantErr: "HorizontalPodAutoscaler web: spec.minReplicas 5 and spec.maxReplicas 4"},
		{name: "scale to zero", objs: []string{deployment, hpa("web", "v2", "web-r1", `,"minReplicas":0,"maxReplicas":4`)},
			wantErr: "1 ≤ minReplicas"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := AutoscalerOf(objects(t, c.objs...), "web-r1")
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestCapacityFields(t *testing.T) {
	objs := objects(t, deployment, hpa("web", "v2", "web-r1", `,"maxReplicas":4`),
		`{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"ss"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"StatefulSet","name":"db"}}}`,
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"}}`)
	var got []string
	for _, obj := range objs {
		for _, f := range CapacityFields(obj) {
			got = append(got, obj.GetName()+":"+strings.Join(f, "."))
		}
	}
	want := []string{"web-r1:spec.replicas", "web:spec.minReplicas", "web:spec.maxReplicas"}
	if !slices.Equal(got, want) {
		t.Fatalf("capacity fields %v, want %v", got, want)
	}
}
