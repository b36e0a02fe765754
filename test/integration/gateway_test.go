package integration

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusterjoin"
	"github.com/convoy-rollouts/convoy/pkg/controller/traffic"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

var gatewayKind = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "Gateway"}

// beginGateway is begin for a test of traffic.gateway: the Gateway API
// in every application cluster (testenv.GatewayAPI), this tree's CRDs,
// and the namespace's tenant allowed to write HTTPRoutes.
func beginGateway(t *testing.T) (*testenv.Env, client.Client, string) {
	t.Helper()
	env, _, mgmt, ns := begin(t)
	env.GatewayAPI(t)
	for _, crd := range []string{"applications.convoy.dev", "releases.convoy.dev", "traffictargets.convoy.dev"} {
		env.EnsureCRD(t, crd)
	}
	// clusterjoin.Grant gives the tenant HTTPRoutes; tests of other trees
	// sharing the environment may apply an older tenant ClusterRole
	// meanwhile, so the namespace gets the same right of its own too.
	for _, cl := range env.Clusters {
		c := env.ClusterClient(t, cl.Name)
		role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "httproutes"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{"gateway.networking.k8s.io"}, Resources: []string{"httproutes"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch"},
		}}}
		binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "httproutes"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "httproutes"},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: ns, Name: clusterjoin.TenantRole}}}
		for _, obj := range []client.Object{role, binding} {
			if err := c.Create(ctxFor(t), obj); err != nil {
				t.Fatalf("cluster %s: %v", cl.Name, err)
			}
		}
	}
	// On failure, what the traffic targets said.
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		list := &convoyv1alpha1.TrafficTargetList{}
		if err := mgmt.List(ctxFor(t), list, client.InNamespace(ns)); err != nil {
			return
		}
		for _, tt := range list.Items {
			t.Logf("TrafficTarget %s (generation %d): %+v", tt.Name, tt.Generation, tt.Status.Conditions)
			for _, st := range tt.Status.Clusters {
				t.Logf("  cluster %s: desired %d, route %+v, %+v", st.Name, st.DesiredWeight, st.Route, st.Conditions)
			}
		}
	})
	return env, mgmt, ns
}

// gatewayApplication is the hello chart (ClusterIP Services: the Gateway
// reaches the pods) in all three clusters, split by the HTTPRoute web
// attached to the Gateway gw of its namespace.
func gatewayApplication(ns, name, repoURL string) *convoyv1alpha1.Application {
	app := helloApplication(ns, name, repoURL, "", map[string]any{"replicas": 2, "service": map[string]any{"type": "ClusterIP", "port": 80}})
	app.Spec.Template.ClusterRequirements.Regions = []convoyv1alpha1.RegionRequirement{{Name: "eu-west", Clusters: one(2)}, {Name: "us-east"}}
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{Steps: canarySteps()}
	app.Spec.Template.Traffic = &convoyv1alpha1.TrafficSpec{Gateway: &convoyv1alpha1.GatewayTraffic{
		HTTPRoute: "web", ParentRefs: []convoyv1alpha1.GatewayParentRef{{Name: "gw"}}, Port: 80,
	}}
	return app
}

// setGateway creates (or deletes) the Gateway gw in the namespace of a
// cluster: the stand-in accepts routes attached to Gateways that exist.
func setGateway(t testing.TB, env *testenv.Env, cluster, ns string, exists bool) {
	t.Helper()
	gw := &unstructured.Unstructured{}
	gw.SetGroupVersionKind(gatewayKind)
	gw.SetNamespace(ns)
	gw.SetName("gw")
	c := env.ClusterClient(t, cluster)
	if !exists {
		if err := c.Delete(ctxFor(t), gw); client.IgnoreNotFound(err) != nil {
			t.Fatal(err)
		}
		return
	}
	gw.Object["spec"] = map[string]any{
		"gatewayClassName": "stand-in",
		"listeners":        []any{map[string]any{"name": "http", "port": int64(80), "protocol": "HTTP"}},
	}
	if err := c.Create(ctxFor(t), gw); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// routeIn reads the HTTPRoute in a cluster; nil when there is none.
func routeIn(t testing.TB, env *testenv.Env, cluster, ns, name string) *unstructured.Unstructured {
	t.Helper()
	route := &unstructured.Unstructured{}
	route.SetGroupVersionKind(traffic.HTTPRouteKind)
	if err := env.ClusterClient(t, cluster).Get(ctxFor(t), client.ObjectKey{Namespace: ns, Name: name}, route); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		t.Fatal(err)
	}
	return route
}

