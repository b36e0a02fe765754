package traffic

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

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
