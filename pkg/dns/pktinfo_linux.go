//go:build linux

package dns

import (
	"net"
	"syscall"
	"unsafe"
)

// A server listening on a wildcard address must answer from the address the
// query was sent to, or a client that sent to a secondary address drops the
// reply. The kernel tells each packet's destination in an IP_PKTINFO or
// IPV6_PKTINFO control message, and takes the reply's source address in
// the same kind of message. miekg/dns does this with golang.org/x/net, which
// allocates on every packet; these helpers do it in place.

// oobSize fits either control message.
var oobSize = syscall.CmsgSpace(max(syscall.SizeofInet4Pktinfo, syscall.SizeofInet6Pktinfo))

// enablePktinfo asks for the control messages. A socket takes one option or
// the other (or both, when it is dual-stack), so only both failing is an
// error.
func enablePktinfo(c *net.UDPConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var err4, err6 error
	err = rc.Control(func(fd uintptr) {
		err4 = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_PKTINFO, 1)
		err6 = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_RECVPKTINFO, 1)
	})
	switch {
	case err != nil:
		return err
	case err4 != nil && err6 != nil:
		return err4
	}
	return nil
}

// replyOOB writes to out (oobSize bytes, 8-byte aligned) the control
// message that sets the reply's source to the destination found in the
// query's control messages in, and returns it; nil when in has none.
func replyOOB(out, in []byte) []byte {
	for len(in) >= syscall.CmsgLen(0) {
		h := (*syscall.Cmsghdr)(unsafe.Pointer(&in[0]))
		n := int(h.Len)
		if n < syscall.CmsgLen(0) || n > len(in) {
			return nil
		}
		data := in[syscall.CmsgLen(0):n]
		switch {
		case h.Level == syscall.IPPROTO_IP && h.Type == syscall.IP_PKTINFO && len(data) >= syscall.SizeofInet4Pktinfo:
			got := (*syscall.Inet4Pktinfo)(unsafe.Pointer(&data[0]))
			out = cmsg(out, syscall.IPPROTO_IP, syscall.IP_PKTINFO, syscall.SizeofInet4Pktinfo)
			*(*syscall.Inet4Pktinfo)(unsafe.Pointer(&out[syscall.CmsgLen(0)])) = syscall.Inet4Pktinfo{Spec_dst: got.Addr}
			return out
		case h.Level == syscall.IPPROTO_IPV6 && h.Type == syscall.IPV6_PKTINFO && len(data) >= syscall.SizeofInet6Pktinfo:
			got := (*syscall.Inet6Pktinfo)(unsafe.Pointer(&data[0]))
			out = cmsg(out, syscall.IPPROTO_IPV6, syscall.IPV6_PKTINFO, syscall.SizeofInet6Pktinfo)
			*(*syscall.Inet6Pktinfo)(unsafe.Pointer(&out[syscall.CmsgLen(0)])) = syscall.Inet6Pktinfo{Addr: got.Addr}
			return out
		}
		if next := syscall.CmsgSpace(n - syscall.CmsgLen(0)); next < len(in) {
			in = in[next:]
		} else {
			return nil
		}
	}
	return nil
}

// cmsg writes a control message header to out and sizes out for datalen
// bytes of data.
func cmsg(out []byte, level, typ int32, datalen int) []byte {
	out = out[:syscall.CmsgSpace(datalen)]
	clear(out)
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&out[0]))
	h.Level, h.Type = level, typ
	h.SetLen(syscall.CmsgLen(datalen))
	return out
}
