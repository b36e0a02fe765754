package dns

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// FuzzServeDNS feeds arbitrary packets through the path the server uses:
// acceptMsg on the header, unpack, then ServeDNS. Whatever the packet, the
// handler must not panic, must stay silent for responses, and must otherwise
// write exactly one well-formed reply with QR set, the query's ID, and a size
// within the UDP limit.
func FuzzServeDNS(f *testing.F) {
	for _, q := range fuzzSeeds() {
		b, err := q.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Add([]byte{}, false)
	f.Add([]byte("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"), false)            // header only, claims a question
	f.Add([]byte("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c"), false)    // question name points at itself
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"), true) // garbage

	s := newFixtureServer(f, Config{})
	f.Fuzz(func(t *testing.T, packet []byte, tcp bool) {
		if len(packet) < headerLen {
			return // miekg/dns drops these before parsing
		}
		h := dns.Header{
			Id:      binary.BigEndian.Uint16(packet[0:]),
			Bits:    binary.BigEndian.Uint16(packet[2:]),
			Qdcount: binary.BigEndian.Uint16(packet[4:]),
			Ancount: binary.BigEndian.Uint16(packet[6:]),
			Nscount: binary.BigEndian.Uint16(packet[8:]),
			Arcount: binary.BigEndian.Uint16(packet[10:]),
		}
		if acceptMsg(h) == dns.MsgIgnore {
			return
		}
		q := new(dns.Msg)
		if err := q.Unpack(packet); err != nil {
			return // miekg/dns answers FORMERR itself
		}
		w := &memWriter{tcp: tcp}
		s.ServeDNS(w, q)
		if q.Response {
			if len(w.msgs) != 0 {
				t.Fatalf("wrote %d messages in reply to a response", len(w.msgs))
			}
			return
		}
		if len(w.msgs) != 1 {
			t.Fatalf("wrote %d messages, want 1", len(w.msgs))
		}
		raw := w.msgs[0]
		r := new(dns.Msg)
		if err := r.Unpack(raw); err != nil {
			t.Fatalf("reply does not unpack: %v\nquery: %v\nreply: %x", err, q, raw)
		}
		if _, err := r.Pack(); err != nil {
			t.Fatalf("reply does not pack again: %v\n%v", err, r)
		}
		if !r.Response || r.Id != q.Id || r.RecursionAvailable {
			t.Fatalf("reply QR=%v ID=%d RA=%v, want QR, ID %d and no RA", r.Response, r.Id, r.RecursionAvailable, q.Id)
		}
		limit := dns.MaxMsgSize
		if !tcp {
			limit = dns.MinMsgSize
			if opt := q.IsEdns0(); opt != nil {
				limit = max(limit, int(opt.UDPSize()))
			}
		}
		if len(raw) > limit {
			t.Fatalf("reply is %d bytes, above the limit %d", len(raw), limit)
		}
		if len(r.Question) == 1 && (len(q.Question) != 1 || !strings.EqualFold(r.Question[0].Name, q.Question[0].Name)) {
			t.Fatalf("reply question %v for query question %v", r.Question, q.Question)
		}
		// A negative answer's SOA belongs to the zone of the question; the
		// compression pointer into the question must land on it.
		for _, rr := range r.Ns {
			soa, ok := rr.(*dns.SOA)
			if !ok || len(r.Question) != 1 || !dns.IsSubDomain(strings.ToLower(soa.Hdr.Name), strings.ToLower(r.Question[0].Name)) ||
				!strings.HasPrefix(soa.Mbox, "hostmaster."+strings.ToLower(soa.Hdr.Name)) {
				t.Fatalf("authority %v does not fit question %v", rr, r.Question)
			}
		}
	})
}

func fuzzSeeds() []*dns.Msg {
	var seeds []*dns.Msg
	for _, q := range []struct {
		name  string
		qtype uint16
	}{
		{"convoy.test.", dns.TypeSOA},
		{"convoy.test.", dns.TypeNS},
		{"web.convoy.test.", dns.TypeA},
		{"WEB.convoy.TEST.", dns.TypeAAAA},
		{"lb.convoy.test.", dns.TypeCNAME},
		{"big.convoy.test.", dns.TypeAAAA},
		{"nope.convoy.test.", dns.TypeA},
		{"ent.convoy.test.", dns.TypeTXT},
		{"nope.sub.convoy.test.", dns.TypeMX},
		{"example.com.", dns.TypeA},
		{"convoy.test.", dns.TypeAXFR},
		{`a\.convoy.test.`, dns.TypeA},
		{`w\069b.convoy.test.`, dns.TypeA},
	} {
		seeds = append(seeds, newQuery(q.name, q.qtype))
	}
	seeds = append(seeds, withEDNS(newQuery("big.convoy.test.", dns.TypeAAAA), 4096))
	seeds = append(seeds, withEDNS(newQuery("big.convoy.test.", dns.TypeAAAA), 1232))
	notify := newQuery("convoy.test.", dns.TypeSOA)
	notify.Opcode = dns.OpcodeNotify
	seeds = append(seeds, notify)
	two := newQuery("web.convoy.test.", dns.TypeA)
	two.Question = append(two.Question, two.Question[0])
	seeds = append(seeds, two)
	resp := newQuery("web.convoy.test.", dns.TypeA)
	resp.Response = true
	seeds = append(seeds, resp)
	return seeds
}
