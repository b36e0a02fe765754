package traffic

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/tenancy"
)

// route is an HTTPRoute of generation gen in namespace shop whose status
// has the given parents' entries.
func route(gen int64, parents ...map[string]any) *unstructured.Unstructured {
	u := desiredRoute("shop", "web", tenancy.Owner{Namespace: "shop", Application: "web"},
		&convoyv1alpha1.GatewayTraffic{HTTPRoute: "web", Port: 8080, ParentRefs: []convoyv1alpha1.GatewayParentRef{{Name: "gw"}}},
		[]backendRef{{Service: "web-1", Weight: 100}})
	u.SetGeneration(gen)
	var statuses []any
	for _, p := range parents {
		statuses = append(statuses, p)
	}
	u.Object["status"] = map[string]any{"parents": statuses}
	return u
}

func parentStatus(ref map[string]any, status string, observed int64) map[string]any {
	return map[string]any{
		"parentRef":      ref,
		"controllerName": "example.com/gateway",
		"conditions": []any{map[string]any{
			"type": "Accepted", "status": status, "reason": "Because", "message": "so", "observedGeneration": observed,
		}},
	}
}

func TestRouteServed(t *testing.T) {
	gw := []convoyv1alpha1.GatewayParentRef{{Name: "gw"}}
	for _, tc := range []struct {
		name    string
		route   *unstructured.Unstructured
		parents []convoyv1alpha1.GatewayParentRef
		served  bool
		message string
	}{
		{"accepted for its generation", route(3, parentStatus(map[string]any{"name": "gw"}, "True", 3)), gw, true, ""},
		{"the namespace defaults to the route's", route(3, parentStatus(map[string]any{"name": "gw", "namespace": "shop"}, "True", 3)), gw, true, ""},
		{"no status yet", route(3), gw, false, "cluster a: Gateway shop/gw has not accepted HTTPRoute shop/web yet"},
		{"accepted for an older generation", route(4, parentStatus(map[string]any{"name": "gw"}, "True", 3)), gw, false, "has accepted generation 3 of HTTPRoute shop/web, not generation 4 yet"},
		{"refused", route(3, parentStatus(map[string]any{"name": "gw"}, "False", 3)), gw, false, "does not accept generation 3 of HTTPRoute shop/web: Because: so"},
		{"another Gateway's acceptance does not count", route(3, parentStatus(map[string]any{"name": "other"}, "True", 3)), gw, false, "Gateway shop/gw has not accepted"},
		{"a Service parent of the same name does not count",
			route(3, parentStatus(map[string]any{"name": "gw", "group": "", "kind": "Service"}, "True", 3)), gw, false, "has not accepted"},
		{"every parent must accept",
			route(3, parentStatus(map[string]any{"name": "gw"}, "True", 3)),
			[]convoyv1alpha1.GatewayParentRef{{Name: "gw"}, {Name: "edge", Namespace: "infra", SectionName: "https"}}, false, "Gateway infra/edge/https has not accepted"},
		{"a listener is its own parent",
			route(3, parentStatus(map[string]any{"name": "edge", "namespace": "infra", "sectionName": "https"}, "True", 3),
				parentStatus(map[string]any{"name": "gw"}, "True", 3)),
			[]convoyv1alpha1.GatewayParentRef{{Name: "gw"}, {Name: "edge", Namespace: "infra", SectionName: "https"}}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			served, v := routeServed(tc.route, tc.parents, "a")
			if served != tc.served || served != v.ok() {
				t.Fatalf("served %v %+v, want %v", served, v, tc.served)
			}
			if !served && (v.reason != ReasonRouteNotAccepted || !strings.Contains(v.message, tc.message)) {
				t.Errorf("verdict %+v, want %s with %q", v, ReasonRouteNotAccepted, tc.message)
			}
		})
	}
}

// The route's backendRefs in a cluster are the releases with weight and a
// backend there; a later-wave cluster where the contender has no weight
// stays all incumbent.
func TestRouteBackends(t *testing.T) {
	newTarget := func(name string) *target {
		return &target{rel: &convoyv1alpha1.Release{ObjectMeta: metav1.ObjectMeta{Name: name}}}
	}
	rg := &routeGroup{targets: []*target{newTarget("web-2"), newTarget("web-1")}}
	rt := &routing{
		desired:  map[string]int32{"a/web-2": 34, "a/web-1": 300, "b/web-2": 0, "b/web-1": 350, "c/web-2": 33, "c/web-1": 0},
		backends: map[string]string{"a/web-2": "web-web-2", "a/web-1": "web-web-1", "b/web-2": "web-web-2", "b/web-1": "web-web-1", "c/web-1": "web-web-1"},
	}
	for cluster, want := range map[string][]backendRef{
		"a": {{"web-web-1", 300}, {"web-web-2", 34}},
		"b": {{"web-web-1", 350}},
		"c": nil, // web-2 has weight but no backend; web-1 no weight
	} {
		got := routeBackends(rg, rt, cluster)
		if len(got) != len(want) {
			t.Fatalf("cluster %s: got %v, want %v", cluster, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("cluster %s: got %v, want %v", cluster, got, want)
			}
		}
	}
}

