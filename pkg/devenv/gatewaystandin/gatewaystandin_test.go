package gatewaystandin_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/convoy-rollouts/convoy/pkg/devenv/gatewaystandin"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

func object(kind, ns, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: kind})
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

// conditions are the stand-in's conditions of the route's one parent, as
// type → status/reason@observedGeneration.
func conditions(t *testing.T, c client.Client, ns string) map[string]string {
	t.Helper()
	route := object("HTTPRoute", ns, "web", nil)
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(route), route); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	parents, _, _ := unstructured.NestedSlice(route.Object, "status", "parents")
	for _, p := range parents {
		m := p.(map[string]any)
		if m["controllerName"] != gatewaystandin.ControllerName {
			continue
		}
		conds, _, _ := unstructured.NestedSlice(m, "conditions")
		for _, cond := range conds {
			cm := cond.(map[string]any)
			got[cm["type"].(string)] = fmt.Sprintf("%s/%s@%v", cm["status"], cm["reason"], cm["observedGeneration"])
		}
	}
	got["generation"] = fmt.Sprint(route.GetGeneration())
	return got
}

// The stand-in accepts a route for its generation once its Gateway exists,
// refuses it while not, and resolves its refs once the Services exist.
func TestStandInWritesRouteStatus(t *testing.T) {
	env := testenv.Get(t)
	cluster := env.Clusters[0].Name
	c := env.ClusterClient(t, cluster)
	env.GatewayAPI(t) // the CRDs, and the stand-in unless the environment runs it
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := fmt.Sprintf("t-standin-%d", time.Now().UnixNano()%1e6)
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}) })

	route := object("HTTPRoute", ns, "web", map[string]any{
		"parentRefs": []any{map[string]any{"name": "gw", "sectionName": "http"}},
		"rules":      []any{map[string]any{"backendRefs": []any{map[string]any{"name": "web", "port": int64(80)}}}},
	})
	if err := c.Create(ctx, route); err != nil {
		t.Fatal(err)
	}
	expect := func(accepted, resolved string) {
		t.Helper()
		testenv.Eventually(t, time.Minute, func() error {
			got := conditions(t, c, ns)
			gen := got["generation"]
			if got["Accepted"] != accepted+"@"+gen || got["ResolvedRefs"] != resolved+"@"+gen {
				return fmt.Errorf("conditions %v, want Accepted %s and ResolvedRefs %s at the route's generation", got, accepted, resolved)
			}
			return nil
		})
	}
	expect("False/NoMatchingParent", "False/BackendNotFound")

	gw := object("Gateway", ns, "gw", map[string]any{"gatewayClassName": "stand-in",
		"listeners": []any{map[string]any{"name": "http", "port": int64(80), "protocol": "HTTP"}}})
	if err := c.Create(ctx, gw); err != nil {
		t.Fatal(err)
	}
	expect("True/Accepted", "False/BackendNotFound")

	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	if err := c.Create(ctx, svc); err != nil {
		t.Fatal(err)
	}
	expect("True/Accepted", "True/ResolvedRefs")

	// A new generation is accepted anew; a listener the Gateway lacks is
	// refused.
	if err := c.Get(ctx, client.ObjectKeyFromObject(route), route); err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedSlice(route.Object, []any{map[string]any{"name": "gw", "sectionName": "https"}}, "spec", "parentRefs"); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, route); err != nil {
		t.Fatal(err)
	}
	expect("False/NoMatchingParent", "True/ResolvedRefs")
}