// backendWeights are the route's backendRefs as Service → weight.
func backendWeights(route *unstructured.Unstructured) map[string]int64 {
	weights := map[string]int64{}
	rules, _, _ := unstructured.NestedSlice(route.Object, "spec", "rules")
	for _, rule := range rules {
		refs, _, _ := unstructured.NestedSlice(rule.(map[string]any), "backendRefs")
		for _, ref := range refs {
			m := ref.(map[string]any)
			w, _, _ := unstructured.NestedInt64(m, "weight")
			weights[m["name"].(string)] = w
		}
	}
	return weights
}

// serviceOf is the name of the release's one Service in a cluster.
func serviceOf(t testing.TB, env *testenv.Env, cluster, ns, release string) string {
	t.Helper()
	svcs := &corev1.ServiceList{}
	if err := env.ClusterClient(t, cluster).List(ctxFor(t), svcs, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: release}); err != nil {
		t.Fatal(err)
	}
	if len(svcs.Items) != 1 {
		t.Fatalf("cluster %s: release %s has %d Services, want 1", cluster, release, len(svcs.Items))
	}
	return svcs.Items[0].Name
}

// expectSplit checks the route in every cluster: exactly the releases of
// share as backends, the contender's part of the cluster's weight within
// one apportionment unit of its share (percent of the step), and the
// route accepted for its generation, which the release's target reports.
func expectSplit(t testing.TB, env *testenv.Env, mgmt client.Client, ns string, clusters []string, contender, incumbent string, share int64) {
	t.Helper()
	for _, cl := range clusters {
		route := routeIn(t, env, cl, ns, "web")
		if route == nil {
			t.Fatalf("cluster %s: no HTTPRoute web", cl)
		}
		weights := backendWeights(route)
		c, i := serviceOf(t, env, cl, ns, contender), ""
		if incumbent != "" {
			i = serviceOf(t, env, cl, ns, incumbent)
		}
		var want []string
		if share > 0 {
			want = append(want, c)
		}
		if share < 100 {
			want = append(want, i)
		}
		slices.Sort(want)
		if got := slices.Sorted(maps.Keys(weights)); !slices.Equal(got, want) {
			t.Errorf("cluster %s: backends %v, want %v", cl, weights, want)
			continue
		}
		total := weights[c] + weights[i]
		// Each release's weight per cluster is its part of 1000 units
		// shared among 3 clusters: within a unit of the step's ratio.
		if got := weights[c] * 100; got < (share*total-100*3) || got > (share*total+100*3) {
			t.Errorf("cluster %s: weights %v give the contender %d/%d, want %d%%", cl, weights, weights[c], total, share)
		}
		if labels := route.GetLabels(); labels[convoyv1alpha1.LabelApplication] != "gw" || labels[convoyv1alpha1.LabelManagedBy] != convoyv1alpha1.ManagedByConvoy {
			t.Errorf("cluster %s: route labels %v, want the application's", cl, labels)
		}
	}
	tt := &convoyv1alpha1.TrafficTarget{}
	if err := mgmt.Get(ctxFor(t), client.ObjectKey{Namespace: ns, Name: contender}, tt); err != nil {
		t.Fatal(err)
	}
	for _, st := range tt.Status.Clusters {
		if st.Route == nil || !st.Route.Served || st.Route.Generation != routeIn(t, env, st.Name, ns, "web").GetGeneration() {
			t.Errorf("cluster %s: the target reports route %+v, want served at the route's generation", st.Name, st.Route)
		}
	}
}

