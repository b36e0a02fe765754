package dns

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	// udpPayloadSize is the EDNS0 payload size we advertise and the largest
	// UDP query we read: 1232 avoids IP fragmentation on any common path (DNS
	// flag day 2020).
	udpPayloadSize = 1232

	// SOA timers. Nothing transfers our zones, so refresh/retry/expire only
	// need to be sensible; soaMinimum and soaTTL bound negative caching
	// (RFC 2308), kept short so a hostname published during a rollout is not
	// hidden behind a cached NXDOMAIN for long.
	soaRefresh = 3600
	soaRetry   = 600
	soaExpire  = 86400
	soaMinimum = 30
	soaTTL     = 30
	nsTTL      = 300

	// listenAttempts bounds how often Start retries when port 0 gave a UDP
	// port whose TCP twin is taken.
	listenAttempts = 20
)

// Config configures a Server.
type Config struct {
	Zones       []string              // apexes this server is authoritative for (e.g. "convoy.test."); at least one
	Nameservers []string              // NS targets at every apex; default "ns1.<zone>"
	Registerer  prometheus.Registerer // nil: no metrics
	// Health, when set, says which addresses of health-checked record sets
	// are answered; call Refresh when it changes its mind.
	Health Health
}

// Server is an authoritative DNS server for a fixed set of zones whose
// records Update replaces atomically. It is safe for concurrent use.
type Server struct {
	zones   []*zone // longest name first, so the most specific zone wins
	metrics *metrics
	health  Health

	// snap is what queries read; they never wait for Update, which builds a
	// new snapshot aside and swaps it in.
	snap     atomic.Pointer[snapshot]
	updateMu sync.Mutex  // serialises Update and Refresh, never taken by queries
	served   []servedSet // as Update last validated them, before health; guarded by updateMu

	lifeMu  sync.Mutex // guards the listeners below (Start, Shutdown)
	udp     *udpServer
	tcp     *dns.Server
	tcpDone chan error // what the TCP serve loop returned
}

// zone is a configured apex; it never changes after NewServer.
type zone struct {
	name        string // canonical
	wire        string // wire form, to check compression pointers against
	nameservers []string
	index       int // into snapshot.zones
}

// NewServer validates cfg and returns a server that answers for its zones
// with no published record sets yet (only SOA and NS at the apexes).
func NewServer(cfg Config) (*Server, error) {
	if len(cfg.Zones) == 0 {
		return nil, errors.New("dns: Config.Zones is empty: the server needs at least one zone to be authoritative for")
	}
	var nameservers []string
	for _, ns := range cfg.Nameservers {
		name, err := canonicalName(ns)
		if err != nil {
			return nil, fmt.Errorf("dns: nameserver %q: %w", ns, err)
		}
		nameservers = append(nameservers, name)
	}

	s := &Server{health: cfg.Health}
	seen := make(map[string]string, len(cfg.Zones))
	for _, z := range cfg.Zones {
		name, err := canonicalName(z)
		if err != nil {
			return nil, fmt.Errorf("dns: zone %q: %w", z, err)
		}
		if prev, dup := seen[name]; dup {
			return nil, fmt.Errorf("dns: zone %q is configured twice (as %q and %q)", name, prev, z)
		}
		seen[name] = z
		if len("hostmaster."+name) > maxNameLen {
			return nil, fmt.Errorf("dns: zone %q is too long for its SOA's hostmaster.%s", name, name)
		}
		ns := nameservers
		if len(ns) == 0 {
			ns = []string{"ns1." + name}
		}
		s.zones = append(s.zones, &zone{name: name, wire: string(appendName(nil, name)), nameservers: ns})
	}
	slices.SortStableFunc(s.zones, func(a, b *zone) int { return cmp.Compare(len(b.name), len(a.name)) })
	for i, z := range s.zones {
		z.index = i
	}

	if cfg.Registerer != nil {
		m, err := newMetrics(cfg.Registerer)
		if err != nil {
			return nil, err
		}
		s.metrics = m
	}

	s.snap.Store(s.build(nil, nextSerial(0)))
	return s, nil
}

