//go:build scale

package scale

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/miekg/dns"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// healthCheck is what every application's DNS traffic is checked with in
// the failover phase: every 2 s rather than the chaos suite's 1 s, since
// the manager checks every application in every cluster (1,000 × 3: 1,500
// checks a second).
var healthCheck = convoyv1alpha1.DNSHealthCheck{Type: convoyv1alpha1.DNSHealthCheckHTTP, Path: "/", IntervalSeconds: 2, FailureThreshold: 2, TimeoutSeconds: 1}

const (
	// dnsWorkers is how many DNS queries the sampler has in flight.
	dnsWorkers = 16
	// cleanRounds is how many answers in a row must leave out the failed
	// cluster before a hostname counts as failed over: each answer picks
	// one cluster by weight, so with 3 clusters a hostname still answered
	// there passes 15 answers without it once in 440.
	cleanRounds = 15
	// failBound bounds the endpoint failure, should the run die before it
	// restores it: the environment ends it by itself.
	failBound = 5 * time.Minute
)

// failover publishes every application under a health-checked hostname
// (a new revision: a LoadBalancer Service, DNS traffic, one step at full
// capacity and traffic), fails the endpoints of the run's last cluster and
// measures until the manager's DNS server answers no address there for any
// hostname; then restores them and measures until every hostname is
// answered there again.
func (r *run) failover(earlier ...map[string]string) {
	b := r.b
	if len(r.clusters) < 2 {
		r.report.add("failover: no DNS answer into the failed cluster", "n/a", "needs 2 clusters or more", verdictNA)
		return
	}
	mc := r.env.ManagementClient(b)
	hosts := make([]string, r.cfg.apps)
	err := parallel(context.Background(), applyWorkers, r.cfg.apps, func(ctx context.Context, i int) error {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		hosts[i] = fmt.Sprintf("%s.%s.%s", appName(i), r.ns, zone)
		patch, err := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{
			"values":  map[string]any{"replicas": replicas, "greeting": "published", "service": map[string]any{"type": "LoadBalancer"}},
			"traffic": convoyv1alpha1.TrafficSpec{DNS: &convoyv1alpha1.DNSTraffic{Hostname: hosts[i], TTLSeconds: 1, HealthCheck: &healthCheck}},
			"strategy": map[string]any{"preset": nil, "steps": []convoyv1alpha1.StrategyStep{{Name: "full",
				Capacity: convoyv1alpha1.CapacitySplit{Contender: 100}, Traffic: convoyv1alpha1.TrafficSplit{Contender: 100}}}},
		}}})
		if err != nil {
			return err
		}
		return mc.Patch(ctx, &convoyv1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: r.ns, Name: appName(i)}}, rawMerge(patch))
	})
	if err != nil {
		b.Fatalf("publishing the applications under DNS hostnames: %v", err)
	}
	r.tracker.await(b, "published releases Complete", r.cfg.apps, func() found {
		return r.tracker.releases(func(rel *releaseTimes) time.Time { return rel.complete }, earlier...)
	})

	subnets := map[string]netip.Prefix{}
	for i, s := range r.env.LoadBalancerSubnets() {
		subnets[r.env.Clusters[i].Name] = netip.MustParsePrefix(s)
	}
	s := &sampler{server: r.m.DNS, hosts: hosts, client: &dns.Client{Net: "udp", Timeout: 500 * time.Millisecond}}
	failing := r.clusters[len(r.clusters)-1].Name
	// Every hostname answered in every cluster first: published and
	// healthy everywhere.
	for _, c := range r.clusters {
		if _, ok := s.untilEveryAnswered(subnets[c.Name], r.cfg.timeout); !ok {
			b.Fatalf("failover: not every hostname was answered in cluster %s within %s", c.Name, r.cfg.timeout)
		}
	}

	if err := r.env.FailEndpointsFor(failing, failBound); err != nil {
		b.Fatal(err)
	}
	failedAt := time.Now()
	restored := false
	restore := func() {
		if !restored {
			restored = true
			if err := r.env.FailEndpoints(failing, false); err != nil {
				b.Errorf("restoring the endpoints of cluster %s: %v", failing, err)
			}
		}
	}
	b.Cleanup(restore)
	b.Logf("failover: endpoints of cluster %s failed", failing)
	lastBad, ok := s.untilNoneAnswered(subnets[failing], r.cfg.timeout)
	restore()
	restoredAt := time.Now()
	back, backOK := s.untilEveryAnswered(subnets[failing], r.cfg.timeout)

	took := latest(lastBad).Sub(failedAt)
	if took < 0 {
		took = 0 // no answer pointed there after the failure
	}
	value := fmtDur(took)
	if !ok {
		value = fmt.Sprintf("> %s (some hostnames still answered there)", r.cfg.timeout)
	}
	r.report.add(fmt.Sprintf("failover: no DNS answer into %s (endpoints failed)", failing), value,
		fmt.Sprintf("(report; checks every %ds, %d failures)", healthCheck.IntervalSeconds, healthCheck.FailureThreshold), verdictNA)
	value = fmtDur(latest(back).Sub(restoredAt))
	if !backOK {
		value = fmt.Sprintf("> %s (some hostnames not answered there)", r.cfg.timeout)
	}
	r.report.add("  restored: every hostname answered there again", value, "(report)", verdictNA)
	b.ReportMetric(took.Seconds(), "s-failover")
}