// A release rolled out in steps with traffic.gateway: at every step the
// HTTPRoute of every cluster holds the step's split between the
// releases' Services; a contender unhealthy in one cluster loses its
// backend there; and a step is not achieved while a cluster's Gateway has
// not accepted the route's generation.
func TestGatewayWeightsFollowSteps(t *testing.T) {
	env, mgmt, ns := beginGateway(t)
	repo := helloRepo(t)
	for _, cl := range env.Clusters {
		setGateway(t, env, cl.Name, ns, true)
	}
	app := gatewayApplication(ns, "gw", repo.URL)
	first, clusters := completeFirstRelease(t, mgmt, app)
	if len(clusters) != 3 {
		t.Fatalf("the release runs in %v, want 3 clusters", clusters)
	}
	expectSplit(t, env, mgmt, ns, clusters, first.Name, "", 100)

	// Step 0: capacity only; every route sends everything to the incumbent.
	setValues(t, mgmt, app, `{"replicas":2,"service":{"type":"ClusterIP","port":80},"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	waitStep(t, env, mgmt, &second, 0, first.Name, clusters, map[string]int32{second.Name: 0, first.Name: 2})
	expectSplit(t, env, mgmt, ns, clusters, second.Name, first.Name, 0)

	// Step 1, 10/90, in every cluster's route.
	setTargetStep(t, mgmt, &second, 1)
	waitStep(t, env, mgmt, &second, 1, first.Name, clusters, map[string]int32{second.Name: 1, first.Name: 2})
	expectSplit(t, env, mgmt, ns, clusters, second.Name, first.Name, 10)

	// The contender's pods go away in one cluster and cannot come back:
	// its capacity there is not healthy, and it leaves that route.
	sick := clusters[0]
	setSchedulable(t, env, sick, false)
	deletePods(t, env, sick, ns, second.Name)
	contenderService := serviceOf(t, env, sick, ns, second.Name)
	eventually(t, time.Minute, func() error {
		weights := backendWeights(routeIn(t, env, sick, ns, "web"))
		if _, ok := weights[contenderService]; ok || len(weights) != 1 {
			return fmt.Errorf("cluster %s: backends %v, want the incumbent's only", sick, weights)
		}
		return nil
	})
	setSchedulable(t, env, sick, true)
	waitStep(t, env, mgmt, &second, 1, first.Name, clusters, map[string]int32{second.Name: 1, first.Name: 2})
	expectSplit(t, env, mgmt, ns, clusters, second.Name, first.Name, 10)

	// One cluster's Gateway goes away: the stand-in no longer accepts the
	// route there, so step 2's weights (or the planner's first move towards
	// them) are written but not served, and the step is not achieved until
	// the Gateway is back.
	refusing := clusters[1]
	setGateway(t, env, refusing, ns, false)
	setTargetStep(t, mgmt, &second, 2)
	eventually(t, 2*time.Minute, func() error {
		tt := &convoyv1alpha1.TrafficTarget{}
		if err := mgmt.Get(ctxFor(t), client.ObjectKeyFromObject(&second), tt); err != nil {
			return err
		}
		ready := meta.FindStatusCondition(tt.Status.Conditions, convoyv1alpha1.ConditionReady)
		if tt.Status.ObservedGeneration != tt.Generation || ready == nil || ready.Reason != traffic.ReasonRouteNotAccepted ||
			!strings.Contains(ready.Message, "cluster "+refusing+": Gateway "+ns+"/gw") {
			return fmt.Errorf("target %s: Ready %+v, want %s naming cluster %s", tt.Name, ready, traffic.ReasonRouteNotAccepted, refusing)
		}
		// The weights are written there, and not served.
		for _, st := range tt.Status.Clusters {
			if st.Name == refusing && (st.Route == nil || st.Route.Served || st.Route.Weight != st.DesiredWeight || st.DesiredWeight == 0) {
				return fmt.Errorf("cluster %s: route %+v, desired weight %d: want the desired weight written and not served", refusing, st.Route, st.DesiredWeight)
			}
		}
		return nil
	})
	for range 10 { // the step stays unachieved while the route is not accepted
		if err := mgmt.Get(ctxFor(t), client.ObjectKeyFromObject(&second), &second); err != nil {
			t.Fatal(err)
		}
		if a := second.Status.AchievedStep; a != nil && a.Step == 2 {
			t.Fatalf("step 2 achieved while the Gateway of %s does not accept the route", refusing)
		}
		time.Sleep(300 * time.Millisecond)
	}
	setGateway(t, env, refusing, ns, true)
	waitStep(t, env, mgmt, &second, 2, first.Name, clusters, map[string]int32{second.Name: 2, first.Name: 0})
	expectSplit(t, env, mgmt, ns, clusters, second.Name, first.Name, 100)
}

// An HTTPRoute of the Application's route name that a person made is
// never taken over: the target stalls with HTTPRouteConflict naming the
// route, the cluster and its owner, and the route is left as it was.
func TestGatewayRouteNotTakenOver(t *testing.T) {
	env, mgmt, ns := beginGateway(t)
	repo := helloRepo(t)
	for _, cl := range env.Clusters {
		setGateway(t, env, cl.Name, ns, true)
	}
	theirs := env.Clusters[0].Name
	route := &unstructured.Unstructured{}
	route.SetGroupVersionKind(traffic.HTTPRouteKind)
	route.SetNamespace(ns)
	route.SetName("web")
	route.Object["spec"] = map[string]any{
		"parentRefs": []any{map[string]any{"name": "gw"}},
		"rules":      []any{map[string]any{"backendRefs": []any{map[string]any{"name": "someone-elses", "port": int64(8080)}}}},
	}
	if err := env.ClusterClient(t, theirs).Create(ctxFor(t), route); err != nil {
		t.Fatal(err)
	}
	generation := route.GetGeneration()

	app := gatewayApplication(ns, "gw", repo.URL) // in every cluster, the person's included
	if err := mgmt.Create(ctxFor(t), app); err != nil {
		t.Fatal(err)
	}
	first := waitForReleases(t, mgmt, app, 1)[0]
	eventually(t, 2*time.Minute, func() error {
		tt := &convoyv1alpha1.TrafficTarget{}
		if err := mgmt.Get(ctxFor(t), client.ObjectKeyFromObject(&first), tt); err != nil {
			return err
		}
		stalled := meta.FindStatusCondition(tt.Status.Conditions, convoyv1alpha1.ConditionStalled)
		if stalled == nil || stalled.Status != metav1.ConditionTrue || stalled.Reason != traffic.ReasonRouteConflict ||
			!strings.Contains(stalled.Message, "cluster "+theirs+": HTTPRoute "+ns+"/web exists and was not made by convoy") {
			return fmt.Errorf("target %s: Stalled %+v, want %s naming cluster %s and route %s/web", tt.Name, stalled, traffic.ReasonRouteConflict, theirs, ns)
		}
		return nil
	})
	live := routeIn(t, env, theirs, ns, "web")
	if live.GetGeneration() != generation || live.GetLabels()[convoyv1alpha1.LabelApplication] != "" {
		t.Errorf("the person's route was written: generation %d (was %d), labels %v", live.GetGeneration(), generation, live.GetLabels())
	}
	if weights := backendWeights(live); len(weights) != 1 || weights["someone-elses"] == 0 {
		t.Errorf("the person's route has backends %v, want theirs untouched", weights)
	}
	// The other clusters' routes are the application's, and served.
	for _, cl := range env.Clusters[1:] {
		eventually(t, time.Minute, func() error {
			r := routeIn(t, env, cl.Name, ns, "web")
			if r == nil || len(backendWeights(r)) != 1 {
				return fmt.Errorf("cluster %s: route %v, want the application's with the release's backend", cl.Name, r)
			}
			return nil
		})
	}
}

// With traffic.dns beside traffic.gateway, each cluster's route carries
// exactly the weights of that cluster's DNS records.
func TestGatewayRouteTakesTheDNSWeights(t *testing.T) {
	env, mgmt, ns := beginGateway(t)
	repo := helloRepo(t)
	for _, cl := range env.Clusters {
		setGateway(t, env, cl.Name, ns, true)
	}
	app := dnsApplication(ns, "gw", repo.URL)
	app.Spec.Template.Traffic.Gateway = gatewayApplication(ns, "gw", repo.URL).Spec.Template.Traffic.Gateway
	hostname := app.Spec.Template.Traffic.DNS.Hostname
	first, clusters := completeFirstRelease(t, mgmt, app)
	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	setTargetStep(t, mgmt, &second, 1)
	waitStep(t, env, mgmt, &second, 1, first.Name, clusters, map[string]int32{second.Name: 1, first.Name: 2})
	expectSplit(t, env, mgmt, ns, clusters, second.Name, first.Name, 10)
	records := recordWeights(t, mgmt, ns, hostname)
	for _, cl := range clusters {
		weights := backendWeights(routeIn(t, env, cl, ns, "web"))
		for _, rel := range []string{first.Name, second.Name} {
			if got, want := weights[serviceOf(t, env, cl, ns, rel)], int64(records[rel+"/"+cl]); got != want || want == 0 {
				t.Errorf("cluster %s: release %s has route weight %d, DNS weight %d", cl, rel, got, want)
			}
		}
	}
}

// A route the newest release no longer names keeps the older releases'
// weights while they have any, and is removed once none has: the
// rollout completes with the new route alone.
func TestGatewayRouteRenamed(t *testing.T) {
	env, mgmt, ns := beginGateway(t)
	repo := helloRepo(t)
	for _, cl := range env.Clusters {
		setGateway(t, env, cl.Name, ns, true)
	}
	app := gatewayApplication(ns, "gw", repo.URL)
	first, clusters := completeFirstRelease(t, mgmt, app)
	expectSplit(t, env, mgmt, ns, clusters, first.Name, "", 100)

	changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) { a.Spec.Template.Traffic.Gateway.HTTPRoute = "web2" })
	second := waitForReleases(t, mgmt, app, 2)[1]
	waitStep(t, env, mgmt, &second, 0, first.Name, clusters, map[string]int32{second.Name: 0, first.Name: 2})
	for _, cl := range clusters {
		if weights := backendWeights(routeIn(t, env, cl, ns, "web")); len(weights) != 1 || weights[serviceOf(t, env, cl, ns, first.Name)] == 0 {
			t.Errorf("step 0, cluster %s: the old route has backends %v, want the incumbent's", cl, weights)
		}
	}
	setTargetStep(t, mgmt, &second, 2)
	waitComplete(t, mgmt, &second)
	for _, cl := range clusters {
		eventually(t, time.Minute, func() error {
			if routeIn(t, env, cl, ns, "web") != nil {
				return fmt.Errorf("cluster %s: the old route web is still there", cl)
			}
			return nil
		})
		if weights := backendWeights(routeIn(t, env, cl, ns, "web2")); len(weights) != 1 || weights[serviceOf(t, env, cl, ns, second.Name)] == 0 {
			t.Errorf("cluster %s: route web2 has backends %v, want the new release's only", cl, weights)
		}
	}
}

// In waves, the moving wave's cluster holds the step's split in its
// route, and a cluster of a later wave stays all incumbent.
func TestGatewayWaves(t *testing.T) {
	env, mgmt, ns := beginGateway(t)
	repo := helloRepo(t)
	for _, cl := range env.Clusters {
		setGateway(t, env, cl.Name, ns, true)
	}
	app := wavedApplication(ns, "gw", repo.URL)
	app.Spec.Template.Traffic = gatewayApplication(ns, "gw", repo.URL).Spec.Template.Traffic
	first, _ := completeFirstRelease(t, mgmt, app)
	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	waves := waveClusters(t, mgmt, &second)
	waitAchieved(t, mgmt, &second, 0) // the canary wave's 10/90
	expectSplit(t, env, mgmt, ns, waves[0], second.Name, first.Name, 10)
	expectSplit(t, env, mgmt, ns, append(slices.Clone(waves[1]), waves[2]...), second.Name, first.Name, 0)
}
