package dns

import (
	"encoding/binary"
	"net"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// bufPool recycles response buffers: ResponseWriter.Write has sent or
// copied the bytes by the time it returns.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// maxPooledBuf keeps the rare huge TCP answer from pinning its buffer.
const maxPooledBuf = 16 << 10

// ServeDNS answers one query; it implements dns.Handler. It writes nothing
// for a message with the QR bit set (see the package documentation).
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	if r.Response {
		return
	}
	_, tcp := w.LocalAddr().(*net.TCPAddr)
	bp := bufPool.Get().(*[]byte)
	out, rcode := s.respond((*bp)[:0], r, tcp)
	// A failed write means the client is gone; there is no one to tell.
	_, _ = w.Write(out)
	var qtype uint16
	if len(r.Question) == 1 {
		qtype = r.Question[0].Qtype
	}
	s.metrics.query(qtype, len(r.Question) == 1, rcode)
	if cap(out) <= maxPooledBuf {
		*bp = out[:0]
		bufPool.Put(bp)
	}
}

// response is a reply being assembled in wire format.
type response struct {
	b          []byte
	qnameLen   int // wire length of the question's name; 0 without a question
	flags      uint16
	rcode      int
	an, ns, ar uint16
}

// respond appends the wire-format reply to r to b. It returns the reply and
// its RCODE.
func (s *Server) respond(b []byte, r *dns.Msg, tcp bool) ([]byte, int) {
	m := response{b: append(b, make([]byte, headerLen)...)}
	m.flags = flagQR | uint16(r.Opcode&0xF)<<11
	if r.RecursionDesired {
		m.flags |= flagRD // copied, RFC 1035 section 4.1.1
	}
	if r.CheckingDisabled {
		m.flags |= flagCD // copied, RFC 4035 section 3.1.6
	}

	opt, opts := requestOPT(r)
	var q *dns.Question
	if len(r.Question) == 1 {
		q = &r.Question[0]
		if !m.question(q) {
			q = nil
		}
	}

	switch {
	case r.Opcode != dns.OpcodeQuery:
		m.rcode = dns.RcodeNotImplemented
	case q == nil || opts > 1:
		m.rcode = dns.RcodeFormatError
		if opts > 1 {
			opt = nil // RFC 6891 section 6.1.1: one OPT at most, so none is valid
		}
	case opt != nil && opt.Version() != 0:
		m.rcode = dns.RcodeBadVers
	case q.Qclass != dns.ClassINET, q.Qtype == dns.TypeAXFR, q.Qtype == dns.TypeIXFR:
		// No zone transfers: the records are chosen per query and there is
		// no zone file to transfer.
		m.rcode = dns.RcodeRefused
	default:
		s.lookup(&m, q)
	}

	if opt != nil {
		m.b = appendOPT(m.b, m.rcode)
		m.ar++
	}
	m.header(r.Id)

	limit := dns.MaxMsgSize
	if !tcp {
		limit = dns.MinMsgSize
		if opt != nil && int(opt.UDPSize()) > limit {
			limit = int(opt.UDPSize())
		}
	}
	if len(m.b) > limit {
		return truncate(m.b, limit), m.rcode
	}
	return m.b, m.rcode
}

// requestOPT returns the query's OPT record and how many it has.
func requestOPT(r *dns.Msg) (*dns.OPT, int) {
	var opt *dns.OPT
	n := 0
	for _, rr := range r.Extra {
		if o, ok := rr.(*dns.OPT); ok {
			opt = o
			n++
		}
	}
	return opt, n
}

// question echoes q as asked; false when its name does not pack, which a
// name miekg/dns unpacked always does.
func (m *response) question(q *dns.Question) bool {
	if q.Name == "" {
		return false
	}
	off := len(m.b)
	m.b = slices.Grow(m.b, 256+4)[:off+256]
	end, err := dns.PackDomainName(q.Name, m.b, off, nil, false)
	if err != nil || end == off {
		m.b = m.b[:off]
		return false
	}
	m.b = binary.BigEndian.AppendUint16(m.b[:end], q.Qtype)
	m.b = binary.BigEndian.AppendUint16(m.b, q.Qclass)
	m.qnameLen = end - off
	return true
}

