package traffic

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/dnsrecords"
	"github.com/convoy-rollouts/convoy/pkg/hostgrant"
	"github.com/convoy-rollouts/convoy/strategies"
)

// Reasons about a hostname's records as a whole.
const (
	ReasonPublished        = "Published"
	ReasonPublishing       = "Publishing"
	ReasonWaitingForTTL    = "WaitingForTTL"
	ReasonNoDNSServer      = "NoDNSServer"
	ReasonOutsideZones     = "HostnameOutsideZones"
	ReasonHostnameConflict = "HostnameConflict"
	ReasonKeepingLastGood  = "KeepingLastGoodRecords"
	ReasonInvalidTraffic   = "InvalidTraffic"
	// ReasonRecordSetRefused: a DNS server refuses the record set as
	// invalid (such as a CNAME at a zone apex) and keeps answering the
	// hostname with what it served before.
	ReasonRecordSetRefused = "RecordSetRefused"
)

// publication is what publish did for one hostname.
type publication struct {
	// desired weights by set identifier, after the health gate.
	desired map[string]int32
	// verdicts say why a (cluster, release) by set identifier gets none.
	verdicts map[string]verdict
	// records as stored now; nil when none are.
	records *convoyv1alpha1.DNSRecordSet
	// served: every required server serves records' generation, since.
	served  bool
	since   time.Time
	missing []string
	// problem is about the hostname as a whole.
	problem verdict
	// regional are the hostname's regional names, published beside it.
	regional []string
	ttl      time.Duration
}

// publish works out the hostname's weights and writes them, unless the
// hostname cannot be published (another application owns it, no DNS
// server is authoritative for it) or nothing is healthy (then the last good
// records stay).
func (r *Reconciler) publish(ctx context.Context, namespace, app string, g *hostGroup, servers []server) (*publication, error) {
	pub := &publication{desired: map[string]int32{}, verdicts: map[string]verdict{}, ttl: time.Duration(g.dns.TTLSeconds) * time.Second}
	endpoints, releases := r.observe(ctx, g.targets, pub.verdicts, func(ctx context.Context, cluster string, t *target) (endpoint, verdict) {
		return r.endpointIn(ctx, cluster, t.rel)
	})

	existing, err := r.recordSet(ctx, namespace, app, g.hostname)
	if err != nil {
		return nil, err
	}
	pub.records = existing
	if pub.problem, err = r.claim(ctx, namespace, app, g.hostname); err != nil || !pub.problem.ok() {
		return pub, err
	}
	provider := providerOf(g.dns)
	required, problem := requiredServers(provider, namespace, g.hostname, servers)
	pub.problem = problem
	if problem.stalled {
		return pub, nil
	}

	units := int64(strategies.DNSUnits)
	if provider == convoyv1alpha1.DNSProviderExternalDNS {
		units = strategies.Route53Units
	}
	weights, err := gatedWeights(units, releases, frozenWeights(g.targets, pub.verdicts, existing, endpoints))
	if err != nil {
		pub.problem = verdict{reason: ReasonInvalidTraffic, message: err.Error(), stalled: true}
		return pub, nil
	}
	spec := convoyv1alpha1.DNSRecordSetSpec{Hostname: g.hostname, TTLSeconds: g.dns.TTLSeconds, Provider: provider, HealthCheck: g.dns.HealthCheck}
	for i, t := range g.targets {
		for j, c := range t.tt.Spec.Clusters {
			id := setIdentifier(c.Name, t.rel.Name)
			w := int32(weights[i][j])
			pub.desired[id] = w
			if w > 0 {
				ep := endpoints[id]
				spec.Records = append(spec.Records, convoyv1alpha1.DNSRecord{
					SetIdentifier: id, Cluster: c.Name, Release: t.rel.Name, Addresses: ep.addresses, Target: ep.target, Port: ep.port, Weight: w,
				})
			}
		}
	}
	regional, problem, err := r.publishRegional(ctx, namespace, app, g, spec)
	pub.regional = regional
	if err != nil || !problem.ok() {
		pub.problem = problem
		return pub, err
	}
	if len(spec.Records) == 0 {
		// Route53 answers a group of zero weights with an equal split, and
		// an empty set is an outage: keep what was published last.
		if pub.problem.ok() {
			pub.problem = verdict{reason: ReasonKeepingLastGood,
				message: fmt.Sprintf("no release of %s has a healthy endpoint: the records published last stay until one has", g.hostname)}
		}
	} else {
		slices.SortFunc(spec.Records, func(a, b convoyv1alpha1.DNSRecord) int { return strings.Compare(a.SetIdentifier, b.SetIdentifier) })
		if pub.records, err = r.writeRecordSet(ctx, namespace, app, existing, spec); err != nil {
			return nil, err
		}
	}
	if pub.records == nil {
		return pub, nil
	}
	if provider == convoyv1alpha1.DNSProviderExternalDNS {
		if err := r.syncDNSEndpoint(ctx, app, pub.records); err != nil {
			return nil, err
		}
	}
	pub.served, pub.since, pub.missing = dnsrecords.Served(pub.records, required)
	if v := refusedVerdict(pub.records, required); !v.ok() && pub.problem.ok() {
		pub.problem = v
	}
	return pub, nil
}

