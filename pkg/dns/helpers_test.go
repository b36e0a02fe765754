package dns

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// memWriter is an in-memory dns.ResponseWriter that keeps copies of what
// the handler writes (the handler reuses its buffers).
type memWriter struct {
	tcp  bool
	msgs [][]byte
}

var (
	udpLocal = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
	tcpLocal = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
	remote   = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 5353}
)

func (w *memWriter) LocalAddr() net.Addr {
	if w.tcp {
		return tcpLocal
	}
	return udpLocal
}
func (w *memWriter) RemoteAddr() net.Addr { return remote }
func (w *memWriter) WriteMsg(m *dns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
func (w *memWriter) Write(b []byte) (int, error) {
	w.msgs = append(w.msgs, slices.Clone(b))
	return len(b), nil
}
func (w *memWriter) Close() error        { return nil }
func (w *memWriter) TsigStatus() error   { return nil }
func (w *memWriter) TsigTimersOnly(bool) {}
func (w *memWriter) Hijack()             {}

// serve runs one query through the handler in memory and returns the
// parsed reply.
func serve(t testing.TB, s *Server, q *dns.Msg, tcp bool) *dns.Msg {
	t.Helper()
	w := &memWriter{tcp: tcp}
	s.ServeDNS(w, q)
	if len(w.msgs) != 1 {
		t.Fatalf("%s: handler wrote %d messages, want 1", describe(q), len(w.msgs))
	}
	r := new(dns.Msg)
	if err := r.Unpack(w.msgs[0]); err != nil {
		t.Fatalf("%s: reply does not parse: %v", describe(q), err)
	}
	return r
}

func describe(q *dns.Msg) string {
	if len(q.Question) == 1 {
		return fmt.Sprintf("%s %s", q.Question[0].Name, dns.TypeToString[q.Question[0].Qtype])
	}
	return fmt.Sprintf("message with %d questions", len(q.Question))
}

// newQuery is a non-recursive query, as a resolver sends to an
// authoritative server.
func newQuery(name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = false
	return m
}

func withEDNS(m *dns.Msg, size uint16) *dns.Msg {
	m.SetEdns0(size, false)
	return m
}

// startServer serves s on a free loopback port for the test's duration.
func startServer(t testing.TB, s *Server) string {
	t.Helper()
	addr, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return addr.String()
}

// exchange sends q over network ("udp" or "tcp") and returns the reply.
func exchange(t testing.TB, addr, network string, q *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	r, _, err := c.Exchange(q, addr)
	if err != nil {
		t.Fatalf("%s over %s: %v", describe(q), network, err)
	}
	return r
}

// rrStrings renders records one per line in a stable, tab-free form.
func rrStrings(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, strings.Join(strings.Fields(rr.String()), " "))
	}
	slices.Sort(out)
	return out
}

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

// v6Range returns n IPv6 addresses in 2001:db8::/64.
func v6Range(n int) []netip.Addr {
	out := make([]netip.Addr, n)
	for i := range out {
		out[i] = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(i >> 8), 15: byte(i + 1)})
	}
	return out
}

// fixtureSets is the data most tests serve.
func fixtureSets() []RecordSet {
	return []RecordSet{
		{Hostname: "web.convoy.test", TTL: 60, Endpoints: []Endpoint{
			{Cluster: "eu-1", Release: "web-v1", Addresses: addrs("192.0.2.10", "192.0.2.11", "2001:db8::10"), Weight: 5},
		}},
		{Hostname: "LB.convoy.test.", TTL: 120, Endpoints: []Endpoint{
			{Cluster: "us-1", Release: "lb-v1", Hostname: "lb-123.elb.example.com", Weight: 1},
		}},
		{Hostname: "v4only.convoy.test", TTL: 60, Endpoints: []Endpoint{
			{Cluster: "eu-1", Release: "v4-v1", Addresses: addrs("192.0.2.20"), Weight: 1},
		}},
		{Hostname: "deep.ent.convoy.test", TTL: 60, Endpoints: []Endpoint{
			{Cluster: "eu-1", Release: "deep-v1", Addresses: addrs("192.0.2.30"), Weight: 1},
		}},
		{Hostname: "big.convoy.test", TTL: 60, Endpoints: []Endpoint{
			{Cluster: "eu-1", Release: "big-v1", Addresses: v6Range(60), Weight: 1},
		}},
		{Hostname: "zero.convoy.test", TTL: 60, Endpoints: []Endpoint{
			{Cluster: "eu-1", Release: "zero-v1", Addresses: addrs("192.0.2.40"), Weight: 0},
			{Cluster: "eu-2", Release: "zero-v2", Addresses: addrs("192.0.2.41"), Weight: 3},
		}},
		{Hostname: "allzero.convoy.test", TTL: 60, Endpoints: []Endpoint{
			{Cluster: "eu-1", Release: "allzero-v1", Addresses: addrs("192.0.2.50"), Weight: 0},
			{Cluster: "eu-2", Release: "allzero-v2", Addresses: addrs("192.0.2.51"), Weight: 0},
		}},
		{Hostname: "mixed.convoy.test", TTL: 60, Endpoints: []Endpoint{
			{Cluster: "eu-1", Release: "mixed-v1", Addresses: addrs("192.0.2.60"), Weight: 1},
			{Cluster: "us-1", Release: "mixed-v2", Hostname: "mixed.elb.example.com", Weight: 0},
		}},
		{Hostname: "empty.convoy.test", TTL: 60},
		{Hostname: "sub.convoy.test", TTL: 60, Endpoints: []Endpoint{
			{Cluster: "eu-1", Release: "sub-v1", Addresses: addrs("192.0.2.70"), Weight: 1},
		}},
		{Hostname: "www.sub.convoy.test", TTL: 60, Endpoints: []Endpoint{
			{Cluster: "eu-1", Release: "www-v1", Addresses: addrs("192.0.2.71"), Weight: 1},
		}},
		{Hostname: "app.example.com", TTL: 60, Endpoints: []Endpoint{
			{Cluster: "eu-1", Release: "app-v1", Addresses: addrs("192.0.2.80"), Weight: 1},
		}},
	}
}

// newFixtureServer serves fixtureSets for the zones convoy.test. and the
// nested sub.convoy.test. (whose apex publishes an address).
func newFixtureServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Zones == nil {
		cfg.Zones = []string{"convoy.test.", "sub.convoy.test"}
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	res := s.Update(fixtureSets())
	if err := res.Err(); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if !slices.Equal(res.Ignored, []string{"app.example.com"}) {
		t.Fatalf("Update ignored %q, want [app.example.com]", res.Ignored)
	}
	return s
}
