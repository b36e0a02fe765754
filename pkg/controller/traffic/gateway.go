package traffic

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/tenancy"
	"github.com/convoy-rollouts/convoy/strategies"
)

// Gateway API weights in-cluster (traffic.gateway): convoy owns one
// HTTPRoute per application and route name, in the Application's namespace
// of every cluster its releases run in, with one rule whose backendRefs are
// the Services of the releases with weight in that cluster, each weighted
// by the release's gated weight there:
//
//   - With traffic.dns, the weights are the DNS records' of the cluster
//     (after the health gate), so the in-cluster split is the step's
//     contender/incumbent split wherever DNS sends clients. Without it they
//     are worked out the same way (gate, then gatedWeights), with the
//     release's backend Service standing for its load balancer.
//   - A release's backend in a cluster is the one Service owned by its
//     anchor (installed by its InstallationTarget, in its namespace) that
//     exposes traffic.gateway.port; none is ServiceNotFound, several
//     AmbiguousService. Labels alone prove nothing: a Service labelled as
//     the release's but not owned by its anchor is never a backend.
//   - The route is written as the tenant, impersonating the release's
//     ServiceAccount (clusters.Tenancy) as installing does, with
//     server-side apply as clusters.TrafficFieldManager. It is stamped with
//     the Application's labels (tenancy.Owner without a release); a route
//     of that name that is not the Application's (a person's, another
//     Application's) is never written: HTTPRouteConflict names it, its
//     cluster and its owner.
//   - A cluster where no release may carry weight keeps its route as it is
//     (never all zero), like DNS's last good records.
//   - A route the newest release no longer names keeps the older
//     releases' weights while any asks for some, and is removed once none
//     does (retireRoutes), as a former hostname's records are (I8).
//   - The route is served once, for every parentRef, the route's
//     status.parents[] has an entry for that parent whose Accepted
//     condition is True with observedGeneration equal to the route's
//     metadata.generation after convoy's write. A TrafficTarget is Ready
//     only when its route is served in every one of its clusters (and DNS,
//     if any, is). Route status is not watched (convoy's cluster caches hold
//     its own labelled kinds only, read as its agent): a route not served
//     yet is looked at again every routeRecheck.

// Reasons of the HTTPRoute.
const (
	// ReasonRouteConflict: an HTTPRoute of the name exists in the cluster
	// and is not the Application's; it is left alone.
	ReasonRouteConflict = "HTTPRouteConflict"
	// ReasonRouteNotAccepted: a parent Gateway has not accepted the
	// route's current generation (yet).
	ReasonRouteNotAccepted = "HTTPRouteNotAccepted"
	// ReasonRouteFailed: the route could not be read or written.
	ReasonRouteFailed = "HTTPRouteFailed"
	// ReasonRouteServed: every parent Gateway accepted the route's weights.
	ReasonRouteServed = "HTTPRouteServed"
)

// HTTPRouteKind is the Gateway API's HTTPRoute, written as unstructured
// objects: convoy needs a handful of its fields, and the gateway-api
// module would move convoy's Kubernetes modules.
var HTTPRouteKind = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute"}

// routeRecheck is how soon a route that is not served yet is read again.
const routeRecheck = 2 * time.Second

// routeGroup is the releases naming one HTTPRoute, newest first.
type routeGroup struct {
	name    string
	gateway *convoyv1alpha1.GatewayTraffic // the newest release's
	targets []*target
	// former: the application's newest release does not name this route.
	former bool
}

// routing is what syncRoutes did for one route.
type routing struct {
	// desired weights by set identifier, after the health gate.
	desired map[string]int32
	// backends are the releases' backend Services by set identifier.
	backends map[string]string
	// verdicts say why a (cluster, release) by set identifier gets no
	// weight.
	verdicts map[string]verdict
	// clusters are the route's state in each cluster.
	clusters map[string]routeState
}

func newRouting() *routing {
	return &routing{desired: map[string]int32{}, backends: map[string]string{}, verdicts: map[string]verdict{}, clusters: map[string]routeState{}}
}