// A live route with the API server's defaults is the same as the one
// convoy applies; another weight, parent or label is not.
func TestSameRoute(t *testing.T) {
	gw := &convoyv1alpha1.GatewayTraffic{HTTPRoute: "web", Port: 8080, ParentRefs: []convoyv1alpha1.GatewayParentRef{{Name: "gw"}}}
	owner := tenancy.Owner{Namespace: "shop", Application: "web"}
	want := desiredRoute("shop", "web", owner, gw, []backendRef{{"web-web-1", 900}, {"web-web-2", 100}})
	if _, ok := want.GetLabels()[convoyv1alpha1.LabelRelease]; ok {
		t.Errorf("the route is the application's, labelled with no release: %v", want.GetLabels())
	}
	if err := owner.Conflict(want, true); err != nil {
		t.Errorf("convoy's own route conflicts with its owner: %v", err)
	}
	live := want.DeepCopy()
	spec := live.Object["spec"].(map[string]any)
	spec["parentRefs"].([]any)[0].(map[string]any)["group"] = "gateway.networking.k8s.io"
	spec["parentRefs"].([]any)[0].(map[string]any)["kind"] = "Gateway"
	rule := spec["rules"].([]any)[0].(map[string]any)
	rule["matches"] = []any{map[string]any{"path": map[string]any{"type": "PathPrefix", "value": "/"}}}
	rule["backendRefs"].([]any)[0].(map[string]any)["kind"] = "Service"
	if !sameRoute(live, want) {
		t.Fatal("defaults made the route differ")
	}
	other := desiredRoute("shop", "web", owner, gw, []backendRef{{"web-web-1", 500}, {"web-web-2", 500}})
	if sameRoute(live, other) {
		t.Error("other weights are the same route")
	}
	unlabelled := live.DeepCopy()
	unlabelled.SetLabels(nil)
	if sameRoute(unlabelled, want) {
		t.Error("a route without convoy's labels is the same route")
	}
	if err := owner.Conflict(unlabelled, true); err == nil {
		t.Error("a route not made by convoy is taken over")
	}
	theirs := live.DeepCopy()
	tenancy.Owner{Namespace: "shop", Application: "api"}.Stamp(theirs)
	if err := owner.Conflict(theirs, true); err == nil || !strings.Contains(err.Error(), "belongs to application shop/api") {
		t.Errorf("another application's route: %v", err)
	}
}

// A release's status in a cluster says whether its weight is in the route
// and served.
func TestRouteVerdict(t *testing.T) {
	rt := &routing{
		desired:  map[string]int32{"a/web-2": 100, "a/web-1": 900, "b/web-2": 100},
		backends: map[string]string{"a/web-2": "web-web-2", "a/web-1": "web-web-1", "b/web-2": "web-web-2"},
		verdicts: map[string]verdict{"b/web-2": {reason: ReasonUnhealthy, message: "sick"}},
		clusters: map[string]routeState{
			"a": {weights: map[string]int32{"web-web-1": 900, "web-web-2": 100}, generation: 2, served: true},
			"b": {weights: map[string]int32{"web-web-1": 1000}, generation: 5, problem: verdict{reason: ReasonRouteNotAccepted, message: "not yet"}},
			"c": {problem: verdict{reason: ReasonRouteConflict, message: "theirs", stalled: true}},
		},
	}
	for _, tc := range []struct {
		cluster, release string
		reason           string
		weight           int32
	}{
		{"a", "web-2", "", 100},
		{"a", "web-1", "", 900},
		{"b", "web-2", ReasonUnhealthy, 0},
		{"c", "web-2", ReasonRouteConflict, 0},
	} {
		st, v := rt.routeVerdict(tc.cluster, tc.release)
		if v.reason != tc.reason || st.Weight != tc.weight {
			t.Errorf("%s/%s: got %+v %+v, want %q weight %d", tc.cluster, tc.release, st, v, tc.reason, tc.weight)
		}
	}
	rt.clusters["a"] = routeState{weights: map[string]int32{"web-web-1": 1000}, generation: 3, served: true}
	if _, v := rt.routeVerdict("a", "web-2"); v.reason != ReasonPublishing {
		t.Errorf("a weight not written yet: %+v", v)
	}
}