func (m *response) header(id uint16) {
	h := m.b[:headerLen]
	flags := m.flags | uint16(m.rcode&0xF)
	binary.BigEndian.PutUint16(h[0:], id)
	binary.BigEndian.PutUint16(h[2:], flags)
	if m.qnameLen > 0 {
		binary.BigEndian.PutUint16(h[4:], 1)
	}
	binary.BigEndian.PutUint16(h[6:], m.an)
	binary.BigEndian.PutUint16(h[8:], m.ns)
	binary.BigEndian.PutUint16(h[10:], m.ar)
}

// lookup answers a well-formed IN query from the current snapshot.
func (s *Server) lookup(m *response, q *dns.Question) {
	// Lowercase into a stack buffer: indexing a map with string(bytes)
	// does not allocate, where strings.ToLower would for mixed case.
	var buf [maxNameLen + 2]byte
	var name []byte
	if len(q.Name) <= len(buf) {
		name = buf[:copy(buf[:], q.Name)]
		lowerASCII(name)
	} else {
		name = []byte(strings.ToLower(q.Name)) // only heavily escaped names get here
	}

	snap := s.snap.Load()
	n := snap.nodes[string(name)]
	if n == nil {
		z := s.zoneOf(name)
		if z == nil {
			m.rcode = dns.RcodeRefused
			return
		}
		if !snap.loaded {
			// Records not loaded yet (a server just started): SERVFAIL
			// makes a resolver ask another server and cache nothing,
			// where NXDOMAIN would be cached as the name's absence.
			m.rcode = dns.RcodeServerFailure
			return
		}
		m.flags |= flagAA
		m.rcode = dns.RcodeNameError
		m.soa(&snap.zones[z.index])
		return
	}

	if n.set != nil && n.set.pending {
		// Health checks have no verdict yet: as before the records are
		// loaded, a resolver asks another server and caches nothing.
		m.rcode = dns.RcodeServerFailure
		return
	}
	m.flags |= flagAA
	if n.apex {
		switch q.Qtype {
		case dns.TypeSOA:
			m.b = binary.BigEndian.AppendUint16(m.b, questionPointer)
			m.b = append(m.b, n.zone.soa...)
			m.an = 1
			return
		case dns.TypeNS:
			m.b = append(m.b, n.zone.ns...)
			m.an = n.zone.nsCount
			return
		}
	}
	if n.set != nil {
		if p := n.set.picker(q.Qtype); p != nil {
			if c := p.pick(); c != nil {
				m.b = append(m.b, c.rrs...)
				m.an = c.count
				if c.counter != nil {
					c.counter.Inc()
				}
				return
			}
		}
	}
	m.soa(n.zone) // NODATA
}

// soa appends the zone's SOA to the authority section. Its owner is a
// pointer to the zone's labels at the end of the question's name when they
// are there, which they are unless the name was spelled with escapes.
func (m *response) soa(z *zoneRecords) {
	zl := len(z.zone.wire)
	if start := headerLen + m.qnameLen - zl; m.qnameLen >= zl && equalFoldWire(m.b[start:headerLen+m.qnameLen], z.zone.wire) {
		m.b = binary.BigEndian.AppendUint16(m.b, uint16(0xC000|start))
	} else {
		m.b = append(m.b, z.zone.wire...)
	}
	m.b = append(m.b, z.soa...)
	m.ns = 1
}

// truncate makes an oversized reply fit limit with miekg/dns's Truncate,
// which drops the records that do not fit and sets TC so that the client
// retries over TCP. Replies only get this big with many addresses, so the
// cost of a parse and a repack is rare.
func truncate(b []byte, limit int) []byte {
	var m dns.Msg
	if err := m.Unpack(b); err != nil {
		// We wrote b ourselves; failing to parse it is a bug. A bare
		// SERVFAIL header is still a valid answer.
		return servfail(b)
	}
	m.Truncate(limit)
	out, err := m.PackBuffer(b)
	if err != nil {
		return servfail(b)
	}
	return out
}

func servfail(b []byte) []byte {
	b = b[:headerLen]
	flags := binary.BigEndian.Uint16(b[2:])&^0xF | dns.RcodeServerFailure
	binary.BigEndian.PutUint16(b[2:], flags)
	clear(b[4:])
	return b
}
