// Package dnsfeed feeds convoy's DNS server from the management cluster.
// It watches DNSRecordSets with an informer and swaps each new set of
// records into the server, reports in each record set's status the
// generation the server serves and since when, and holds a Lease that
// tells the traffic controller the server is alive and which zones it
// answers for. It keeps no state of its own: a replica that starts reads
// everything from the API server, and one that loses the API server goes
// on serving the last records it saw.
package dnsfeed

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/dns"
	"github.com/convoy-rollouts/convoy/pkg/dnsrecords"
)

// resync is how often the feed rebuilds and re-reports without an event,
// so a status write that failed is retried.
const resync = 30 * time.Second

// Feed keeps one DNS server's records in step with the DNSRecordSets.
type Feed struct {
	Server *dns.Server
	Client client.Client
	// APIReader reads the server's own Lease past any cache.
	APIReader client.Reader
	Cache     cache.Cache
	// Name identifies the server: its Lease's name and its entry in the
	// record sets' status.
	Name string
	// Namespace holds the Lease.
	Namespace string
	// Zones the server is authoritative for, announced on the Lease.
	Zones []string
	// Namespaces limits the record sets served to these namespaces, also
	// announced on the Lease; empty means every namespace.
	Namespaces []string
	// LeaseDuration is how long the server counts as alive after a renewal;
	// it renews three times per duration.
	LeaseDuration time.Duration

	changed chan struct{}
}

// NeedLeaderElection is false: every replica serves DNS.
func (f *Feed) NeedLeaderElection() bool { return false }

// Start feeds the server until ctx ends, then gives up its Lease so the
// traffic controller stops waiting for it at once.
func (f *Feed) Start(ctx context.Context) error {
	logger := log.FromContext(ctx).WithValues("dnsServer", f.Name)
	f.changed = make(chan struct{}, 1)
	informer, err := f.Cache.GetInformer(ctx, &convoyv1alpha1.DNSRecordSet{})
	if err != nil {
		return fmt.Errorf("watching DNSRecordSets: %w", err)
	}
	notify := func(any) { f.poke() }
	if _, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: notify, DeleteFunc: notify, UpdateFunc: func(_, o any) { notify(o) },
	}); err != nil {
		return err
	}
	if !f.Cache.WaitForCacheSync(ctx) {
		return fmt.Errorf("the DNSRecordSet cache did not sync")
	}
	lease := &lease{feed: f}
	defer lease.release(logger)
	renew := time.NewTicker(f.LeaseDuration / 3)
	defer renew.Stop()
	tick := time.NewTicker(resync)
	defer tick.Stop()
	// The server serves the records before the lease says it is alive, so
	// it never announces records it does not have.
	f.sync(ctx, logger)
	lease.renew(ctx, logger)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-f.changed:
			f.sync(ctx, logger)
		case <-renew.C:
			lease.renew(ctx, logger)
		case <-tick.C:
			f.sync(ctx, logger)
		}
	}
}

func (f *Feed) poke() {
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

// sync swaps the record sets the server is authoritative for into it, and
// reports the generations it now serves.
func (f *Feed) sync(ctx context.Context, logger logr.Logger) {
	list := &convoyv1alpha1.DNSRecordSetList{}
	if err := f.Cache.List(ctx, list); err != nil {
		logger.Error(err, "listing DNSRecordSets")
		return
	}
	served, sets := f.owners(list, logger)
	if _, err := f.Server.Update(sets); err != nil {
		logger.Error(err, "updating the DNS server's records; it goes on serving the previous ones")
		return
	}
	now := time.Now()
	for _, rs := range served {
		if dnsrecords.Serving(rs, f.Name) {
			continue
		}
		if err := dnsrecords.ReportServed(ctx, f.Client, rs, f.Name, now); err != nil {
			logger.Error(err, "reporting the served generation", "dnsRecordSet", client.ObjectKeyFromObject(rs))
		}
	}
}

// owners picks, for each hostname the server is authoritative for, the
// record set that owns it, and converts it; a record set that cannot be
// served is logged and left out rather than holding up the others.
func (f *Feed) owners(list *convoyv1alpha1.DNSRecordSetList, logger logr.Logger) ([]*convoyv1alpha1.DNSRecordSet, []dns.RecordSet) {
	byHost := map[string][]*convoyv1alpha1.DNSRecordSet{}
	for i := range list.Items {
		rs := &list.Items[i]
		if rs.Spec.Provider != convoyv1alpha1.DNSProviderConvoy || !f.Server.Authoritative(rs.Spec.Hostname) ||
			len(f.Namespaces) > 0 && !slices.Contains(f.Namespaces, rs.Namespace) {
			continue
		}
		host := dnsrecords.Normalize(rs.Spec.Hostname)
		byHost[host] = append(byHost[host], rs)
	}
	hosts := make([]string, 0, len(byHost))
	for h := range byHost {
		hosts = append(hosts, h)
	}
	slices.Sort(hosts)
	var served []*convoyv1alpha1.DNSRecordSet
	var sets []dns.RecordSet
	for _, h := range hosts {
		rs := dnsrecords.Owner(byHost[h])
		set, err := recordSetOf(rs)
		if err != nil {
			logger.Error(err, "not serving a record set", "dnsRecordSet", client.ObjectKeyFromObject(rs))
			continue
		}
		served = append(served, rs)
		sets = append(sets, set)
	}
	return served, sets
}

// recordSetOf converts a DNSRecordSet for the server.
func recordSetOf(rs *convoyv1alpha1.DNSRecordSet) (dns.RecordSet, error) {
	set := dns.RecordSet{Hostname: rs.Spec.Hostname, TTL: uint32(rs.Spec.TTLSeconds)}
	for _, rec := range rs.Spec.Records {
		ep := dns.Endpoint{Cluster: rec.Cluster, Release: rec.Release, Hostname: rec.Target, Weight: uint32(max(rec.Weight, 0))}
		for _, a := range rec.Addresses {
			addr, err := netip.ParseAddr(a)
			if err != nil {
				return dns.RecordSet{}, fmt.Errorf("record %s of %s: address %q: %w", rec.SetIdentifier, rs.Spec.Hostname, a, err)
			}
			ep.Addresses = append(ep.Addresses, addr)
		}
		set.Endpoints = append(set.Endpoints, ep)
	}
	return set, nil
}

// ZonesAnnotation is how a Lease lists zones.
func ZonesAnnotation(zones []string) string {
	normalized := make([]string, 0, len(zones))
	for _, z := range zones {
		normalized = append(normalized, dnsrecords.Normalize(z))
	}
	return strings.Join(normalized, ",")
}