// routeState is the route in one cluster.
type routeState struct {
	// weights are the backendRefs' weights as written, by Service name.
	weights    map[string]int32
	generation int64
	served     bool
	// problem says why the route is not served, the zero verdict when it is.
	problem verdict
}

// backendRef is one weighted backend of a route.
type backendRef struct {
	Service string
	Weight  int32
}

// routeWeights are the gated weights of the route's releases by set
// identifier: the DNS records' when every release publishes DNS (t.dns),
// otherwise the same gate and apportionment with the backend Services as
// endpoints.
func (r *Reconciler) routeWeights(ctx context.Context, rg *routeGroup, rt *routing) {
	endpoints, releases := r.observe(ctx, rg.targets, rt.verdicts, func(ctx context.Context, cluster string, t *target) (endpoint, verdict) {
		return r.backendIn(ctx, cluster, t, rg.gateway.Port)
	})
	for id, ep := range endpoints {
		rt.backends[id] = ep.service
	}
	fromDNS := !slices.ContainsFunc(rg.targets, func(t *target) bool { return t.dns == nil })
	if fromDNS {
		for _, t := range rg.targets {
			for cluster, w := range t.dns {
				rt.desired[setIdentifier(cluster, t.rel.Name)] = w
			}
		}
		return
	}
	weights, err := gatedWeights(strategies.DNSUnits, releases, frozenWeights(rg.targets, rt.verdicts, nil, endpoints))
	if err != nil {
		for _, t := range rg.targets {
			for _, c := range t.tt.Spec.Clusters {
				rt.verdicts[setIdentifier(c.Name, t.rel.Name)] = verdict{reason: ReasonInvalidTraffic, message: err.Error(), stalled: true}
			}
		}
		return
	}
	for i, t := range rg.targets {
		for j, c := range t.tt.Spec.Clusters {
			rt.desired[setIdentifier(c.Name, t.rel.Name)] = int32(weights[i][j])
		}
	}
}

// syncRoutes works out the route's weights and writes the route in every
// cluster of its releases.
func (r *Reconciler) syncRoutes(ctx context.Context, namespace, app string, rg *routeGroup) *routing {
	rt := newRouting()
	r.routeWeights(ctx, rg, rt)
	for _, cluster := range routeClusters(rg) {
		backends := routeBackends(rg, rt, cluster)
		rt.clusters[cluster] = r.syncRoute(ctx, cluster, namespace, app, rg, backends)
	}
	return rt
}

