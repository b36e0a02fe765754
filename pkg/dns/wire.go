package dns

import (
	"encoding/binary"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// Wire-format building blocks. Answers are assembled from byte strings that
// Update precomputes: every record whose owner is the queried name starts
// with a compression pointer to the question (always at offset 12), so the
// precomputed bytes are valid wherever they land and echo the name exactly as
// the client spelled it.

const (
	headerLen = 12
	// questionPointer is a compression pointer to the question's name.
	questionPointer = 0xC000 | headerLen

	flagQR = 1 << 15
	flagAA = 1 << 10
	flagTC = 1 << 9
	flagRD = 1 << 8
	flagCD = 1 << 4
)

// appendName appends a canonical (escape-free, fully qualified) name
// uncompressed.
func appendName(b []byte, name string) []byte {
	for name != "." && name != "" {
		i := strings.IndexByte(name, '.')
		b = append(b, byte(i))
		b = append(b, name[:i]...)
		name = name[i+1:]
	}
	return append(b, 0)
}

// nameWireLen is the wire length of a canonical name.
func nameWireLen(name string) int {
	if name == "." {
		return 1
	}
	return len(name) + 1
}

// appendRRHeader appends the fixed part of a resource record after its
// owner name: type, class IN, TTL and RDATA length.
func appendRRHeader(b []byte, rrtype uint16, ttl uint32, rdlen int) []byte {
	b = binary.BigEndian.AppendUint16(b, rrtype)
	b = binary.BigEndian.AppendUint16(b, dns.ClassINET)
	b = binary.BigEndian.AppendUint32(b, ttl)
	return binary.BigEndian.AppendUint16(b, uint16(rdlen))
}

// appendAddrRR appends an A or AAAA record owned by the question's name.
func appendAddrRR(b []byte, ttl uint32, addr netip.Addr) []byte {
	b = binary.BigEndian.AppendUint16(b, questionPointer)
	if addr.Is4() {
		a := addr.As4()
		b = appendRRHeader(b, dns.TypeA, ttl, len(a))
		return append(b, a[:]...)
	}
	a := addr.As16()
	b = appendRRHeader(b, dns.TypeAAAA, ttl, len(a))
	return append(b, a[:]...)
}

// appendNameRR appends a record whose RDATA is one name (CNAME, NS), owned
// by the question's name.
func appendNameRR(b []byte, rrtype uint16, ttl uint32, target string) []byte {
	b = binary.BigEndian.AppendUint16(b, questionPointer)
	b = appendRRHeader(b, rrtype, ttl, nameWireLen(target))
	return appendName(b, target)
}

// soaRecord is the SOA record of a zone without its owner name, which the
// answer writes as a pointer into the question when it can.
func soaRecord(z *zone, serial uint32) []byte {
	var rdata []byte
	rdata = appendName(rdata, z.nameservers[0])
	rdata = appendName(rdata, "hostmaster."+z.name)
	rdata = binary.BigEndian.AppendUint32(rdata, serial)
	rdata = binary.BigEndian.AppendUint32(rdata, soaRefresh)
	rdata = binary.BigEndian.AppendUint32(rdata, soaRetry)
	rdata = binary.BigEndian.AppendUint32(rdata, soaExpire)
	rdata = binary.BigEndian.AppendUint32(rdata, soaMinimum)
	b := appendRRHeader(nil, dns.TypeSOA, soaTTL, len(rdata))
	return append(b, rdata...)
}

// appendOPT appends our EDNS0 OPT record. The upper eight bits of an
// extended RCODE travel in its TTL field (RFC 6891 section 6.1.3).
func appendOPT(b []byte, rcode int) []byte {
	b = append(b, 0) // root owner
	b = binary.BigEndian.AppendUint16(b, dns.TypeOPT)
	b = binary.BigEndian.AppendUint16(b, udpPayloadSize)
	b = binary.BigEndian.AppendUint32(b, uint32(rcode>>4)<<24)
	return binary.BigEndian.AppendUint16(b, 0)
}

// equalFoldWire compares two wire-format name fragments, ASCII
// case-insensitively.
func equalFoldWire(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
