// Package traffic reconciles the traffic of an Application's releases. For
// every hostname the releases publish it finds each (cluster, release)
// endpoint (the release's Service of type LoadBalancer), lets an endpoint
// carry weight only while its release's capacity in that cluster is
// healthy, apportions the step's contender/incumbent split into integer
// weights, and publishes them as a DNSRecordSet (served by convoy's DNS
// server) or, for external-dns, also as a DNSEndpoint. Each TrafficTarget
// reports per cluster the weight desired and the weight served, and is
// Ready only once every live DNS server serves it and one TTL has passed,
// so a step is not achieved while resolvers may still hold old answers.
//
// With traffic.gateway it also sets the weights of the application's
// Gateway API HTTPRoute in each cluster to the same gated weights, and a
// target is Ready only once every parent Gateway accepted the route's
// generation: see gateway.go.
//
// Releases without a traffic section are reached some other way (a mesh,
// a Service per release): their targets are achieved as soon as they are
// current, and convoy moves their capacity only.
//
// A hostname the application's newest release no longer publishes
// (traffic.dns.hostname changed or removed, I8) keeps its records while
// one of its releases still asks for weight there, so clients of the old
// name are served through the rollout; once none does, its records are
// removed (not kept as the last good ones) and its targets are achieved
// one TTL later, so the rollout completes and the old releases retire.
//
// In a cluster convoy cannot see, weights are frozen rather than zeroed:
// see gate.go.
package traffic

import (
	"context"
	"time"

	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/convoy-rollouts/convoy/pkg/clusters"
)

// recheck is how soon traffic that is not achieved is looked at again when
// no event arrives first (a DNS server's lease may lapse without one).
const recheck = 10 * time.Second

// Reconciler reconciles the traffic of one Application per request: the
// request's name is the Application's, and every TrafficTarget of its
// releases is reconciled together, because one release's weights depend
// on all the others'.
type Reconciler struct {
	client.Client
	Clusters *clusters.Store
	// Tenancy says which ServiceAccount writes an application's HTTPRoutes
	// in application clusters (traffic.gateway).
	Tenancy  clusters.Tenancy
	Recorder events.EventRecorder
	// LeaseNamespace is the one namespace whose labelled Leases are DNS
	// servers (convoy-system when empty): a tenant's Lease elsewhere counts
	// for nothing.
	LeaseNamespace string
	// DefaultAllowedHostnames are the hostname patterns a namespace the
	// platform did not annotate may publish (hostgrant): none when empty.
	DefaultAllowedHostnames string
	// Now is the clock, time.Now when nil.
	Now func() time.Time
}

// Reconcile publishes the weights of each hostname of the application and
// writes each of its traffic targets' status once.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	groups, routes, unmanaged, err := r.load(ctx, req.Namespace, req.Name)
	if err != nil {
		return ctrl.Result{}, err
	}
	var servers []server
	if len(groups) > 0 {
		if servers, err = r.liveServers(ctx); err != nil {
			return ctrl.Result{}, err
		}
	}
	pubs, published, after, err := r.publishAll(ctx, req.Namespace, req.Name, groups, servers)
	if err != nil {
		return ctrl.Result{}, err
	}
	// The HTTPRoutes take the DNS weights just worked out.
	after = sooner(after, r.syncAllRoutes(ctx, req.Namespace, req.Name, routes))
	for i, g := range groups {
		for _, t := range g.targets {
			if pubs[i] != nil {
				after = sooner(after, r.report(ctrl.LoggerFrom(ctx).WithValues("hostname", g.hostname), t, g, pubs[i]))
			}
		}
	}
	for _, t := range routeOnly(routes) {
		after = sooner(after, r.reportRoute(t))
	}
	for _, t := range unmanaged {
		reportUnmanaged(t)
	}
	if err := r.prune(ctx, req.Namespace, req.Name, published); err != nil {
		return ctrl.Result{}, err
	}
	for _, t := range append(append(unmanaged, all(groups)...), routeOnly(routes)...) {
		if _, err := t.patcher.Patch(ctx, r.Client, t.tt); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{RequeueAfter: after}, nil
}

// publishAll publishes each hostname's records, or retires them, and
// returns each group's publication (nil when retired), the record sets to
// keep, and how soon to look again.
func (r *Reconciler) publishAll(ctx context.Context, namespace, app string, groups []*hostGroup, servers []server) ([]*publication, []string, time.Duration, error) {
	var after time.Duration
	var published []string
	pubs := make([]*publication, len(groups))
	for i, g := range groups {
		if g.retired() {
			wait, err := r.retire(ctx, namespace, app, g)
			if err != nil {
				return nil, nil, 0, err
			}
			after = sooner(after, wait)
			continue
		}
		pub, err := r.publish(ctx, namespace, app, g, servers)
		if err != nil {
			return nil, nil, 0, err
		}
		pubs[i] = pub
		published = append(append(published, g.hostname), pub.regional...)
		for _, t := range g.targets {
			t.dns = pub.desiredOf(t)
		}
	}
	return pubs, published, after, nil
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// sooner is the earlier of two requeue delays, zero meaning none.
func sooner(a, b time.Duration) time.Duration {
	if a == 0 || b != 0 && b < a {
		return b
	}
	return a
}