// refusedVerdict is the verdict on a record set whose current generation
// required DNS servers refuse, the zero verdict when none does. Nothing
// but new records changes it, so it stalls.
func refusedVerdict(rs *convoyv1alpha1.DNSRecordSet, required []string) verdict {
	refusals := dnsrecords.Refusals(rs, required)
	if len(refusals) == 0 {
		return verdict{}
	}
	var names []string
	for _, r := range refusals {
		names = append(names, r.Name)
	}
	return verdict{reason: ReasonRecordSetRefused, stalled: true,
		message: fmt.Sprintf("DNS server %s refuses generation %d of the records of %s, and answers it with the records it served before: %s",
			strings.Join(names, ", "), rs.Generation, rs.Spec.Hostname, refusals[0].Refused)}
}

// observe finds each (cluster, release)'s endpoint (with find: a load
// balancer for DNS, a backend Service for an HTTPRoute) and healthy
// capacity, and notes in verdicts why one may not carry weight. A cluster
// whose traffic target asks for no weight needs neither, but a Service
// that can never carry traffic is reported at once.
func (r *Reconciler) observe(ctx context.Context, targets []*target, verdicts map[string]verdict,
	find func(ctx context.Context, cluster string, t *target) (endpoint, verdict)) (map[string]endpoint, []strategies.ReleaseTraffic) {
	endpoints := map[string]endpoint{}
	releases := make([]strategies.ReleaseTraffic, 0, len(targets))
	for _, t := range targets {
		rt := strategies.ReleaseTraffic{Name: t.rel.Name}
		for _, c := range t.tt.Spec.Clusters {
			id := setIdentifier(c.Name, t.rel.Name)
			cc := capacityIn(t.ct, c.Name)
			cc.Weight = int64(c.Weight)
			if t.idle && c.Weight == 0 {
				rt.Clusters = append(rt.Clusters, cc)
				continue
			}
			ep, seen := find(ctx, c.Name, t)
			capacity, v := int64(0), seen
			if c.Weight > 0 {
				capacity, v = gate(t.ct, c.Name, publishedWeight(t.tt, c.Name) > 0, seen)
			}
			if seen.ok() {
				endpoints[id] = ep
			}
			if !v.ok() && (c.Weight > 0 || v.stalled) {
				verdicts[id] = v
				if !v.frozen {
					capacity = 0
				}
			}
			cc.Capacity = capacity
			rt.Clusters = append(rt.Clusters, cc)
		}
		releases = append(releases, rt)
	}
	return endpoints, releases
}

// capacityIn is what the release's capacity target says of a cluster: its
// full replica count and the pods it asks for now.
func capacityIn(ct *convoyv1alpha1.CapacityTarget, cluster string) strategies.ClusterCapacity {
	cc := strategies.ClusterCapacity{Name: cluster}
	if ct == nil {
		return cc
	}
	for _, c := range ct.Spec.Clusters {
		if c.Name == cluster {
			cc.Full, cc.Desired = int64(c.TotalReplicaCount), int64(strategies.Replicas(c.TotalReplicaCount, c.Percent))
		}
	}
	return cc
}

// recordSet is the application's record set of hostname, nil when none.
func (r *Reconciler) recordSet(ctx context.Context, namespace, app, hostname string) (*convoyv1alpha1.DNSRecordSet, error) {
	rs := &convoyv1alpha1.DNSRecordSet{}
	err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: hostname}, rs)
	if err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	return rs, nil
}

// conflict says whether another application owns the hostname: the
// oldest record set of a hostname owns it, in every namespace.
func (r *Reconciler) conflict(ctx context.Context, namespace, app, hostname string) (verdict, error) {
	list := &convoyv1alpha1.DNSRecordSetList{}
	if err := r.List(ctx, list, client.MatchingFields{dnsrecords.HostnameIndex: hostname}); err != nil {
		return verdict{}, fmt.Errorf("listing the DNSRecordSets of %s: %w", hostname, err)
	}
	sets := make([]*convoyv1alpha1.DNSRecordSet, 0, len(list.Items))
	for i := range list.Items {
		sets = append(sets, &list.Items[i])
	}
	owner := dnsrecords.Owner(sets)
	if owner == nil || owner.Namespace == namespace && owner.Labels[convoyv1alpha1.LabelApplication] == app {
		return verdict{}, nil
	}
	return verdict{reason: ReasonHostnameConflict, stalled: true,
		message: fmt.Sprintf("hostname %s is published by application %s/%s", hostname, owner.Namespace, owner.Labels[convoyv1alpha1.LabelApplication])}, nil
}

// claim is whether the application may publish name: the platform granted
// it to the namespace, and no other application's record set holds it.
func (r *Reconciler) claim(ctx context.Context, namespace, app, name string) (verdict, error) {
	if problem, err := r.granted(ctx, namespace, name); err != nil || !problem.ok() {
		return problem, err
	}
	return r.conflict(ctx, namespace, app, name)
}

