package dns

import (
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// downSet is a Health whose verdicts the test sets: the listed addresses
// fail their checks.
type downSet struct {
	mu      sync.Mutex
	down    map[netip.Addr]bool
	unknown map[netip.Addr]bool
}

func (d *downSet) Health(hostname string, addr netip.Addr) HealthState {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.unknown[addr]:
		return HealthUnknown
	case d.down[addr]:
		return Unhealthy
	}
	return Healthy
}

func (d *downSet) setUnknown(addrs ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.unknown = map[netip.Addr]bool{}
	for _, a := range addrs {
		d.unknown[netip.MustParseAddr(a)] = true
	}
}

func (d *downSet) set(addrs ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.down = map[netip.Addr]bool{}
	for _, a := range addrs {
		d.down[netip.MustParseAddr(a)] = true
	}
}

// Health-checked record sets answer only healthy addresses; an endpoint
// without one leaves the answers; when no endpoint has one, every endpoint
// answers as if healthy (Route53); sets not checked ignore health; and the
// convoy_dns_endpoint_healthy gauge follows.
func TestHealthChecks(t *testing.T) {
	health := &downSet{}
	reg := prometheus.NewRegistry()
	s, err := NewServer(Config{Zones: []string{"convoy.test"}, Health: health, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	eps := []Endpoint{
		{Cluster: "eu", Release: "web-1", Addresses: addrs("192.0.2.1", "192.0.2.2"), Weight: 1},
		{Cluster: "us", Release: "web-1", Addresses: addrs("192.0.2.3"), Weight: 1},
	}
	if err := s.Update([]RecordSet{
		{Hostname: "web.convoy.test", TTL: 5, HealthChecked: true, Endpoints: eps},
		{Hostname: "plain.convoy.test", TTL: 5, Endpoints: eps},
	}).Err(); err != nil {
		t.Fatal(err)
	}
	// answers are the sorted addresses answered over many queries.
	answers := func(name string) []string {
		seen := map[string]bool{}
		for range 200 {
			for _, rr := range serve(t, s, newQuery(name, dns.TypeA), false).Answer {
				seen[rr.(*dns.A).A.String()] = true
			}
		}
		var out []string
		for a := range seen {
			out = append(out, a)
		}
		slices.Sort(out)
		return out
	}
	gauge := func(cluster string) float64 {
		v, ok := gather(t, reg)[`convoy_dns_endpoint_healthy{cluster="`+cluster+`",hostname="web.convoy.test",release="web-1"}`]
		if !ok {
			return -1
		}
		return v
	}
	all := []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"}
	steps := []struct {
		name          string
		down, unknown []string
		want          []string // nil: SERVFAIL
		eu, us        float64
	}{
		{"all healthy", nil, nil, all, 1, 1},
		{"one address of eu down", []string{"192.0.2.1"}, nil, []string{"192.0.2.2", "192.0.2.3"}, 1, 1},
		{"eu down", []string{"192.0.2.1", "192.0.2.2"}, nil, []string{"192.0.2.3"}, 0, 1},
		{"everything down answers everything", all, nil, all, 0, 0},
		{"eu down and us not checked yet waits (SERVFAIL), never answering eu", []string{"192.0.2.1", "192.0.2.2"}, []string{"192.0.2.3"}, nil, 0, 0},
		{"an unchecked address beside a healthy one is not answered", nil, []string{"192.0.2.1"}, []string{"192.0.2.2", "192.0.2.3"}, 1, 1},
		{"back up", nil, nil, all, 1, 1},
	}
	for _, st := range steps {
		health.set(st.down...)
		health.setUnknown(st.unknown...)
		s.Refresh()
		if st.want == nil {
			if rc := serve(t, s, newQuery("web.convoy.test.", dns.TypeA), false).Rcode; rc != dns.RcodeServerFailure {
				t.Errorf("%s: rcode %s, want SERVFAIL", st.name, dns.RcodeToString[rc])
			}
		} else if got := answers("web.convoy.test."); !slices.Equal(got, st.want) {
			t.Errorf("%s: answers %q, want %q", st.name, got, st.want)
		}
		if got := answers("plain.convoy.test."); !slices.Equal(got, all) {
			t.Errorf("%s: a set without health checks answers %q, want %q", st.name, got, all)
		}
		if eu, us := gauge("eu"), gauge("us"); eu != st.eu || us != st.us {
			t.Errorf("%s: convoy_dns_endpoint_healthy eu %v us %v, want %v %v", st.name, eu, us, st.eu, st.us)
		}
	}
	// Unchecked sets export no health.
	if n := countPrefix(gather(t, reg), "convoy_dns_endpoint_healthy"); n != 2 {
		t.Errorf("%d health series, want 2 (the checked set's endpoints)", n)
	}
	// Unpublishing forgets the series.
	if err := s.Update(nil).Err(); err != nil {
		t.Fatal(err)
	}
	if n := countPrefix(gather(t, reg), "convoy_dns_endpoint_healthy"); n != 0 {
		t.Errorf("%d health series after unpublishing, want 0", n)
	}
}

// Refresh is a no-op when health changed nothing: the SOA serial stays.
func TestRefreshWithoutChange(t *testing.T) {
	s, err := NewServer(Config{Zones: []string{"convoy.test"}, Health: &downSet{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update([]RecordSet{{Hostname: "web.convoy.test", TTL: 5, HealthChecked: true,
		Endpoints: []Endpoint{{Cluster: "eu", Release: "r", Addresses: addrs("192.0.2.1"), Weight: 1}}}}).Err(); err != nil {
		t.Fatal(err)
	}
	before := s.snap.Load()
	s.Refresh()
	if s.snap.Load() != before {
		t.Error("Refresh without a change in health swapped the snapshot")
	}
}
