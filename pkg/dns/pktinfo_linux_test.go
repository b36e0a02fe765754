package dns

import (
	"net/netip"
	"syscall"
	"testing"
	"unsafe"
)

func TestReplyOOB(t *testing.T) {
	in4 := make([]byte, oobSize)
	in4 = cmsg(in4, syscall.IPPROTO_IP, syscall.IP_PKTINFO, syscall.SizeofInet4Pktinfo)
	*(*syscall.Inet4Pktinfo)(unsafe.Pointer(&in4[syscall.CmsgLen(0)])) = syscall.Inet4Pktinfo{
		Ifindex: 3, Spec_dst: [4]byte{10, 0, 0, 1}, Addr: [4]byte{10, 0, 0, 53},
	}
	in6 := make([]byte, oobSize)
	in6 = cmsg(in6, syscall.IPPROTO_IPV6, syscall.IPV6_PKTINFO, syscall.SizeofInet6Pktinfo)
	*(*syscall.Inet6Pktinfo)(unsafe.Pointer(&in6[syscall.CmsgLen(0)])) = syscall.Inet6Pktinfo{
		Addr: netip.MustParseAddr("2001:db8::53").As16(), Ifindex: 3,
	}
	other := make([]byte, oobSize)
	other = cmsg(other, syscall.SOL_SOCKET, syscall.SCM_TIMESTAMP, 8)

	out := make([]byte, oobSize)
	// The reply's source is the query's destination; the interface is the
	// kernel's choice, as with miekg/dns.
	got := replyOOB(out, in4)
	if info := (*syscall.Inet4Pktinfo)(unsafe.Pointer(&got[syscall.CmsgLen(0)])); *info != (syscall.Inet4Pktinfo{Spec_dst: [4]byte{10, 0, 0, 53}}) {
		t.Errorf("IPv4 reply pktinfo %+v", *info)
	}
	got = replyOOB(out, append(append([]byte{}, other...), in6...))
	if info := (*syscall.Inet6Pktinfo)(unsafe.Pointer(&got[syscall.CmsgLen(0)])); *info != (syscall.Inet6Pktinfo{Addr: netip.MustParseAddr("2001:db8::53").As16()}) {
		t.Errorf("IPv6 reply pktinfo after another message %+v", *info)
	}
	for name, in := range map[string][]byte{"none": nil, "other only": other, "short": in4[:10], "bad length": append([]byte{0xff, 0xff}, in4[2:]...)} {
		if got := replyOOB(out, in); got != nil {
			t.Errorf("%s: %x, want nil", name, got)
		}
	}
}