// routeClusters are the clusters of the route's releases, sorted.
func routeClusters(rg *routeGroup) []string {
	var names []string
	for _, t := range rg.targets {
		for _, c := range t.tt.Spec.Clusters {
			names = append(names, c.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// routeBackends are the backendRefs of the route in one cluster: the
// releases with a desired weight and a backend Service there, sorted by
// Service name.
func routeBackends(rg *routeGroup, rt *routing, cluster string) []backendRef {
	var refs []backendRef
	for _, t := range rg.targets {
		id := setIdentifier(cluster, t.rel.Name)
		if w, svc := rt.desired[id], rt.backends[id]; w > 0 && svc != "" {
			refs = append(refs, backendRef{Service: svc, Weight: w})
		}
	}
	slices.SortFunc(refs, func(a, b backendRef) int { return strings.Compare(a.Service, b.Service) })
	return refs
}

// syncRoute writes the route in one cluster, unless it is not the
// application's or no release may carry weight there, and says whether
// its parents serve it.
func (r *Reconciler) syncRoute(ctx context.Context, cluster, namespace, app string, rg *routeGroup, backends []backendRef) routeState {
	c, live, unusable := r.liveRoute(ctx, cluster, namespace, app, rg)
	if unusable != nil {
		return *unusable
	}
	failed := func(err error) routeState { return routeFailed(cluster, namespace, rg.name, err) }
	owner := tenancy.Owner{Namespace: namespace, Application: app}
	if len(backends) == 0 {
		if live == nil {
			return routeState{served: true} // nothing to route, nothing routed
		}
		st := stateOf(live, rg.gateway.ParentRefs, cluster)
		if st.problem.ok() {
			st.problem = verdict{reason: ReasonKeepingLastGood,
				message: fmt.Sprintf("cluster %s: no release has a healthy backend: HTTPRoute %s/%s keeps the weights written last", cluster, namespace, rg.name)}
		}
		return st
	}
	want := desiredRoute(namespace, rg.name, owner, rg.gateway, backends)
	if live == nil || !sameRoute(live, want) {
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(want), client.FieldOwner(clusters.TrafficFieldManager), client.ForceOwnership); err != nil {
			return failed(err)
		}
		// Apply does not hand the object back: read its new generation.
		live = &unstructured.Unstructured{}
		live.SetGroupVersionKind(HTTPRouteKind)
		if err := c.Get(ctx, client.ObjectKeyFromObject(want), live); err != nil {
			return failed(err)
		}
	}
	return stateOf(live, rg.gateway.ParentRefs, cluster)
}

// liveRoute reads the route in a cluster as the tenant: the newest
// release's ServiceAccount reads and writes it, in the application's own
// namespace, as installing does. It returns the client and the route (nil
// when there is none), or the state saying why the route cannot be used:
// the cluster cannot be read, or the route is not the application's.
func (r *Reconciler) liveRoute(ctx context.Context, cluster, namespace, app string, rg *routeGroup) (client.Client, *unstructured.Unstructured, *routeState) {
	id, err := r.Tenancy.Identity(namespace, rg.targets[0].rel.Spec.Environment.ServiceAccountName)
	if err != nil {
		return nil, nil, &routeState{problem: verdict{reason: clusters.ReasonServiceAccountRequired, message: err.Error(), stalled: true}}
	}
	c, err := r.Clusters.ClientAs(ctx, cluster, id)
	if err != nil {
		st := routeFailed(cluster, namespace, rg.name, err)
		return nil, nil, &st
	}
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(HTTPRouteKind)
	err = c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: rg.name}, live)
	switch {
	case apierrors.IsNotFound(err):
		return c, nil, nil
	case err != nil:
		st := routeFailed(cluster, namespace, rg.name, err)
		return nil, nil, &st
	}
	if err := (tenancy.Owner{Namespace: namespace, Application: app}).Conflict(live, true); err != nil {
		return nil, nil, &routeState{problem: verdict{reason: ReasonRouteConflict, stalled: true,
			message: fmt.Sprintf("cluster %s: HTTPRoute %v", cluster, err)}}
	}
	return c, live, nil
}

// routeFailed is the state of a route that could not be read or written: a
// cluster convoy cannot see freezes, as for DNS (gate.go).
func routeFailed(cluster, namespace, name string, err error) routeState {
	if clusters.IsUnreachable(err) {
		return routeState{problem: frozen(cluster, clusterVerdict(err))}
	}
	return routeState{problem: verdict{reason: ReasonRouteFailed, message: fmt.Sprintf("cluster %s: HTTPRoute %s/%s: %v", cluster, namespace, name, err)}}
}

// retireRoutes deletes a retired route (see routeGroup.retired) in every
// cluster of its releases, as a hostname's records are removed once none
// of its releases asks for weight (I8): a route left behind would keep
// sending the Gateway's clients to releases that no longer run. A route
// that is not the application's is left alone.
func (r *Reconciler) retireRoutes(ctx context.Context, namespace, app string, rg *routeGroup) *routing {
	rt := newRouting()
	for _, cluster := range routeClusters(rg) {
		c, live, unusable := r.liveRoute(ctx, cluster, namespace, app, rg)
		switch {
		case unusable != nil && unusable.problem.reason == ReasonRouteConflict:
			rt.clusters[cluster] = routeState{served: true} // not the application's to remove
		case unusable != nil:
			rt.clusters[cluster] = *unusable
		case live == nil:
			rt.clusters[cluster] = routeState{served: true}
		default:
			if err := c.Delete(ctx, live); client.IgnoreNotFound(err) != nil {
				rt.clusters[cluster] = routeFailed(cluster, namespace, rg.name, err)
				continue
			}
			rt.clusters[cluster] = routeState{served: true}
		}
	}
	return rt
}

// stateOf is a live route's state: its weights and whether its parents
// serve its generation.
func stateOf(live *unstructured.Unstructured, parents []convoyv1alpha1.GatewayParentRef, cluster string) routeState {
	st := routeState{weights: map[string]int32{}, generation: live.GetGeneration()}
	for _, b := range routeSpecOf(live).backends {
		st.weights[b.Service] = b.Weight
	}
	st.served, st.problem = routeServed(live, parents, cluster)
	return st
}

// desiredRoute is the route convoy applies.
func desiredRoute(namespace, name string, owner tenancy.Owner, gw *convoyv1alpha1.GatewayTraffic, backends []backendRef) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(HTTPRouteKind)
	u.SetNamespace(namespace)
	u.SetName(name)
	labels := owner.Labels()
	delete(labels, convoyv1alpha1.LabelRelease) // the application's, whichever release
	u.SetLabels(labels)
	var parents, hostnames, refs []any
	for _, p := range gw.ParentRefs {
		ref := map[string]any{"name": p.Name}
		if p.Namespace != "" {
			ref["namespace"] = p.Namespace
		}
		if p.SectionName != "" {
			ref["sectionName"] = p.SectionName
		}
		parents = append(parents, ref)
	}
	for _, h := range gw.Hostnames {
		hostnames = append(hostnames, string(h))
	}
	for _, b := range backends {
		refs = append(refs, map[string]any{"name": b.Service, "port": int64(gw.Port), "weight": int64(b.Weight)})
	}
	spec := map[string]any{"parentRefs": parents, "rules": []any{map[string]any{"backendRefs": refs}}}
	if len(hostnames) > 0 {
		spec["hostnames"] = hostnames
	}
	u.Object["spec"] = spec
	return u
}

