// Package dnsprobe measures the traffic split clients see: it resolves an
// application's hostname against a DNS server many times, as clients
// would, and attributes each answer to the release whose load balancer the
// address belongs to (from the hostname's DNSRecordSet). The demo and the
// end-to-end tests print and check it against the step's split.
package dnsprobe

import (
	"context"
	"fmt"
	"time"

	"github.com/miekg/dns"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/dnsrecords"
)

// Unknown counts answers naming an address no record of the hostname has.
const Unknown = "(unknown)"

// Shares are answers counted by release.
type Shares struct {
	Total     int
	ByRelease map[string]int
	// ByCluster counts each cluster's answers by release.
	ByCluster map[string]map[string]int
}

// Owner is who an address belongs to: a release in a cluster.
type Owner struct{ Release, Cluster string }

// Percent is the release's share of the answers.
func (s Shares) Percent(release string) float64 {
	if s.Total == 0 {
		return 0
	}
	return 100 * float64(s.ByRelease[release]) / float64(s.Total)
}

// Measure sends n A queries for hostname to server over UDP, one at a time,
// and counts the answers by release and cluster. owners maps addresses to
// their owners.
func Measure(ctx context.Context, server, hostname string, n int, owners map[string]Owner) (Shares, error) {
	c := &dns.Client{Timeout: 2 * time.Second}
	s := Shares{ByRelease: map[string]int{}, ByCluster: map[string]map[string]int{}}
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(hostname), dns.TypeA)
	q.RecursionDesired = false
	for range n {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		in, _, err := c.ExchangeContext(ctx, q, server)
		if err != nil {
			return s, fmt.Errorf("asking %s for %s: %w", server, hostname, err)
		}
		if in.Rcode != dns.RcodeSuccess {
			return s, fmt.Errorf("%s answers %s for %s", server, dns.RcodeToString[in.Rcode], hostname)
		}
		owner := Owner{Release: Unknown, Cluster: Unknown}
		for _, rr := range in.Answer {
			if a, ok := rr.(*dns.A); ok {
				if o, ok := owners[a.A.String()]; ok {
					owner = o
				}
				break
			}
		}
		s.ByRelease[owner.Release]++
		if s.ByCluster[owner.Cluster] == nil {
			s.ByCluster[owner.Cluster] = map[string]int{}
		}
		s.ByCluster[owner.Cluster][owner.Release]++
		s.Total++
	}
	return s, nil
}

// Owners reads which release each address of the hostname's records
// belongs to, from the application's DNSRecordSet.
func Owners(ctx context.Context, c client.Reader, namespace, hostname string) (map[string]Owner, error) {
	rs := &convoyv1alpha1.DNSRecordSet{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: dnsrecords.Normalize(hostname)}, rs); err != nil {
		return nil, fmt.Errorf("reading the DNSRecordSet of %s: %w", hostname, err)
	}
	owners := map[string]Owner{}
	for _, rec := range rs.Spec.Records {
		for _, a := range rec.Addresses {
			owners[a] = Owner{Release: rec.Release, Cluster: rec.Cluster}
		}
	}
	return owners, nil
}
