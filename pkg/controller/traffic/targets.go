package traffic

import (
	"context"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/dnsrecords"
	"github.com/convoy-rollouts/convoy/pkg/roles"
	"github.com/convoy-rollouts/convoy/pkg/statuspatch"
)

// target is one release's TrafficTarget with what decides its weights.
type target struct {
	tt     *convoyv1alpha1.TrafficTarget
	before *convoyv1alpha1.TrafficTarget // as read
	// patcher writes its status once, at the end of the reconcile.
	patcher *statuspatch.Patcher
	rel     *convoyv1alpha1.Release
	ct      *convoyv1alpha1.CapacityTarget // nil until it exists
	// idle: the release is retired and holds no load-balancer address
	// (I9); it has no endpoint to look for.
	idle bool
	// installation is the UID of the release's InstallationTarget, which
	// its anchors name.
	installation types.UID
	// dns are the release's gated DNS weights by cluster, once published;
	// nil without DNS traffic.
	dns map[string]int32
	// route is the release's HTTPRoute, once synced; nil without
	// traffic.gateway.
	route *routing
}

// hostGroup is the releases publishing one hostname, newest first.
type hostGroup struct {
	hostname string // lower case, without the trailing dot
	dns      *convoyv1alpha1.DNSTraffic
	targets  []*target
	// former: the application's newest release does not publish this
	// hostname (traffic.dns.hostname changed or removed since).
	former bool
}

// load reads the application's traffic targets with their releases and
// capacity targets, and groups those with DNS traffic by hostname and
// those with gateway traffic by HTTPRoute. The newest release's traffic
// settings (TTL, provider, parentRefs, port) speak for a hostname or route.
func (r *Reconciler) load(ctx context.Context, namespace, app string) ([]*hostGroup, []*routeGroup, []*target, error) {
	list := &convoyv1alpha1.TrafficTargetList{}
	if err := r.List(ctx, list, client.InNamespace(namespace), client.MatchingLabels{convoyv1alpha1.LabelApplication: app}); err != nil {
		return nil, nil, nil, fmt.Errorf("listing the traffic targets of %s/%s: %w", namespace, app, err)
	}
	var targets []*target
	for i := range list.Items {
		tt := &list.Items[i]
		rel := &convoyv1alpha1.Release{}
		if err := r.Get(ctx, client.ObjectKeyFromObject(tt), rel); err != nil {
			if client.IgnoreNotFound(err) == nil {
				continue // its release is going away, and the target with it
			}
			return nil, nil, nil, err
		}
		patcher := statuspatch.New(tt)
		t := &target{tt: tt, before: patcher.Before().(*convoyv1alpha1.TrafficTarget), patcher: patcher, rel: rel}
		ct := &convoyv1alpha1.CapacityTarget{}
		if err := r.Get(ctx, client.ObjectKeyFromObject(tt), ct); err == nil {
			t.ct = ct
		} else if client.IgnoreNotFound(err) != nil {
			return nil, nil, nil, err
		}
		it := &convoyv1alpha1.InstallationTarget{}
		if err := r.Get(ctx, client.ObjectKeyFromObject(tt), it); err == nil {
			t.idle, t.installation = it.Spec.Idle, it.UID
		} else if client.IgnoreNotFound(err) != nil {
			return nil, nil, nil, err
		}
		targets = append(targets, t)
	}
	slices.SortFunc(targets, func(a, b *target) int {
		return roles.Compare(b.rel, a.rel)
	})
	var groups []*hostGroup
	var routes []*routeGroup
	var unmanaged []*target
	current, currentRoute := "", ""
	for n, t := range targets {
		traffic := t.rel.Spec.Environment.Traffic
		if traffic == nil || traffic.DNS == nil && traffic.Gateway == nil {
			unmanaged = append(unmanaged, t)
			continue
		}
		if traffic.Gateway != nil {
			if n == 0 {
				currentRoute = traffic.Gateway.HTTPRoute
			}
			i := slices.IndexFunc(routes, func(g *routeGroup) bool { return g.name == traffic.Gateway.HTTPRoute })
			if i < 0 {
				routes = append(routes, &routeGroup{name: traffic.Gateway.HTTPRoute, gateway: traffic.Gateway, former: traffic.Gateway.HTTPRoute != currentRoute})
				i = len(routes) - 1
			}
			routes[i].targets = append(routes[i].targets, t)
		}
		if traffic.DNS == nil {
			continue
		}
		host := dnsrecords.Normalize(traffic.DNS.Hostname)
		if n == 0 {
			current = host
		}
		i := slices.IndexFunc(groups, func(g *hostGroup) bool { return g.hostname == host })
		if i < 0 {
			groups = append(groups, &hostGroup{hostname: host, dns: traffic.DNS, former: host != current})
			i = len(groups) - 1
		}
		groups[i].targets = append(groups[i].targets, t)
	}
	return groups, routes, unmanaged, nil
}

// retired tells a former hostname none of whose releases asks for weight
// any more: its records are removed rather than kept as the last good ones
// (I2 guards the hostname clients are sent to now, not one given up).
func (g *hostGroup) retired() bool {
	if !g.former {
		return false
	}
	for _, t := range g.targets {
		for _, c := range t.tt.Spec.Clusters {
			if c.Weight > 0 {
				return false
			}
		}
	}
	return true
}

// all is every target of the groups.
func all(groups []*hostGroup) []*target {
	var ts []*target
	for _, g := range groups {
		ts = append(ts, g.targets...)
	}
	return ts
}

// setIdentifier names a (cluster, release) record within its hostname.
func setIdentifier(cluster, release string) string { return cluster + "/" + release }