// granted refuses a hostname the platform did not grant to the namespace
// (hostgrant), whichever provider publishes it, convoy's DNS servers or
// external-dns.
func (r *Reconciler) granted(ctx context.Context, namespace, hostname string) (verdict, error) {
	ns := &corev1.Namespace{}
	if err := r.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
		return verdict{}, fmt.Errorf("reading Namespace %s for the hostnames granted to it: %w", namespace, err)
	}
	if err := hostgrant.Check(hostname, hostgrant.For(namespace, ns.Annotations, r.DefaultAllowedHostnames)); err != nil {
		return verdict{reason: hostgrant.ReasonHostnameNotGranted, stalled: true, message: err.Error()}, nil
	}
	return verdict{}, nil
}

// requiredServers are the servers that must serve the records before they
// count as published: every live convoy DNS server authoritative for the
// hostname, or external-dns.
func requiredServers(provider convoyv1alpha1.DNSProvider, namespace, hostname string, servers []server) ([]string, verdict) {
	if provider == convoyv1alpha1.DNSProviderExternalDNS {
		return []string{externalDNS}, verdict{}
	}
	if len(servers) == 0 {
		return nil, verdict{reason: ReasonNoDNSServer,
			message: fmt.Sprintf("no convoy DNS server is running (none holds a lease labelled %s) to serve %s", convoyv1alpha1.LabelDNSServer, hostname)}
	}
	var names, zones []string
	for _, s := range servers {
		if s.serves(namespace, hostname) {
			names = append(names, s.name)
		}
		zones = append(zones, s.zones...)
	}
	if len(names) == 0 {
		slices.Sort(zones)
		return nil, verdict{reason: ReasonOutsideZones, stalled: true,
			message: fmt.Sprintf("hostname %s is in none of the zones convoy's DNS servers serve (%s)", hostname, strings.Join(slices.Compact(zones), ", "))}
	}
	return names, verdict{}
}

func providerOf(dns *convoyv1alpha1.DNSTraffic) convoyv1alpha1.DNSProvider {
	if dns.Provider == "" {
		return convoyv1alpha1.DNSProviderConvoy
	}
	return dns.Provider
}

// writeRecordSet creates or updates the application's record set. A new
// one is created only when no other application's set owns the hostname.
func (r *Reconciler) writeRecordSet(ctx context.Context, namespace, app string, existing *convoyv1alpha1.DNSRecordSet, spec convoyv1alpha1.DNSRecordSetSpec) (*convoyv1alpha1.DNSRecordSet, error) {
	if existing != nil {
		if equality.Semantic.DeepEqual(existing.Spec, spec) {
			return existing, nil
		}
		updated := existing.DeepCopy()
		updated.Spec = spec
		if err := r.Update(ctx, updated); err != nil {
			return nil, fmt.Errorf("updating DNSRecordSet %s/%s: %w", namespace, spec.Hostname, err)
		}
		return updated, nil
	}
	owner := &convoyv1alpha1.Application{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: app}, owner); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	rs := &convoyv1alpha1.DNSRecordSet{
		ObjectMeta: metav1.ObjectMeta{Name: spec.Hostname, Namespace: namespace, Labels: map[string]string{
			convoyv1alpha1.LabelApplication: app, convoyv1alpha1.LabelManagedBy: convoyv1alpha1.ManagedByConvoy,
		}},
		Spec: spec,
	}
	if err := controllerutil.SetControllerReference(owner, rs, r.Scheme()); err != nil {
		return nil, err
	}
	if err := r.Create(ctx, rs); err != nil {
		return nil, fmt.Errorf("creating DNSRecordSet %s/%s: %w", namespace, spec.Hostname, err)
	}
	return rs, nil
}

// prune deletes the application's record sets of hostnames none of its
// releases publish any more (keep names those it does).
func (r *Reconciler) prune(ctx context.Context, namespace, app string, keep []string) error {
	list := &convoyv1alpha1.DNSRecordSetList{}
	if err := r.List(ctx, list, client.InNamespace(namespace), client.MatchingLabels{convoyv1alpha1.LabelApplication: app}); err != nil {
		return err
	}
	for i := range list.Items {
		rs := &list.Items[i]
		if slices.Contains(keep, rs.Name) {
			continue
		}
		if err := r.Delete(ctx, rs); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting DNSRecordSet %s/%s: %w", namespace, rs.Name, err)
		}
	}
	return nil
}

// publishedWeight is the weight the target last reported as served.
func publishedWeight(tt *convoyv1alpha1.TrafficTarget, cluster string) int32 {
	for _, st := range tt.Status.Clusters {
		if st.Name == cluster {
			return st.PublishedWeight
		}
	}
	return 0
}

// desiredOf is the target's desired weight by cluster.
func (pub *publication) desiredOf(t *target) map[string]int32 {
	weights := map[string]int32{}
	for _, c := range t.tt.Spec.Clusters {
		weights[c.Name] = pub.desired[setIdentifier(c.Name, t.rel.Name)]
	}
	return weights
}
