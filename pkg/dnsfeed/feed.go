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
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/dns"
	"github.com/convoy-rollouts/convoy/pkg/dnshealth"
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
	// Prober, when set, is the server's Config.Health: the feed gives it
	// the addresses of health-checked record sets to probe, and refreshes
	// the server's answers when it changes its mind. The feed stops it.
	Prober *dnshealth.Prober

	changed chan struct{}
	// renewed is when the Lease was last renewed, in Unix nanoseconds; 0
	// before the first renewal.
	renewed atomic.Int64
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
	if f.Prober != nil {
		defer f.Prober.Stop()
		go f.refreshOnHealthChanges(ctx)
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

// refreshOnHealthChanges rebuilds the server's answers each time an
// address changes health: straight from the prober to the server, so a
// failing endpoint leaves the answers even while the API server is out of
// reach or the feed is busy reporting.
func (f *Feed) refreshOnHealthChanges(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.Prober.Changed():
			f.Server.Refresh()
		}
	}
}

// Ready fails once the server has not renewed its Lease for longer than
// the lease duration: the traffic controller no longer counts it, so it
// may answer with records it will never see change; a readiness probe on
// it takes the replica out of its Service until it renews again. It is a
// healthz.Checker.
func (f *Feed) Ready(_ *http.Request) error {
	last := f.renewed.Load()
	if last == 0 {
		return fmt.Errorf("DNS server %s has not taken its lease %s/%s yet", f.Name, f.Namespace, f.Name)
	}
	if since := time.Since(time.Unix(0, last)); since > f.LeaseDuration {
		return fmt.Errorf("DNS server %s could not renew its lease %s/%s for %s, longer than the lease duration %s: it is cut off from the management cluster and its answers may be stale",
			f.Name, f.Namespace, f.Name, since.Round(time.Second), f.LeaseDuration)
	}
	return nil
}

func (f *Feed) poke() {
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

// sync swaps the record sets the server is authoritative for into it, has
// their addresses probed, and reports in each set's status the generation
// it now serves, or why it refuses it.
func (f *Feed) sync(ctx context.Context, logger logr.Logger) {
	list := &convoyv1alpha1.DNSRecordSetList{}
	if err := f.Cache.List(ctx, list); err != nil {
		logger.Error(err, "listing DNSRecordSets")
		return
	}
	owners := f.owners(list)
	sets := make([]dns.RecordSet, len(owners))
	var targets []dnshealth.Target
	for i, rs := range owners {
		sets[i], targets = recordSetOf(rs, targets)
	}
	if f.Prober != nil {
		f.Prober.Set(targets)
	}
	refused := map[int]string{}
	for _, r := range f.Server.Update(sets).Refused {
		rs := owners[r.Index]
		refused[r.Index] = r.Err.Error()
		logger.Error(r.Err, "refusing a record set; its hostname keeps the records served before, every other hostname is served",
			"dnsRecordSet", client.ObjectKeyFromObject(rs), "hostname", rs.Spec.Hostname, "generation", rs.Generation)
	}
	now := time.Now()
	for i, rs := range owners {
		if dnsrecords.Reported(rs, f.Name, refused[i]) {
			continue
		}
		if err := dnsrecords.Report(ctx, f.Client, rs, f.Name, now, refused[i]); err != nil {
			logger.Error(err, "reporting the served generation", "dnsRecordSet", client.ObjectKeyFromObject(rs))
		}
	}
}

// owners picks, for each hostname the server is authoritative for, the
// record set that owns it.
func (f *Feed) owners(list *convoyv1alpha1.DNSRecordSetList) []*convoyv1alpha1.DNSRecordSet {
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
	owners := make([]*convoyv1alpha1.DNSRecordSet, 0, len(hosts))
	for _, h := range hosts {
		owners = append(owners, dnsrecords.Owner(byHost[h]))
	}
	return owners
}

// recordSetOf converts a DNSRecordSet for the server, and appends the
// health checks of its addresses to targets. A set that does not convert
// goes to the server as Invalid, to be refused like any invalid set.
func recordSetOf(rs *convoyv1alpha1.DNSRecordSet, targets []dnshealth.Target) (dns.RecordSet, []dnshealth.Target) {
	set := dns.RecordSet{Hostname: rs.Spec.Hostname, TTL: uint32(rs.Spec.TTLSeconds), HealthChecked: rs.Spec.HealthCheck != nil, Fallback: rs.Spec.Fallback}
	host := dnsrecords.Normalize(rs.Spec.Hostname)
	var checks []dnshealth.Target
	for _, rec := range rs.Spec.Records {
		ep := dns.Endpoint{Cluster: rec.Cluster, Release: rec.Release, Hostname: rec.Target, Weight: uint32(max(rec.Weight, 0))}
		for _, a := range rec.Addresses {
			addr, err := netip.ParseAddr(a)
			if err != nil {
				return dns.RecordSet{Hostname: rs.Spec.Hostname, Invalid: fmt.Errorf("record %s: address %q: %w", rec.SetIdentifier, a, err)}, targets
			}
			ep.Addresses = append(ep.Addresses, addr)
			if hc := rs.Spec.HealthCheck; hc != nil {
				checks = append(checks, dnshealth.Target{Hostname: host, Addr: addr.Unmap(), Check: checkOf(hc, rec.Port)})
			}
		}
		set.Endpoints = append(set.Endpoints, ep)
	}
	return set, append(targets, checks...)
}

// checkOf is a record's health check, with the API's defaults for fields
// left out (a record set written without the API server's defaulting).
func checkOf(hc *convoyv1alpha1.DNSHealthCheck, recordPort int32) dnshealth.Check {
	orDefault := func(v, def int32) int32 {
		if v <= 0 {
			return def
		}
		return v
	}
	port := hc.Port
	if port == 0 {
		port = orDefault(recordPort, DefaultHealthCheckPort)
	}
	return dnshealth.Check{
		HTTP:      hc.Type == convoyv1alpha1.DNSHealthCheckHTTP,
		Path:      hc.Path,
		Port:      uint16(port),
		Interval:  time.Duration(orDefault(hc.IntervalSeconds, 5)) * time.Second,
		Timeout:   time.Duration(orDefault(hc.TimeoutSeconds, 2)) * time.Second,
		Threshold: int(orDefault(hc.FailureThreshold, 3)),
	}
}

// DefaultHealthCheckPort is probed when neither the health check nor the
// record names a port.
const DefaultHealthCheckPort = 80

// ZonesAnnotation is how a Lease lists zones.
func ZonesAnnotation(zones []string) string {
	normalized := make([]string, 0, len(zones))
	for _, z := range zones {
		normalized = append(normalized, dnsrecords.Normalize(z))
	}
	return strings.Join(normalized, ",")
}