// Authoritative reports whether hostname is one of the zones or inside one.
func (s *Server) Authoritative(hostname string) bool {
	name, err := canonicalName(hostname)
	if err != nil {
		return false
	}
	return s.zoneOf([]byte(name)) != nil
}

// zoneOf returns the most specific zone containing the lowercase name, or nil.
func (s *Server) zoneOf(name []byte) *zone {
	for _, z := range s.zones {
		if inZone(name, z.name) {
			return z
		}
	}
	return nil
}

// Start listens on UDP and TCP at addr (host:port; port 0 picks one port
// free for both) and serves in the background. It returns the bound address.
func (s *Server) Start(addr string) (net.Addr, error) {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.udp != nil {
		return nil, errors.New("dns: server already started")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dns: listen address %q: %w", addr, err)
	}

	var (
		pc net.PacketConn
		l  net.Listener
	)
	for attempt := 1; ; attempt++ {
		pc, err = net.ListenPacket("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("dns: listen udp %s: %w", addr, err)
		}
		tcpAddr := net.JoinHostPort(host, strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port))
		l, err = net.Listen("tcp", tcpAddr)
		if err == nil {
			break
		}
		pc.Close()
		// With port 0 the kernel chose a UDP port whose TCP twin may be
		// taken by someone else: try another port.
		if port != "0" || attempt == listenAttempts {
			return nil, fmt.Errorf("dns: listen tcp %s: %w", tcpAddr, err)
		}
	}

	udp, err := newUDPServer(pc.(*net.UDPConn), s)
	if err != nil {
		pc.Close()
		l.Close()
		return nil, fmt.Errorf("dns: serve udp %s: %w", pc.LocalAddr(), err)
	}
	tcp := &dns.Server{
		Listener:      l,
		Handler:       s,
		MsgAcceptFunc: acceptMsg,
		ReadTimeout:   2 * time.Second,
		WriteTimeout:  2 * time.Second,
	}
	started := make(chan struct{})
	tcp.NotifyStartedFunc = func() { close(started) }
	tcpDone := make(chan error, 1)
	go func() { tcpDone <- tcp.ActivateAndServe() }()
	// Wait for the serve loop, so that a Shutdown right after Start finds
	// it started.
	select {
	case <-started:
	case err := <-tcpDone:
		udp.shutdown(context.Background())
		l.Close()
		return nil, fmt.Errorf("dns: serve tcp %s: %w", l.Addr(), err)
	}
	s.udp, s.tcp, s.tcpDone = udp, tcp, tcpDone
	return pc.LocalAddr(), nil
}

// acceptMsg replaces miekg/dns's default filter, which would answer bad
// opcodes and question counts itself: ServeDNS does that so the metrics see
// it. Responses are still dropped here, before being parsed.
func acceptMsg(h dns.Header) dns.MsgAcceptAction {
	if h.Bits&flagQR != 0 {
		return dns.MsgIgnore
	}
	return dns.MsgAccept
}

// Shutdown stops listening and waits, until ctx is done, for in-flight
// queries to be answered. It returns nil when the server is not started, and
// reports serving errors that stopped the TCP listener early.
func (s *Server) Shutdown(ctx context.Context) error {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.udp == nil {
		return nil
	}
	var errs []error
	if err := s.udp.shutdown(ctx); err != nil && ctx.Err() == nil {
		errs = append(errs, fmt.Errorf("dns: shut down udp: %w", err))
	}
	// "server not started": the loop already ended, tcpDone says why.
	if err := s.tcp.ShutdownContext(ctx); err != nil && ctx.Err() == nil && err.Error() != "dns: server not started" {
		errs = append(errs, fmt.Errorf("dns: shut down tcp: %w", err))
	}
	select {
	case err := <-s.tcpDone:
		if err != nil {
			errs = append(errs, fmt.Errorf("dns: serve tcp: %w", err))
		}
	case <-ctx.Done():
	}
	if err := ctx.Err(); err != nil {
		errs = append(errs, fmt.Errorf("dns: shutdown: %w", err))
	}
	s.udp, s.tcp, s.tcpDone = nil, nil, nil
	return errors.Join(errs...)
}
