package dns

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// udpServer serves queries on one UDP socket. miekg/dns's server starts a
// goroutine and allocates about a kilobyte per packet; here a few reader
// goroutines each read, answer and write in turn, reusing their buffers, so
// a query allocates only what parsing it takes. On a small machine the
// garbage and the hand-offs between goroutines are what tail latency is
// made of. miekg/dns still parses the queries, and serves TCP.
type udpServer struct {
	conn    *net.UDPConn
	handler dns.Handler
	closing atomic.Bool
	done    chan struct{} // closed when every reader has returned
}

// udpReaders is how many goroutines read the socket. Each answers a query
// in a few microseconds, mostly in the send system call, so one reader
// serves close to 100,000 queries per second. Readers beyond half the CPUs
// bought no throughput on a 2-core machine, only contention with the rest
// of the process (convoy embeds this server in its manager) and worse tail
// latency.
func udpReaders() int {
	return max(1, runtime.GOMAXPROCS(0)/2)
}

func newUDPServer(conn *net.UDPConn, h dns.Handler) (*udpServer, error) {
	if err := enablePktinfo(conn); err != nil {
		return nil, err
	}
	u := &udpServer{conn: conn, handler: h, done: make(chan struct{})}
	var wg sync.WaitGroup
	for range udpReaders() {
		wg.Go(u.read)
	}
	go func() {
		wg.Wait()
		close(u.done)
	}()
	return u, nil
}

func (u *udpServer) read() {
	buf := make([]byte, udpPayloadSize)
	oob := make([]byte, oobSize)
	w := &udpWriter{conn: u.conn, oob: make([]byte, oobSize)}
	msg := new(dns.Msg)
	for {
		n, oobn, _, addr, err := u.conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if u.closing.Load() {
				return
			}
			// Nothing useful can be done about a failed read; keep
			// serving, without spinning if the error persists.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if n < headerLen {
			continue // too short to answer, as miekg/dns does
		}
		w.addr = addr
		w.replyOOB = replyOOB(w.oob, oob[:oobn])
		h := dns.Header{Id: binary.BigEndian.Uint16(buf), Bits: binary.BigEndian.Uint16(buf[2:])}
		if acceptMsg(h) == dns.MsgIgnore {
			continue
		}
		// One Msg per reader: handlers do not keep the request (ours does
		// not), and a fresh one per query would be garbage.
		*msg = dns.Msg{}
		if err := msg.Unpack(buf[:n]); err != nil {
			w.Write(formErr(w.hdr[:0], h))
			continue
		}
		u.handler.ServeDNS(w, msg)
	}
}

// shutdown unblocks the readers, waits until they have answered what they
// were answering or ctx is done, and closes the socket.
func (u *udpServer) shutdown(ctx context.Context) error {
	u.closing.Store(true)
	u.conn.SetReadDeadline(time.Unix(1, 0))
	var err error
	select {
	case <-u.done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if cerr := u.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// formErr is the reply to a packet that does not parse: only a header, as
// miekg/dns's server sends.
func formErr(b []byte, h dns.Header) []byte {
	b = append(b[:0], make([]byte, headerLen)...)
	binary.BigEndian.PutUint16(b, h.Id)
	binary.BigEndian.PutUint16(b[2:], flagQR|h.Bits&(0xF<<11|flagRD)|dns.RcodeFormatError)
	return b
}

// udpWriter is the dns.ResponseWriter of one reader goroutine, for the
// query it is answering.
type udpWriter struct {
	conn     *net.UDPConn
	addr     netip.AddrPort
	oob      []byte // buffer for replyOOB
	replyOOB []byte // sets the reply's source address; nil: the kernel's choice
	hdr      [headerLen]byte
}

func (w *udpWriter) LocalAddr() net.Addr  { return w.conn.LocalAddr() }
func (w *udpWriter) RemoteAddr() net.Addr { return net.UDPAddrFromAddrPort(w.addr) }
func (w *udpWriter) WriteMsg(m *dns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
func (w *udpWriter) Write(b []byte) (int, error) {
	n, _, err := w.conn.WriteMsgUDPAddrPort(b, w.replyOOB, w.addr)
	return n, err
}
func (w *udpWriter) Close() error        { return nil }
func (w *udpWriter) TsigStatus() error   { return nil }
func (w *udpWriter) TsigTimersOnly(bool) {}
func (w *udpWriter) Hijack()             {}
