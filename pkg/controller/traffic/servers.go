package traffic

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/dnsrecords"
	"github.com/convoy-rollouts/convoy/pkg/rolloutblock"
)

// server is a live convoy DNS server, known by the Lease it renews.
type server struct {
	name  string
	zones []string
	// namespaces it serves the records of; nil for every namespace.
	namespaces []string
}

// liveServers are the DNS servers whose Lease, in the DNS lease namespace
// and nowhere else, has not lapsed: a tenant that may write Leases in its
// own namespace cannot pose as a DNS server and stall every rollout.
func (r *Reconciler) liveServers(ctx context.Context) ([]server, error) {
	leases := &coordinationv1.LeaseList{}
	ns := r.LeaseNamespace
	if ns == "" {
		ns = rolloutblock.DefaultGlobalNamespace // never every namespace
	}
	if err := r.List(ctx, leases, client.InNamespace(ns), client.HasLabels{convoyv1alpha1.LabelDNSServer}); err != nil {
		return nil, fmt.Errorf("listing the DNS servers' leases in namespace %s: %w", ns, err)
	}
	now := r.now()
	var live []server
	for _, l := range leases.Items {
		if l.Spec.RenewTime == nil || l.Spec.LeaseDurationSeconds == nil {
			continue
		}
		if now.After(l.Spec.RenewTime.Add(time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second)) {
			continue
		}
		s := server{name: l.Name}
		for _, z := range strings.Split(l.Annotations[convoyv1alpha1.AnnotationDNSZones], ",") {
			if z = dnsrecords.Normalize(strings.TrimSpace(z)); z != "" {
				s.zones = append(s.zones, z)
			}
		}
		if ns := l.Annotations[convoyv1alpha1.AnnotationDNSNamespaces]; ns != "" {
			s.namespaces = strings.Split(ns, ",")
		}
		live = append(live, s)
	}
	slices.SortFunc(live, func(a, b server) int { return strings.Compare(a.name, b.name) })
	return live, nil
}

// serves reports whether the server answers for hostname with the
// records of namespace.
func (s server) serves(namespace, hostname string) bool {
	return (s.namespaces == nil || slices.Contains(s.namespaces, namespace)) && s.authoritative(hostname)
}

// authoritative reports whether the server answers for hostname.
func (s server) authoritative(hostname string) bool {
	for _, z := range s.zones {
		if hostname == z || strings.HasSuffix(hostname, "."+z) {
			return true
		}
	}
	return false
}

// serverRecheck is how often the live servers are worked out again with no
// Lease event: a lease lapses without one.
const serverRecheck = time.Second

// serverChanges is a source that reconciles every application with
// records when the set of live DNS servers changes: one comes, one's lease
// lapses, one changes zones or namespaces. Each server renews its Lease
// every few seconds; reconciling every application on each renewal kept a
// manager with a thousand applications busy while nothing changed.
func (r *Reconciler) serverChanges(informers cache.Informers) source.Source {
	return source.Func(func(ctx context.Context, queue workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		informer, err := informers.GetInformer(ctx, &coordinationv1.Lease{})
		if err != nil {
			return err
		}
		poke := make(chan struct{}, 1)
		nudge := func(any) {
			select {
			case poke <- struct{}{}:
			default:
			}
		}
		if _, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc: nudge, UpdateFunc: func(_, o any) { nudge(o) }, DeleteFunc: nudge,
		}); err != nil {
			return err
		}
		go func() {
			tick := time.NewTicker(serverRecheck)
			defer tick.Stop()
			last := ""
			for {
				select {
				case <-ctx.Done():
					return
				case <-poke:
				case <-tick.C:
				}
				servers, err := r.liveServers(ctx)
				if err != nil {
					continue // the cache is not ready; the next tick tries again
				}
				if now := fmt.Sprint(servers); now != last {
					last = now
					for _, req := range r.applicationsWithRecords(ctx) {
						queue.Add(req)
					}
				}
			}
		}()
		return nil
	})
}
