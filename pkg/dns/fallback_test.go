package dns

import (
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// A regional name answers only its own endpoints, and a CNAME to the
// global name whenever none of them can answer: all failing their checks,
// their health not known yet, or none published. Real queries over UDP and
// TCP.
func TestFallbackToTheGlobalName(t *testing.T) {
	health := &downSet{}
	s, err := NewServer(Config{Zones: []string{"convoy.test"}, Health: health})
	if err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, s)
	eu := []Endpoint{{Cluster: "eu-1", Release: "web-1", Addresses: addrs("192.0.2.1"), Weight: 1}, {Cluster: "eu-2", Release: "web-1", Addresses: addrs("192.0.2.2"), Weight: 1}}
	us := []Endpoint{{Cluster: "us-1", Release: "web-1", Addresses: addrs("192.0.2.3"), Weight: 1}}
	update := func(euEndpoints []Endpoint) {
		t.Helper()
		if err := s.Update([]RecordSet{
			{Hostname: "web.convoy.test", TTL: 5, HealthChecked: true, Endpoints: append(slices.Clone(euEndpoints), us...)},
			{Hostname: "web.eu-west.convoy.test", TTL: 5, HealthChecked: true, Endpoints: euEndpoints, Fallback: "web.convoy.test"},
			{Hostname: "web.us-east.convoy.test", TTL: 5, HealthChecked: true, Endpoints: us, Fallback: "web.convoy.test"},
		}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	answers := func(name, network string) string {
		seen := map[string]bool{}
		for range 50 {
			r := exchange(t, addr, network, newQuery(dns.Fqdn(name), dns.TypeA))
			if r.Rcode != dns.RcodeSuccess {
				t.Fatalf("%s over %s: %s", name, network, dns.RcodeToString[r.Rcode])
			}
			for _, rr := range r.Answer {
				switch rr := rr.(type) {
				case *dns.A:
					seen[rr.A.String()] = true
				case *dns.CNAME:
					seen["CNAME "+rr.Target] = true
				}
			}
		}
		out := make([]string, 0, len(seen))
		for k := range seen {
			out = append(out, k)
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	update(eu)
	for _, network := range []string{"udp", "tcp"} {
		if got := answers("web.eu-west.convoy.test", network); got != "192.0.2.1 192.0.2.2" {
			t.Errorf("eu-west over %s, healthy: %s, want only eu-west's addresses", network, got)
		}
		if got := answers("web.us-east.convoy.test", network); got != "192.0.2.3" {
			t.Errorf("us-east over %s: %s, want only us-east's address", network, got)
		}
	}

	// One eu-west endpoint fails: the other answers.
	health.set("192.0.2.1")
	s.Refresh()
	if got := answers("web.eu-west.convoy.test", "udp"); got != "192.0.2.2" {
		t.Errorf("eu-west with 192.0.2.1 down: %s, want 192.0.2.2", got)
	}
	// Every eu-west endpoint fails: the regional name falls back to the
	// global one, which answers from us-east (the global name keeps the
	// Route53 rule, and us-east is healthy).
	health.set("192.0.2.1", "192.0.2.2")
	s.Refresh()
	for _, network := range []string{"udp", "tcp"} {
		if got := answers("web.eu-west.convoy.test", network); !strings.HasPrefix(got, "CNAME web.convoy.test.") {
			t.Errorf("eu-west over %s, all down: %s, want a CNAME to web.convoy.test.", network, got)
		}
	}
	if got := answers("web.convoy.test", "udp"); got != "192.0.2.3" {
		t.Errorf("global name with eu-west down: %s, want us-east's 192.0.2.3", got)
	}
	// Health not known yet: the CNAME, not SERVFAIL.
	health.set()
	health.setUnknown("192.0.2.1", "192.0.2.2")
	s.Refresh()
	if got := answers("web.eu-west.convoy.test", "udp"); !strings.HasPrefix(got, "CNAME web.convoy.test.") {
		t.Errorf("eu-west, health unknown: %s, want the CNAME", got)
	}
	// No endpoint published in the region at all.
	health.setUnknown()
	update(nil)
	if got := answers("web.eu-west.convoy.test", "udp"); !strings.HasPrefix(got, "CNAME web.convoy.test.") {
		t.Errorf("eu-west without endpoints: %s, want the CNAME", got)
	}
}

func TestFallbackValidation(t *testing.T) {
	s, err := NewServer(Config{Zones: []string{"convoy.test"}})
	if err != nil {
		t.Fatal(err)
	}
	ep := []Endpoint{{Addresses: addrs("192.0.2.1"), Weight: 1}}
	res := s.Update([]RecordSet{
		{Hostname: "loop.convoy.test", TTL: 5, Endpoints: ep, Fallback: "LOOP.convoy.test."},
		{Hostname: "convoy.test", TTL: 5, Endpoints: ep, Fallback: "web.convoy.test"},
		{Hostname: "bad.convoy.test", TTL: 5, Endpoints: ep, Fallback: "not a name"},
	})
	if len(res.Refused) != 3 {
		t.Fatalf("refused %+v, want all three", res.Refused)
	}
	for i, want := range []string{"falls back to itself", "a fallback CNAME at a zone apex", "invalid fallback"} {
		if !strings.Contains(res.Refused[i].Err.Error(), want) {
			t.Errorf("set %d refused with %v, want %q", i, res.Refused[i].Err, want)
		}
	}
}