// sampler asks the manager's DNS server for every hostname, in rounds.
type sampler struct {
	server string
	hosts  []string
	client *dns.Client
}

// round asks once for every hostname and tells, for each, whether the
// answer had an address in subnet (answered false on no answer).
func (s *sampler) round(subnet netip.Prefix) (in []bool, answered []bool, at []time.Time) {
	in, answered, at = make([]bool, len(s.hosts)), make([]bool, len(s.hosts)), make([]time.Time, len(s.hosts))
	_ = parallel(context.Background(), dnsWorkers, len(s.hosts), func(_ context.Context, i int) error {
		q := new(dns.Msg)
		q.SetQuestion(dns.Fqdn(s.hosts[i]), dns.TypeA)
		resp, _, err := s.client.Exchange(q, s.server)
		at[i] = time.Now()
		if err != nil || resp.Rcode != dns.RcodeSuccess {
			return nil
		}
		answered[i] = true
		for _, rr := range resp.Answer {
			if a, ok := rr.(*dns.A); ok {
				if addr, ok := netip.AddrFromSlice(a.A); ok && subnet.Contains(addr.Unmap()) {
					in[i] = true
				}
			}
		}
		return nil
	})
	return in, answered, at
}

// untilEveryAnswered asks until every hostname has been answered with an
// address in subnet at least once, within timeout, and returns when each
// first was.
func (s *sampler) untilEveryAnswered(subnet netip.Prefix, timeout time.Duration) ([]time.Time, bool) {
	first := make([]time.Time, len(s.hosts))
	left := len(s.hosts)
	for deadline := time.Now().Add(timeout); left > 0; {
		if time.Now().After(deadline) {
			return first, false
		}
		in, _, at := s.round(subnet)
		for i := range s.hosts {
			if in[i] && first[i].IsZero() {
				first[i] = at[i]
				left--
			}
		}
	}
	return first, true
}

// untilNoneAnswered asks until every hostname's last cleanRounds answers
// left subnet out, within timeout, and returns when each was last
// answered there.
func (s *sampler) untilNoneAnswered(subnet netip.Prefix, timeout time.Duration) ([]time.Time, bool) {
	last := make([]time.Time, len(s.hosts))
	clean := make([]int, len(s.hosts))
	for deadline := time.Now().Add(timeout); ; {
		in, answered, at := s.round(subnet)
		done := true
		for i := range s.hosts {
			switch {
			case in[i]:
				last[i], clean[i] = at[i], 0
			case answered[i]:
				clean[i]++
			}
			done = done && clean[i] >= cleanRounds
		}
		if done {
			return last, true
		}
		if time.Now().After(deadline) {
			return last, false
		}
	}
}
