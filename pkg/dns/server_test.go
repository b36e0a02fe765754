package dns

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func soaString(zone string, serial uint32) string {
	return fmt.Sprintf("%s 30 IN SOA ns1.%s hostmaster.%s %d 3600 600 86400 30", zone, zone, zone, serial)
}

// TestQueries checks every kind of answer with real queries over UDP and TCP.
func TestQueries(t *testing.T) {
	s := newFixtureServer(t, Config{})
	addr := startServer(t, s)
	serial := s.snap.Load().serial
	soa := func(zone string) []string { return []string{soaString(zone, serial)} }

	tests := []struct {
		name      string
		qname     string
		qtype     uint16
		rcode     int
		answer    []string
		authority []string
	}{
		{"apex SOA", "convoy.test.", dns.TypeSOA, dns.RcodeSuccess, soa("convoy.test."), nil},
		{"apex NS", "convoy.test.", dns.TypeNS, dns.RcodeSuccess, []string{"convoy.test. 300 IN NS ns1.convoy.test."}, nil},
		{"apex A is NODATA", "convoy.test.", dns.TypeA, dns.RcodeSuccess, nil, soa("convoy.test.")},
		{"apex ANY is NODATA", "convoy.test.", dns.TypeANY, dns.RcodeSuccess, nil, soa("convoy.test.")},
		{"apex MX is NODATA", "convoy.test.", dns.TypeMX, dns.RcodeSuccess, nil, soa("convoy.test.")},
		{"A", "web.convoy.test.", dns.TypeA, dns.RcodeSuccess, []string{
			"web.convoy.test. 60 IN A 192.0.2.10", "web.convoy.test. 60 IN A 192.0.2.11",
		}, nil},
		{"AAAA", "web.convoy.test.", dns.TypeAAAA, dns.RcodeSuccess, []string{"web.convoy.test. 60 IN AAAA 2001:db8::10"}, nil},
		{"mixed case is matched and echoed", "WeB.CoNvOy.TeSt.", dns.TypeA, dns.RcodeSuccess, []string{
			"WeB.CoNvOy.TeSt. 60 IN A 192.0.2.10", "WeB.CoNvOy.TeSt. 60 IN A 192.0.2.11",
		}, nil},
		{"CNAME for A", "lb.convoy.test.", dns.TypeA, dns.RcodeSuccess, []string{"lb.convoy.test. 120 IN CNAME lb-123.elb.example.com."}, nil},
		{"CNAME for AAAA", "lb.convoy.test.", dns.TypeAAAA, dns.RcodeSuccess, []string{"lb.convoy.test. 120 IN CNAME lb-123.elb.example.com."}, nil},
		{"CNAME for CNAME", "lb.convoy.test.", dns.TypeCNAME, dns.RcodeSuccess, []string{"lb.convoy.test. 120 IN CNAME lb-123.elb.example.com."}, nil},
		{"CNAME for any type of a CNAME-only name", "lb.convoy.test.", dns.TypeTXT, dns.RcodeSuccess, []string{"lb.convoy.test. 120 IN CNAME lb-123.elb.example.com."}, nil},
		{"CNAME query of an address name is NODATA", "web.convoy.test.", dns.TypeCNAME, dns.RcodeSuccess, nil, soa("convoy.test.")},
		{"AAAA without IPv6 is NODATA", "v4only.convoy.test.", dns.TypeAAAA, dns.RcodeSuccess, nil, soa("convoy.test.")},
		{"TXT is NODATA", "v4only.convoy.test.", dns.TypeTXT, dns.RcodeSuccess, nil, soa("convoy.test.")},
		{"no endpoints is NODATA", "empty.convoy.test.", dns.TypeA, dns.RcodeSuccess, nil, soa("convoy.test.")},
		{"empty non-terminal is NODATA", "ent.convoy.test.", dns.TypeA, dns.RcodeSuccess, nil, soa("convoy.test.")},
		{"below an empty non-terminal", "deep.ent.convoy.test.", dns.TypeA, dns.RcodeSuccess, []string{"deep.ent.convoy.test. 60 IN A 192.0.2.30"}, nil},
		{"NXDOMAIN", "nope.convoy.test.", dns.TypeA, dns.RcodeNameError, nil, soa("convoy.test.")},
		{"NXDOMAIN below a published name", "x.web.convoy.test.", dns.TypeA, dns.RcodeNameError, nil, soa("convoy.test.")},
		// The SOA's owner points into the question, like BIND's compression, so it keeps the client's case.
		{"NXDOMAIN mixed case", "NoPe.CONVOY.test.", dns.TypeAAAA, dns.RcodeNameError, nil, []string{"CONVOY.test." + strings.TrimPrefix(soa("convoy.test.")[0], "convoy.test.")}},
		{"zero weight loses to a non-zero CNAME-less address", "mixed.convoy.test.", dns.TypeA, dns.RcodeSuccess, []string{"mixed.convoy.test. 60 IN A 192.0.2.60"}, nil},
		{"zero-weight CNAME is the only AAAA candidate", "mixed.convoy.test.", dns.TypeAAAA, dns.RcodeSuccess, []string{"mixed.convoy.test. 60 IN CNAME mixed.elb.example.com."}, nil},
		{"nested zone apex publishes an address", "sub.convoy.test.", dns.TypeA, dns.RcodeSuccess, []string{"sub.convoy.test. 60 IN A 192.0.2.70"}, nil},
		{"nested zone SOA", "sub.convoy.test.", dns.TypeSOA, dns.RcodeSuccess, soa("sub.convoy.test."), nil},
		{"nested zone NS", "sub.convoy.test.", dns.TypeNS, dns.RcodeSuccess, []string{"sub.convoy.test. 300 IN NS ns1.sub.convoy.test."}, nil},
		{"nested zone name", "www.sub.convoy.test.", dns.TypeA, dns.RcodeSuccess, []string{"www.sub.convoy.test. 60 IN A 192.0.2.71"}, nil},
		{"nested zone NXDOMAIN", "nope.sub.convoy.test.", dns.TypeA, dns.RcodeNameError, nil, soa("sub.convoy.test.")},
		{"outside the zones", "example.com.", dns.TypeA, dns.RcodeRefused, nil, nil},
		{"ignored set", "app.example.com.", dns.TypeA, dns.RcodeRefused, nil, nil},
		{"zone name as a suffix label", "convoy.test.example.", dns.TypeA, dns.RcodeRefused, nil, nil},
		{"label ending like the zone", "notconvoy.test.", dns.TypeA, dns.RcodeRefused, nil, nil},
		{"root", ".", dns.TypeNS, dns.RcodeRefused, nil, nil},
		{"AXFR", "convoy.test.", dns.TypeAXFR, dns.RcodeRefused, nil, nil},
		{"IXFR", "convoy.test.", dns.TypeIXFR, dns.RcodeRefused, nil, nil},
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, tt := range tests {
			t.Run(network+"/"+tt.name, func(t *testing.T) {
				q := newQuery(tt.qname, tt.qtype)
				r := exchange(t, addr, network, q)
				if r.Rcode != tt.rcode {
					t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
				}
				if wantAA := tt.rcode != dns.RcodeRefused; r.Authoritative != wantAA {
					t.Errorf("AA %v, want %v", r.Authoritative, wantAA)
				}
				if r.RecursionAvailable || r.RecursionDesired || r.Truncated || !r.Response {
					t.Errorf("flags RA=%v RD=%v TC=%v QR=%v, want only QR", r.RecursionAvailable, r.RecursionDesired, r.Truncated, r.Response)
				}
				if len(r.Question) != 1 || r.Question[0] != q.Question[0] {
					t.Errorf("question %v, want %v echoed", r.Question, q.Question)
				}
				if got := rrStrings(r.Answer); !slices.Equal(got, tt.answer) {
					t.Errorf("answer\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.answer, "\n"))
				}
				if got := rrStrings(r.Ns); !slices.Equal(got, tt.authority) {
					t.Errorf("authority\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.authority, "\n"))
				}
				if len(r.Extra) != 0 {
					t.Errorf("additional %v, want none for a query without EDNS0", r.Extra)
				}
			})
		}
	}
}

// TestMalformedQueries covers the answers that are not about names.
func TestMalformedQueries(t *testing.T) {
	s := newFixtureServer(t, Config{})
	addr := startServer(t, s)

	twoOPT := withEDNS(newQuery("web.convoy.test.", dns.TypeA), 1232)
	twoOPT.Extra = append(twoOPT.Extra, twoOPT.Extra[0])
	badVers := withEDNS(newQuery("web.convoy.test.", dns.TypeA), 1232)
	badVers.IsEdns0().SetVersion(1)
	chaos := newQuery("version.bind.", dns.TypeTXT)
	chaos.Question[0].Qclass = dns.ClassCHAOS
	chaosInZone := newQuery("web.convoy.test.", dns.TypeA)
	chaosInZone.Question[0].Qclass = dns.ClassCHAOS
	twoQuestions := newQuery("web.convoy.test.", dns.TypeA)
	twoQuestions.Question = append(twoQuestions.Question, dns.Question{Name: "lb.convoy.test.", Qtype: dns.TypeA, Qclass: dns.ClassINET})
	noQuestion := newQuery("web.convoy.test.", dns.TypeA)
	noQuestion.Question = nil
	opcode := func(op int) *dns.Msg {
		m := newQuery("web.convoy.test.", dns.TypeSOA)
		m.Opcode = op
		return m
	}
	recursive := newQuery("web.convoy.test.", dns.TypeA)
	recursive.RecursionDesired = true
	recursive.CheckingDisabled = true

	tests := []struct {
		name  string
		q     *dns.Msg
		rcode int
		check func(t *testing.T, r *dns.Msg)
	}{
		{"NOTIFY is not implemented", opcode(dns.OpcodeNotify), dns.RcodeNotImplemented, nil},
		{"STATUS is not implemented", opcode(dns.OpcodeStatus), dns.RcodeNotImplemented, nil},
		{"UPDATE is not implemented", opcode(dns.OpcodeUpdate), dns.RcodeNotImplemented, func(t *testing.T, r *dns.Msg) {
			if r.Opcode != dns.OpcodeUpdate {
				t.Errorf("opcode %d, want UPDATE echoed", r.Opcode)
			}
		}},
		{"two questions", twoQuestions, dns.RcodeFormatError, nil},
		{"no question", noQuestion, dns.RcodeFormatError, nil},
		{"two OPT records", twoOPT, dns.RcodeFormatError, nil},
		{"EDNS version 1", badVers, dns.RcodeBadVers, func(t *testing.T, r *dns.Msg) {
			if opt := r.IsEdns0(); opt == nil || opt.Version() != 0 {
				t.Errorf("BADVERS reply OPT %v, want version 0", opt)
			}
		}},
		{"class CH", chaos, dns.RcodeRefused, nil},
		{"class CH inside a zone", chaosInZone, dns.RcodeRefused, nil},
		{"RD and CD are copied, RA stays clear", recursive, dns.RcodeSuccess, func(t *testing.T, r *dns.Msg) {
			if !r.RecursionDesired || !r.CheckingDisabled || r.RecursionAvailable {
				t.Errorf("RD=%v CD=%v RA=%v, want RD and CD copied and RA clear", r.RecursionDesired, r.CheckingDisabled, r.RecursionAvailable)
			}
		}},
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, tt := range tests {
			t.Run(network+"/"+tt.name, func(t *testing.T) {
				r := exchange(t, addr, network, tt.q)
				if r.Rcode != tt.rcode {
					t.Errorf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
				}
				if r.RecursionAvailable {
					t.Error("RA set")
				}
				if tt.rcode != dns.RcodeSuccess && (r.Authoritative || len(r.Answer) > 0) {
					t.Errorf("AA=%v answer=%v, want an unauthoritative empty answer", r.Authoritative, r.Answer)
				}
				if tt.check != nil {
					tt.check(t, r)
				}
			})
		}
	}
}

// TestResponseIsDropped: a message with QR set gets no answer at all.
func TestResponseIsDropped(t *testing.T) {
	s := newFixtureServer(t, Config{})
	addr := startServer(t, s)

	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp := newQuery("web.convoy.test.", dns.TypeA)
	resp.Response = true
	b, _ := resp.Pack()
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := conn.Read(make([]byte, 512)); err == nil {
		t.Fatalf("got a %d-byte reply to a response, want none", n)
	}
	// The server is still answering queries.
	if r := exchange(t, addr, "udp", newQuery("web.convoy.test.", dns.TypeA)); r.Rcode != dns.RcodeSuccess {
		t.Fatalf("query after the dropped response: %s", dns.RcodeToString[r.Rcode])
	}

	// The handler alone drops it too.
	w := &memWriter{}
	s.ServeDNS(w, resp)
	if len(w.msgs) != 0 {
		t.Fatalf("ServeDNS wrote %d messages for a response, want 0", len(w.msgs))
	}
}

func TestEDNS(t *testing.T) {
	s := newFixtureServer(t, Config{})
	addr := startServer(t, s)
	for _, network := range []string{"udp", "tcp"} {
		r := exchange(t, addr, network, withEDNS(newQuery("web.convoy.test.", dns.TypeA), 4096))
		opt := r.IsEdns0()
		if opt == nil {
			t.Fatalf("%s: no OPT in the reply to an EDNS0 query", network)
		}
		if opt.UDPSize() != udpPayloadSize || opt.Version() != 0 || opt.Do() || len(opt.Option) != 0 {
			t.Errorf("%s: OPT %v, want size %d, version 0, no DO, no options", network, opt, udpPayloadSize)
		}
		if len(r.Answer) != 2 || r.Rcode != dns.RcodeSuccess {
			t.Errorf("%s: %s answer %v", network, dns.RcodeToString[r.Rcode], r.Answer)
		}
		// NXDOMAIN keeps the OPT after the authority section.
		r = exchange(t, addr, network, withEDNS(newQuery("nope.convoy.test.", dns.TypeA), 1232))
		if r.Rcode != dns.RcodeNameError || r.IsEdns0() == nil || len(r.Ns) != 1 {
			t.Errorf("%s: NXDOMAIN with EDNS0: %v", network, r)
		}
	}
}

// TestTruncation: an answer of 60 AAAA records (about 1.7 KB) does not fit
// 512 bytes or 1232, fits 4096, and always fits TCP.
func TestTruncation(t *testing.T) {
	s := newFixtureServer(t, Config{})
	addr := startServer(t, s)
	tests := []struct {
		name      string
		network   string
		edns      uint16 // 0: no EDNS0
		truncated bool
	}{
		{"UDP without EDNS0", "udp", 0, true},
		{"UDP with EDNS0 1232", "udp", 1232, true},
		{"UDP with an EDNS0 size below 512", "udp", 256, true},
		{"UDP with EDNS0 4096", "udp", 4096, false},
		{"TCP without EDNS0", "tcp", 0, false},
		{"TCP with EDNS0 1232", "tcp", 1232, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newQuery("big.convoy.test.", dns.TypeAAAA)
			limit := 512
			if tt.edns != 0 {
				withEDNS(q, tt.edns)
				limit = max(512, int(tt.edns))
			}
			c := &dns.Client{Net: tt.network, Timeout: 2 * time.Second}
			conn, err := c.Dial(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := conn.WriteMsg(q); err != nil {
				t.Fatal(err)
			}
			conn.UDPSize = 65535 // read whatever comes, to check its size
			conn.SetReadDeadline(time.Now().Add(2 * time.Second))
			raw, err := conn.ReadMsgHeader(nil)
			if err != nil {
				t.Fatal(err)
			}
			r := new(dns.Msg)
			if err := r.Unpack(raw); err != nil {
				t.Fatal(err)
			}
			if r.Truncated != tt.truncated {
				t.Errorf("TC %v, want %v", r.Truncated, tt.truncated)
			}
			if tt.network == "udp" && len(raw) > limit {
				t.Errorf("UDP reply is %d bytes, above the client's %d", len(raw), limit)
			}
			if !tt.truncated && len(r.Answer) != 60 {
				t.Errorf("%d answers, want all 60", len(r.Answer))
			}
			if tt.truncated && len(r.Answer) >= 60 {
				t.Errorf("%d answers in a truncated reply", len(r.Answer))
			}
			if (tt.edns != 0) != (r.IsEdns0() != nil) {
				t.Errorf("OPT in reply: %v, want %v", r.IsEdns0() != nil, tt.edns != 0)
			}
			if r.Rcode != dns.RcodeSuccess || !r.Authoritative {
				t.Errorf("rcode %s AA %v", dns.RcodeToString[r.Rcode], r.Authoritative)
			}
		})
	}
}

// TestZeroWeights: Route53 semantics over real UDP queries.
func TestZeroWeights(t *testing.T) {
	s := newFixtureServer(t, Config{})
	addr := startServer(t, s)
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	conn, err := c.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	count := func(name string, n int) map[string]int {
		seen := map[string]int{}
		for range n {
			r, _, err := c.ExchangeWithConn(newQuery(name, dns.TypeA), conn)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Answer) != 1 {
				t.Fatalf("%s: %d answers, want 1", name, len(r.Answer))
			}
			seen[r.Answer[0].(*dns.A).A.String()]++
		}
		return seen
	}
	if seen := count("zero.convoy.test.", 300); seen["192.0.2.41"] != 300 {
		t.Errorf("zero weight served while another endpoint has weight: %v", seen)
	}
	// Equal chances among all-zero weights: each side gets 50% ± 5σ of 400.
	if seen := count("allzero.convoy.test.", 400); seen["192.0.2.50"] < 150 || seen["192.0.2.51"] < 150 {
		t.Errorf("all-zero weights not split evenly: %v", seen)
	}
}

func TestStartShutdown(t *testing.T) {
	s := newFixtureServer(t, Config{})
	addr, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start("127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "already started") {
		t.Errorf("second Start: %v, want already started", err)
	}
	// Another server cannot take the same port.
	other := newFixtureServer(t, Config{})
	if _, err := other.Start(addr.String()); err == nil {
		other.Shutdown(context.Background())
		t.Errorf("Start on a taken port %s succeeded", addr)
	}
	// UDP and TCP share the port.
	for _, network := range []string{"udp", "tcp"} {
		if r := exchange(t, addr.String(), network, newQuery("web.convoy.test.", dns.TypeA)); r.Rcode != dns.RcodeSuccess {
			t.Errorf("%s: %s", network, dns.RcodeToString[r.Rcode])
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	c := &dns.Client{Net: "tcp", Timeout: 300 * time.Millisecond}
	if _, _, err := c.Exchange(newQuery("web.convoy.test.", dns.TypeA), addr.String()); err == nil {
		t.Error("TCP query answered after Shutdown")
	}
	// A stopped server starts again.
	addr2, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start after Shutdown: %v", err)
	}
	exchange(t, addr2.String(), "udp", newQuery("web.convoy.test.", dns.TypeA))
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestUnparseable: a packet with a valid header that does not parse gets a
// header-only FORMERR, over UDP (convoy's reader loop) and TCP (miekg/dns).
func TestUnparseable(t *testing.T) {
	s := newFixtureServer(t, Config{})
	addr := startServer(t, s)
	// ID 0x1234, RD, one question announced but missing.
	packet := []byte("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00")
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			conn, err := net.DialTimeout(network, addr, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			co := &dns.Conn{Conn: conn}
			conn.SetDeadline(time.Now().Add(2 * time.Second))
			if _, err := co.Write(packet); err != nil {
				t.Fatal(err)
			}
			raw, err := co.ReadMsgHeader(nil)
			if err != nil {
				t.Fatal(err)
			}
			r := new(dns.Msg)
			if err := r.Unpack(raw); err != nil {
				t.Fatal(err)
			}
			if r.Id != 0x1234 || !r.Response || r.Rcode != dns.RcodeFormatError || !r.RecursionDesired || len(r.Question) != 0 {
				t.Errorf("reply %v, want a header-only FORMERR with ID 0x1234 and RD copied", r)
			}
		})
	}
	// Shorter than a header: no reply, and the server goes on.
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write(packet[:5])
	conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := conn.Read(make([]byte, 512)); err == nil {
		t.Errorf("got %d bytes in reply to 5", n)
	}
	exchange(t, addr, "udp", newQuery("web.convoy.test.", dns.TypeA))
}
