package dns

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestNewServerErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no zone", Config{}, "Config.Zones is empty"},
		{"empty zone", Config{Zones: []string{""}}, `zone "": empty name`},
		{"root zone", Config{Zones: []string{"."}}, `zone ".": the root is not a hostname`},
		{"bad label", Config{Zones: []string{"con voy.test"}}, `zone "con voy.test": label "con voy" has character ' '`},
		{"double dot", Config{Zones: []string{"convoy..test"}}, `zone "convoy..test": empty label`},
		{"leading hyphen", Config{Zones: []string{"-convoy.test"}}, `label "-convoy" starts or ends with a hyphen`},
		{"long label", Config{Zones: []string{strings.Repeat("a", 64) + ".test"}}, "longer than 63 characters"},
		{"long name", Config{Zones: []string{strings.Repeat("abcdefghi.", 26) + "test"}}, "the DNS allows 253"},
		{"duplicate", Config{Zones: []string{"convoy.test.", "CONVOY.test"}}, `zone "convoy.test." is configured twice (as "convoy.test." and "CONVOY.test")`},
		{"bad nameserver", Config{Zones: []string{"convoy.test"}, Nameservers: []string{"ns_1..convoy.test"}}, `nameserver "ns_1..convoy.test": empty label`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewServer(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewServer: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestNameservers(t *testing.T) {
	s, err := NewServer(Config{Zones: []string{"a.test", "b.test"}, Nameservers: []string{"NS1.dns.example", "ns2.dns.example."}})
	if err != nil {
		t.Fatal(err)
	}
	for _, zone := range []string{"a.test.", "b.test."} {
		r := serve(t, s, newQuery(zone, dns.TypeNS), false)
		want := []string{zone + " 300 IN NS ns1.dns.example.", zone + " 300 IN NS ns2.dns.example."}
		if got := rrStrings(r.Answer); !slices.Equal(got, want) {
			t.Errorf("%s NS %q, want %q", zone, got, want)
		}
		r = serve(t, s, newQuery(zone, dns.TypeSOA), false)
		if soa, ok := r.Answer[0].(*dns.SOA); !ok || soa.Ns != "ns1.dns.example." || soa.Mbox != "hostmaster."+zone {
			t.Errorf("%s SOA %v, want mname ns1.dns.example. and rname hostmaster.%s", zone, r.Answer[0], zone)
		}
	}
}

func TestAuthoritative(t *testing.T) {
	s, err := NewServer(Config{Zones: []string{"convoy.test", "sub.other.test."}})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"convoy.test":            true,
		"CONVOY.TEST.":           true,
		"app.convoy.test":        true,
		"a.b.c.convoy.test.":     true,
		"x.sub.other.test":       true,
		"other.test":             false,
		"notconvoy.test":         false,
		"convoy.test.example":    false,
		"":                       false,
		"bad..convoy.test":       false,
		"test":                   false,
		"sub.other.test.convoy.": false,
	} {
		if got := s.Authoritative(name); got != want {
			t.Errorf("Authoritative(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestUpdateErrors(t *testing.T) {
	ep := Endpoint{Cluster: "eu-1", Release: "web-v2", Addresses: addrs("192.0.2.1"), Weight: 1}
	set := func(host string, eps ...Endpoint) RecordSet {
		return RecordSet{Hostname: host, TTL: 60, Endpoints: eps}
	}
	with := func(f func(*Endpoint)) Endpoint {
		e := ep
		f(&e)
		return e
	}
	tests := []struct {
		name string
		sets []RecordSet
		want string
	}{
		{"empty hostname", []RecordSet{set("", ep)}, `record set 1: invalid hostname "": empty name`},
		{"bad hostname", []RecordSet{set("web.convoy.test", ep), set("we b.convoy.test", ep)}, `record set 2: invalid hostname "we b.convoy.test"`},
		{"empty label", []RecordSet{set("web..convoy.test", ep)}, `invalid hostname "web..convoy.test": empty label`},
		{"both addresses and hostname", []RecordSet{set("web.convoy.test", ep, with(func(e *Endpoint) { e.Hostname = "lb.example.com" }))},
			`record set "web.convoy.test.": endpoint 1 (cluster "eu-1", release "web-v2"): both Addresses and Hostname "lb.example.com" are set`},
		{"neither addresses nor hostname", []RecordSet{set("web.convoy.test", with(func(e *Endpoint) { e.Addresses = nil }))},
			`record set "web.convoy.test.": endpoint 0 (cluster "eu-1", release "web-v2"): neither Addresses nor Hostname is set`},
		{"invalid address", []RecordSet{set("web.convoy.test", with(func(e *Endpoint) { e.Addresses = []netip.Addr{{}} }))},
			`endpoint 0 (cluster "eu-1", release "web-v2"): address 0 is the zero netip.Addr`},
		{"address with zone", []RecordSet{set("web.convoy.test", with(func(e *Endpoint) { e.Addresses = addrs("fe80::1%eth0") }))},
			`address fe80::1%eth0 has an IPv6 zone`},
		{"bad CNAME target", []RecordSet{set("web.convoy.test", with(func(e *Endpoint) { e.Addresses, e.Hostname = nil, "lb..example.com" }))},
			`record set "web.convoy.test.": endpoint 0 (cluster "eu-1", release "web-v2"): invalid Hostname "lb..example.com": empty label`},
		{"CNAME at the apex", []RecordSet{set("convoy.test", with(func(e *Endpoint) { e.Addresses, e.Hostname = nil, "lb.example.com" }))},
			`record set "convoy.test.": endpoint 0 (cluster "eu-1", release "web-v2"): CNAME target "lb.example.com" at a zone apex`},
		{"duplicate hostname", []RecordSet{set("web.convoy.test", ep), set("lb.convoy.test", ep), set("WEB.convoy.test.", ep)},
			`record sets 1 and 3 both publish hostname "web.convoy.test."`},
		{"TTL too large", []RecordSet{{Hostname: "web.convoy.test", TTL: 1 << 31, Endpoints: []Endpoint{ep}}}, `record set "web.convoy.test.": TTL 2147483648 is above the maximum`},
		{"too many addresses", []RecordSet{set("web.convoy.test", with(func(e *Endpoint) { e.Addresses = v6Range(maxAddresses + 1) }))},
			`endpoint 0 (cluster "eu-1", release "web-v2"): 4001 addresses`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFixtureServer(t, Config{})
			// Every test case refuses its last set; a valid set of
			// another name goes with it and must be served.
			other := set("other.convoy.test", with(func(e *Endpoint) { e.Addresses = addrs("192.0.2.99") }))
			sets := append([]RecordSet{other}, tt.sets...)
			res := s.Update(sets)
			if len(res.Refused) != 1 || !strings.Contains(res.Refused[0].Err.Error(), tt.want) {
				t.Fatalf("Update refused %v, want one refusal containing %q", res.Refused, tt.want)
			}
			if got := res.Refused[0]; got.Index != len(sets)-1 || got.Hostname != sets[len(sets)-1].Hostname {
				t.Errorf("refusal of set %d (%q), want the last, %d (%q)", got.Index, got.Hostname, len(sets)-1, sets[len(sets)-1].Hostname)
			}
			if res.Ignored != nil {
				t.Errorf("ignored %q", res.Ignored)
			}
			// The other hostname is served...
			r := serve(t, s, newQuery("other.convoy.test.", dns.TypeA), false)
			if got := rrStrings(r.Answer); len(got) != 1 || !strings.HasSuffix(got[0], "192.0.2.99") {
				t.Errorf("other.convoy.test. answers %q, want 192.0.2.99", got)
			}
			// ... and a refused web.convoy.test alone keeps its records.
			if len(tt.sets) > 1 || !strings.EqualFold(tt.sets[0].Hostname, "web.convoy.test") {
				return
			}
			r = serve(t, s, newQuery("web.convoy.test.", dns.TypeA), false)
			if len(r.Answer) != 2 {
				t.Errorf("after a refused update web.convoy.test. answers %v, want the old records", r.Answer)
			}
		})
	}
}

// A refused record set keeps its hostname's previous records only while it
// is refused: a valid version replaces them, and a hostname refused from
// the start is not served.
func TestRefusedSetKeepsPreviousRecords(t *testing.T) {
	s, err := NewServer(Config{Zones: []string{"convoy.test"}})
	if err != nil {
		t.Fatal(err)
	}
	good := RecordSet{Hostname: "a.convoy.test", TTL: 60, Endpoints: []Endpoint{{Cluster: "c", Release: "r1", Addresses: addrs("192.0.2.1"), Weight: 1}}}
	bad := RecordSet{Hostname: "a.convoy.test", TTL: 60, Invalid: errors.New("address \"x\" does not parse")}
	never := RecordSet{Hostname: "convoy.test", TTL: 60, Endpoints: []Endpoint{{Cluster: "c", Release: "r1", Hostname: "lb.example.com", Weight: 1}}}
	answer := func(name string) []string {
		return rrStrings(serve(t, s, newQuery(name, dns.TypeA), false).Answer)
	}
	if err := s.Update([]RecordSet{good}).Err(); err != nil {
		t.Fatal(err)
	}
	res := s.Update([]RecordSet{bad, never})
	if len(res.Refused) != 2 || !strings.Contains(res.Refused[0].Err.Error(), `record set "a.convoy.test.": address "x" does not parse`) ||
		!strings.Contains(res.Refused[1].Err.Error(), "CNAME target \"lb.example.com.\" at a zone apex") && !strings.Contains(res.Refused[1].Err.Error(), "at a zone apex") {
		t.Fatalf("refused %v", res.Refused)
	}
	if got := answer("a.convoy.test."); len(got) != 1 || !strings.HasSuffix(got[0], "192.0.2.1") {
		t.Errorf("a refused set's hostname answers %q, want its previous record", got)
	}
	if got := serve(t, s, newQuery("convoy.test.", dns.TypeCNAME), false).Answer; len(got) != 0 {
		t.Errorf("a hostname refused from the start answers %v", got)
	}
	good.Endpoints[0].Addresses = addrs("192.0.2.2")
	if err := s.Update([]RecordSet{good}).Err(); err != nil {
		t.Fatal(err)
	}
	if got := answer("a.convoy.test."); len(got) != 1 || !strings.HasSuffix(got[0], "192.0.2.2") {
		t.Errorf("after a valid update: %q, want 192.0.2.2", got)
	}
}

func TestUpdateIgnoredAndSerial(t *testing.T) {
	s, err := NewServer(Config{Zones: []string{"convoy.test."}})
	if err != nil {
		t.Fatal(err)
	}
	serial := func() uint32 {
		r := serve(t, s, newQuery("convoy.test.", dns.TypeSOA), false)
		return r.Answer[0].(*dns.SOA).Serial
	}
	s0 := serial()
	if now := uint32(time.Now().Unix()); s0 > now || now-s0 > 60 {
		t.Errorf("initial serial %d, want about the Unix time %d", s0, now)
	}

	a := RecordSet{Hostname: "a.convoy.test", TTL: 60, Endpoints: []Endpoint{
		{Cluster: "c1", Release: "r1", Addresses: addrs("192.0.2.1"), Weight: 1},
		{Cluster: "c2", Release: "r2", Addresses: addrs("192.0.2.2", "2001:db8::2"), Weight: 2},
	}}
	outside := RecordSet{Hostname: "Www.Example.com", Endpoints: []Endpoint{{}}} // invalid, but ignored before validation
	res := s.Update([]RecordSet{outside, a, {Hostname: "convoy.test.example"}})
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"Www.Example.com", "convoy.test.example"}; !slices.Equal(res.Ignored, want) {
		t.Errorf("ignored %q, want %q", res.Ignored, want)
	}
	s1 := serial()
	if s1 <= s0 {
		t.Errorf("serial %d after a change, want above %d", s1, s0)
	}

	// The same content in another order is no change.
	b := a
	b.Hostname = "A.CONVOY.TEST."
	b.Endpoints = []Endpoint{a.Endpoints[1], a.Endpoints[0]}
	if err := s.Update([]RecordSet{b}).Err(); err != nil {
		t.Fatal(err)
	}
	if s2 := serial(); s2 != s1 {
		t.Errorf("serial %d after a no-op Update, want %d", s2, s1)
	}

	// Any change in weight bumps it, even twice in the same second.
	b.Endpoints = slices.Clone(b.Endpoints)
	b.Endpoints[0].Weight = 3
	if err := s.Update([]RecordSet{b}).Err(); err != nil {
		t.Fatal(err)
	}
	s3 := serial()
	if s3 <= s1 {
		t.Errorf("serial %d after a weight change, want above %d", s3, s1)
	}
	if err := s.Update(nil).Err(); err != nil {
		t.Fatal(err)
	}
	if s4 := serial(); s4 <= s3 {
		t.Errorf("serial %d after unpublishing, want above %d", s4, s3)
	}
	if r := serve(t, s, newQuery("a.convoy.test.", dns.TypeA), false); r.Rcode != dns.RcodeNameError {
		t.Errorf("unpublished name: %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
}

func TestIPv4MappedAddressIsServedAsA(t *testing.T) {
	s, err := NewServer(Config{Zones: []string{"convoy.test."}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update([]RecordSet{{Hostname: "m.convoy.test", TTL: 5, Endpoints: []Endpoint{
		{Addresses: addrs("::ffff:192.0.2.9"), Weight: 1},
	}}}).Err(); err != nil {
		t.Fatal(err)
	}
	r := serve(t, s, newQuery("m.convoy.test.", dns.TypeA), false)
	if got := rrStrings(r.Answer); !slices.Equal(got, []string{"m.convoy.test. 5 IN A 192.0.2.9"}) {
		t.Errorf("A %q", got)
	}
	if r := serve(t, s, newQuery("m.convoy.test.", dns.TypeAAAA), false); len(r.Answer) != 0 {
		t.Errorf("AAAA %v, want NODATA", r.Answer)
	}
}

// TestConcurrentUpdates swaps snapshots while clients query over UDP and
// TCP; every answer must come whole from one snapshot or the other. Run
// with -race.
func TestConcurrentUpdates(t *testing.T) {
	s, err := NewServer(Config{Zones: []string{"convoy.test."}, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, s)
	version := func(i int) []RecordSet {
		ip := netip.AddrFrom4([4]byte{192, 0, 2, byte(i%2 + 1)})
		return []RecordSet{{Hostname: "app.convoy.test", TTL: 5, Endpoints: []Endpoint{
			{Cluster: "c", Release: "r" + string(rune('a'+i%2)), Addresses: []netip.Addr{ip, ip.Next()}, Weight: uint32(1 + i%3)},
		}}}
	}
	if err := s.Update(version(0)).Err(); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for i := range 200 {
			if err := s.Update(version(i)).Err(); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for _, network := range []string{"udp", "udp", "tcp"} {
		wg.Go(func() {
			c := &dns.Client{Net: network, Timeout: 2 * time.Second}
			conn, err := c.Dial(addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			queries := 2000
			if network == "tcp" {
				// The server closes a TCP connection after 128 queries
				// (miekg/dns's MaxTCPQueries), as resolvers expect.
				queries = 120
			}
			for i := 0; i < queries; i++ { // bounded; stops early once updates are done
				if i > 50 {
					select {
					case <-done:
						return
					default:
					}
				}
				r, _, err := c.ExchangeWithConn(newQuery("app.convoy.test.", dns.TypeA), conn)
				if err != nil {
					t.Error(err)
					return
				}
				got := rrStrings(r.Answer)
				if r.Rcode != dns.RcodeSuccess || len(got) != 2 ||
					!(got[0] == "app.convoy.test. 5 IN A 192.0.2.1" && got[1] == "app.convoy.test. 5 IN A 192.0.2.2" ||
						got[0] == "app.convoy.test. 5 IN A 192.0.2.2" && got[1] == "app.convoy.test. 5 IN A 192.0.2.3") {
					t.Errorf("answer from no snapshot: %s %q", dns.RcodeToString[r.Rcode], got)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := newFixtureServer(t, Config{Registerer: reg})
	for range 3 {
		serve(t, s, newQuery("web.convoy.test.", dns.TypeA), false)
	}
	serve(t, s, newQuery("nope.convoy.test.", dns.TypeAAAA), false)
	serve(t, s, newQuery("example.com.", 65280), false)
	serve(t, s, newQuery("zero.convoy.test.", dns.TypeA), true)

	got := gather(t, reg)
	for series, want := range map[string]float64{
		`convoy_dns_queries_total{rcode="NOERROR",type="A"}`:                                           4,
		`convoy_dns_queries_total{rcode="NXDOMAIN",type="AAAA"}`:                                       1,
		`convoy_dns_queries_total{rcode="REFUSED",type="other"}`:                                       1,
		`convoy_dns_answers_total{cluster="eu-1",hostname="web.convoy.test",release="web-v1"}`:         3,
		`convoy_dns_answers_total{cluster="eu-2",hostname="zero.convoy.test",release="zero-v2"}`:       1,
		`convoy_dns_answers_total{cluster="eu-1",hostname="zero.convoy.test",release="zero-v1"}`:       0,
		`convoy_dns_answers_total{cluster="us-1",hostname="lb.convoy.test",release="lb-v1"}`:           0,
		`convoy_dns_answers_total{cluster="eu-1",hostname="sub.convoy.test",release="sub-v1"}`:         0,
		`convoy_dns_answers_total{cluster="eu-1",hostname="www.sub.convoy.test",release="www-v1"}`:     0,
		`convoy_dns_answers_total{cluster="eu-1",hostname="deep.ent.convoy.test",release="deep-v1"}`:   0,
		`convoy_dns_answers_total{cluster="eu-1",hostname="allzero.convoy.test",release="allzero-v1"}`: 0,
		`convoy_dns_answers_total{cluster="eu-2",hostname="allzero.convoy.test",release="allzero-v2"}`: 0,
		`convoy_dns_answers_total{cluster="eu-1",hostname="mixed.convoy.test",release="mixed-v1"}`:     0,
		`convoy_dns_answers_total{cluster="us-1",hostname="mixed.convoy.test",release="mixed-v2"}`:     0,
		`convoy_dns_answers_total{cluster="eu-1",hostname="v4only.convoy.test",release="v4-v1"}`:       0,
		`convoy_dns_answers_total{cluster="eu-1",hostname="big.convoy.test",release="big-v1"}`:         0,
	} {
		if v, ok := got[series]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", series, v, ok, want)
		}
	}
	if n := countPrefix(got, "convoy_dns_answers_total"); n != 13 {
		t.Errorf("%d answer series, want one per published endpoint (13)", n)
	}

	// Unpublished endpoints lose their series; the metric stays bounded.
	if err := s.Update(fixtureSets()[:1]).Err(); err != nil {
		t.Fatal(err)
	}
	got = gather(t, reg)
	if n := countPrefix(got, "convoy_dns_answers_total"); n != 1 {
		t.Errorf("%d answer series after unpublishing all but web, want 1: %v", n, got)
	}

	// A second server can share the registry.
	if _, err := NewServer(Config{Zones: []string{"x.test"}, Registerer: reg}); err != nil {
		t.Errorf("second server on the same registry: %v", err)
	}
}

func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out[seriesName(mf, m)] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return out
}

func seriesName(mf *dto.MetricFamily, m *dto.Metric) string {
	var labels []string
	for _, l := range m.GetLabel() {
		labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
	}
	return mf.GetName() + "{" + strings.Join(labels, ",") + "}"
}

func countPrefix(m map[string]float64, prefix string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

// A server that has not loaded its records yet answers SERVFAIL for names
// in its zones, never NXDOMAIN, which resolvers would cache as the name's
// absence (the chaos suite saw NXDOMAINs right after a manager restart);
// once loaded, an unknown name is NXDOMAIN.
func TestNotLoadedYetIsServerFailure(t *testing.T) {
	s, err := NewServer(Config{Zones: []string{"convoy.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := serve(t, s, newQuery("web.convoy.test.", dns.TypeA), false); r.Rcode != dns.RcodeServerFailure || r.Authoritative {
		t.Fatalf("before the first update: %s (AA %v), want SERVFAIL, not authoritative", dns.RcodeToString[r.Rcode], r.Authoritative)
	}
	if r := serve(t, s, newQuery("web.example.org.", dns.TypeA), false); r.Rcode != dns.RcodeRefused {
		t.Fatalf("outside the zones before the first update: %s, want REFUSED", dns.RcodeToString[r.Rcode])
	}
	s.Update(nil)
	if r := serve(t, s, newQuery("web.convoy.test.", dns.TypeA), false); r.Rcode != dns.RcodeNameError {
		t.Fatalf("after an empty update: %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
}

// TestNestedZoneEmptyNonTerminal: a zone two labels below another makes
// the name between them exist in the outer zone.
func TestNestedZoneEmptyNonTerminal(t *testing.T) {
	s, err := NewServer(Config{Zones: []string{"a.b.convoy.test", "convoy.test"}})
	if err != nil {
		t.Fatal(err)
	}
	s.Update(nil) // loaded: no records at all
	tests := []struct {
		qname string
		rcode int
		zone  string
	}{
		{"b.convoy.test.", dns.RcodeSuccess, "convoy.test."},
		{"c.convoy.test.", dns.RcodeNameError, "convoy.test."},
		{"x.a.b.convoy.test.", dns.RcodeNameError, "a.b.convoy.test."},
	}
	for _, tt := range tests {
		r := serve(t, s, newQuery(tt.qname, dns.TypeA), false)
		if r.Rcode != tt.rcode || len(r.Ns) != 1 || r.Ns[0].Header().Name != tt.zone {
			t.Errorf("%s: %s %v, want %s with the SOA of %s", tt.qname, dns.RcodeToString[r.Rcode], r.Ns, dns.RcodeToString[tt.rcode], tt.zone)
		}
	}
}