// routeSpec is what convoy sets of a route, to compare with what is live
// (the API server adds defaults: a parentRef's group and kind, a rule's
// path match, a backendRef's group and kind).
type routeSpec struct {
	parents   []convoyv1alpha1.GatewayParentRef
	hostnames []string
	backends  []backendRef
	port      int64
	rules     int
}

func routeSpecOf(u *unstructured.Unstructured) routeSpec {
	var s routeSpec
	parents, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
	for _, p := range parents {
		m, _ := p.(map[string]any)
		name, _, _ := unstructured.NestedString(m, "name")
		ns, _, _ := unstructured.NestedString(m, "namespace")
		section, _, _ := unstructured.NestedString(m, "sectionName")
		s.parents = append(s.parents, convoyv1alpha1.GatewayParentRef{Name: name, Namespace: ns, SectionName: section})
	}
	s.hostnames, _, _ = unstructured.NestedStringSlice(u.Object, "spec", "hostnames")
	rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
	s.rules = len(rules)
	if len(rules) > 0 {
		rule, _ := rules[0].(map[string]any)
		refs, _, _ := unstructured.NestedSlice(rule, "backendRefs")
		for _, ref := range refs {
			m, _ := ref.(map[string]any)
			name, _, _ := unstructured.NestedString(m, "name")
			weight, found, _ := unstructured.NestedInt64(m, "weight")
			if !found {
				weight = 1 // the Gateway API's default
			}
			s.port, _, _ = unstructured.NestedInt64(m, "port")
			s.backends = append(s.backends, backendRef{Service: name, Weight: int32(weight)})
		}
	}
	return s
}

// sameRoute tells whether the live route has what convoy would apply, and
// convoy's labels.
func sameRoute(live, want *unstructured.Unstructured) bool {
	l, w := routeSpecOf(live), routeSpecOf(want)
	for k, v := range want.GetLabels() {
		if live.GetLabels()[k] != v {
			return false
		}
	}
	return slices.Equal(l.parents, w.parents) && slices.Equal(l.hostnames, w.hostnames) && slices.Equal(l.backends, w.backends) &&
		l.port == w.port && l.rules == w.rules
}

// routeServed applies the served rule (see above) to a live route: every
// parent must have accepted the route's generation. The verdict says which
// parent has not, and why.
func routeServed(route *unstructured.Unstructured, parents []convoyv1alpha1.GatewayParentRef, cluster string) (bool, verdict) {
	gen := route.GetGeneration()
	statuses, _, _ := unstructured.NestedSlice(route.Object, "status", "parents")
	for _, p := range parents {
		want := parentKey(p, route.GetNamespace())
		accepted, found := (map[string]any)(nil), false
		for _, s := range statuses {
			m, _ := s.(map[string]any)
			ref, _, _ := unstructured.NestedMap(m, "parentRef")
			if parentKeyOf(ref, route.GetNamespace()) != want {
				continue
			}
			found = true
			conds, _, _ := unstructured.NestedSlice(m, "conditions")
			for _, c := range conds {
				if cm, _ := c.(map[string]any); cm["type"] == "Accepted" {
					accepted = cm
				}
			}
		}
		what := fmt.Sprintf("cluster %s: Gateway %s", cluster, want)
		route := fmt.Sprintf("HTTPRoute %s/%s", route.GetNamespace(), route.GetName())
		observed, _, _ := unstructured.NestedInt64(accepted, "observedGeneration")
		switch {
		case !found || accepted == nil:
			return false, verdict{reason: ReasonRouteNotAccepted, message: fmt.Sprintf("%s has not accepted %s yet", what, route)}
		case observed != gen:
			return false, verdict{reason: ReasonRouteNotAccepted, message: fmt.Sprintf("%s has accepted generation %d of %s, not generation %d yet", what, observed, route, gen)}
		case accepted["status"] != "True":
			return false, verdict{reason: ReasonRouteNotAccepted, message: fmt.Sprintf("%s does not accept generation %d of %s: %v: %v", what, gen, route, accepted["reason"], accepted["message"])}
		}
	}
	return true, verdict{}
}

// parentKey names a parentRef as namespace/name[/section], the route's
// namespace when it names none.
func parentKey(p convoyv1alpha1.GatewayParentRef, namespace string) string {
	if p.Namespace != "" {
		namespace = p.Namespace
	}
	key := namespace + "/" + p.Name
	if p.SectionName != "" {
		key += "/" + p.SectionName
	}
	return key
}

// parentKeyOf is parentKey of a status.parents[].parentRef, which must
// name a Gateway (the default group and kind).
func parentKeyOf(ref map[string]any, namespace string) string {
	group, found, _ := unstructured.NestedString(ref, "group")
	kind, kindFound, _ := unstructured.NestedString(ref, "kind")
	if found && group != HTTPRouteKind.Group || kindFound && kind != "Gateway" {
		return ""
	}
	name, _, _ := unstructured.NestedString(ref, "name")
	ns, _, _ := unstructured.NestedString(ref, "namespace")
	section, _, _ := unstructured.NestedString(ref, "sectionName")
	return parentKey(convoyv1alpha1.GatewayParentRef{Name: name, Namespace: ns, SectionName: section}, namespace)
}

// backendIn finds the release's backend in a cluster: the one Service
// owned by its anchor that exposes port.
func (r *Reconciler) backendIn(ctx context.Context, cluster string, t *target, port int32) (endpoint, verdict) {
	cache, err := r.Clusters.Cache(ctx, cluster)
	if err != nil {
		return endpoint{}, clusterVerdict(err)
	}
	rel := t.rel
	owner := tenancy.OwnerOfTarget(t.tt)
	anchor := &corev1.ConfigMap{}
	if err := cache.Get(ctx, client.ObjectKey{Namespace: owner.Namespace, Name: tenancy.AnchorName(rel.Name)}, anchor); err != nil || !owner.IsAnchor(anchor, t.installation) {
		if err != nil && clusters.IsUnreachable(err) {
			return endpoint{}, clusterVerdict(err)
		}
		return endpoint{}, verdict{reason: ReasonServiceNotFound,
			message: fmt.Sprintf("release %s is not installed in cluster %s yet: its HTTPRoute backend is its Service exposing port %d", rel.Name, cluster, port)}
	}
	services := &corev1.ServiceList{}
	if err := cache.List(ctx, services, clusters.OfRelease(rel.Name), client.InNamespace(owner.Namespace)); err != nil {
		return endpoint{}, clusterVerdict(err)
	}
	var names []string
	for i := range services.Items {
		svc := &services.Items[i]
		if tenancy.OwnedBy(svc, anchor.UID) && slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Port == port }) {
			names = append(names, svc.Name)
		}
	}
	slices.Sort(names)
	switch len(names) {
	case 0:
		return endpoint{}, verdict{reason: ReasonServiceNotFound, stalled: true,
			message: fmt.Sprintf("release %s has no Service exposing port %d in cluster %s: traffic.gateway.port names the port of the release's backend Service", rel.Name, port, cluster)}
	case 1:
		return endpoint{service: names[0], port: port}, verdict{}
	}
	return endpoint{}, verdict{reason: ReasonAmbiguousService, stalled: true,
		message: fmt.Sprintf("release %s has %d Services exposing port %d in cluster %s (%s): its HTTPRoute backend must be exactly one", rel.Name, len(names), port, cluster, strings.Join(names, ", "))}
}

// routeVerdict is the route's verdict on a release in a cluster, with the
// release's place in the route for its status; the zero verdict when its
// weight there is in effect.
func (rt *routing) routeVerdict(cluster, release string) (*convoyv1alpha1.ClusterRouteStatus, verdict) {
	id := setIdentifier(cluster, release)
	state := rt.clusters[cluster]
	svc := rt.backends[id]
	st := &convoyv1alpha1.ClusterRouteStatus{Service: svc, Weight: state.weights[svc], Generation: state.generation, Served: state.served}
	if svc == "" {
		st.Weight = 0
	}
	switch v := rt.verdicts[id]; {
	case state.problem.stalled:
		return st, state.problem
	case !v.ok():
		return st, v
	case !state.problem.ok():
		return st, state.problem
	case st.Weight != rt.desired[id]:
		return st, verdict{reason: ReasonPublishing, message: fmt.Sprintf("cluster %s: weight %d desired in the HTTPRoute, %d written", cluster, rt.desired[id], st.Weight)}
	}
	return st, verdict{}
}

// retired tells a former route (one the application's newest release does
// not name) none of whose releases asks for weight any more: it is
// removed (retireRoutes).
func (rg *routeGroup) retired() bool {
	if !rg.former {
		return false
	}
	for _, t := range rg.targets {
		for _, c := range t.tt.Spec.Clusters {
			if c.Weight > 0 {
				return false
			}
		}
	}
	return true
}

// syncAllRoutes syncs every route of the application, or removes it when
// it is retired, and returns how soon to look again: routeRecheck while one is not
// served, since route status is not watched.
func (r *Reconciler) syncAllRoutes(ctx context.Context, namespace, app string, routes []*routeGroup) time.Duration {
	var after time.Duration
	for _, rg := range routes {
		var rt *routing
		if rg.retired() {
			rt = r.retireRoutes(ctx, namespace, app, rg)
		} else {
			rt = r.syncRoutes(ctx, namespace, app, rg)
		}
		for _, t := range rg.targets {
			t.route = rt
		}
		for _, st := range rt.clusters {
			if !st.served || !st.problem.ok() {
				after = routeRecheck
			}
		}
	}
	return after
}

// routeOnly are the targets of releases with gateway traffic and no DNS.
func routeOnly(routes []*routeGroup) []*target {
	var ts []*target
	for _, rg := range routes {
		for _, t := range rg.targets {
			if t.rel.Spec.Environment.Traffic.DNS == nil {
				ts = append(ts, t)
			}
		}
	}
	return ts
}
