// Package dnshealth runs the health checks of convoy's DNS servers: it
// probes the addresses of health-checked record sets, over TCP or HTTP, and
// says which pass, with Route53's hysteresis: an address leaves after
// Threshold failed checks in a row and comes back after as many successes.
// A new address counts from its first check, which runs at once: Route53
// starts a new check healthy, but convoy adds endpoints in the middle of a
// rollout (a new release's Service), and one that is dead from the start
// must never get an answer. A DNS server asks it through dns.Health and rebuilds its
// answers when Changed fires, so a failing endpoint leaves the answers with
// no round trip through the API server.
//
// Probes go only to the addresses of the records served, with a bounded
// timeout each, one goroutine per (hostname, address, check).
package dnshealth

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"

	"github.com/convoy-rollouts/convoy/pkg/dns"
)

// Check is how one address is probed.
type Check struct {
	HTTP      bool   // a GET must answer 2xx or 3xx; else a TCP connection must be accepted
	Path      string // of the GET; "/" when empty
	Port      uint16
	Interval  time.Duration
	Timeout   time.Duration
	Threshold int // checks in a row that change the verdict; at least 1
}

// Target is an address of a hostname's endpoint and how to check it.
type Target struct {
	Hostname string // lower case, without the trailing dot: the HTTP Host
	Addr     netip.Addr
	Check    Check
}

func (t Target) String() string {
	scheme := "tcp"
	if t.Check.HTTP {
		scheme = "http"
	}
	return fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(t.Addr.String(), strconv.Itoa(int(t.Check.Port))), t.Check.Path)
}

// Prober probes a set of targets until Stop. It is safe for concurrent use.
type Prober struct {
	log     logr.Logger
	ctx     context.Context
	stop    context.CancelFunc
	client  *http.Client
	changed chan struct{}

	mu     sync.Mutex
	probes map[Target]*probe
	// byName indexes probes by what Healthy is asked.
	byName map[hostAddr][]*probe
}

type hostAddr struct {
	hostname string
	addr     netip.Addr
}

type probe struct {
	target  Target
	cancel  context.CancelFunc
	healthy atomic.Bool // false until the first check passed
	checked atomic.Bool // the first check has run
	done    chan struct{}
}

// New returns a prober with no targets; log receives a line each time an
// address changes state.
func New(log logr.Logger) *Prober {
	ctx, stop := context.WithCancel(context.Background())
	return &Prober{
		log: log, ctx: ctx, stop: stop,
		client: &http.Client{
			Transport: &http.Transport{
				// Every check is a new connection, as a client's would
				// be: a kept-alive one would pass while the listener is
				// gone.
				DisableKeepAlives: true,
				Proxy:             nil,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		changed: make(chan struct{}, 1),
		probes:  map[Target]*probe{},
		byName:  map[hostAddr][]*probe{},
	}
}

// Changed receives a value after one or more addresses changed state.
func (p *Prober) Changed() <-chan struct{} { return p.changed }

// Set makes targets the ones probed: new ones start, unhealthy until their
// first check (which runs at once) passes; gone ones stop; the others keep
// their state.
func (p *Prober) Set(targets []Target) {
	p.mu.Lock()
	defer p.mu.Unlock()
	want := make(map[Target]bool, len(targets))
	for _, t := range targets {
		want[t] = true
		if p.probes[t] != nil || p.ctx.Err() != nil {
			continue
		}
		ctx, cancel := context.WithCancel(p.ctx)
		pr := &probe{target: t, cancel: cancel, done: make(chan struct{})}
		p.probes[t] = pr
		k := hostAddr{t.Hostname, t.Addr}
		p.byName[k] = append(p.byName[k], pr)
		go p.run(ctx, pr)
	}
	for t, pr := range p.probes {
		if want[t] {
			continue
		}
		pr.cancel()
		delete(p.probes, t)
		k := hostAddr{t.Hostname, t.Addr}
		rest := p.byName[k][:0]
		for _, other := range p.byName[k] {
			if other != pr {
				rest = append(rest, other)
			}
		}
		if len(rest) == 0 {
			delete(p.byName, k)
		} else {
			p.byName[k] = rest
		}
	}
}

// Health says whether every check of the hostname's address passes:
// Unhealthy when one fails, Unknown while one has not run yet, and Healthy
// otherwise, as an address nobody checks is. It implements dns.Health.
func (p *Prober) Health(hostname string, addr netip.Addr) dns.HealthState {
	p.mu.Lock()
	defer p.mu.Unlock()
	state := dns.Healthy
	for _, pr := range p.byName[hostAddr{hostname, addr}] {
		switch {
		case !pr.checked.Load():
			state = dns.HealthUnknown
		case !pr.healthy.Load():
			return dns.Unhealthy
		}
	}
	return state
}

// Stop stops every probe and waits for them.
func (p *Prober) Stop() {
	p.stop()
	p.mu.Lock()
	probes := make([]*probe, 0, len(p.probes))
	for _, pr := range p.probes {
		probes = append(probes, pr)
	}
	p.mu.Unlock()
	for _, pr := range probes {
		<-pr.done
	}
}

// run checks the target every interval until ctx ends.
func (p *Prober) run(ctx context.Context, pr *probe) {
	defer close(pr.done)
	t := pr.target
	threshold := max(t.Check.Threshold, 1)
	streak := 0 // checks in a row that disagree with the current verdict
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		// Checks start every interval, however long each takes, as
		// Route53's do: restarting the interval after each check added
		// the checks' durations to the time a failure takes to notice.
		next := time.Now().Add(t.Check.Interval)
		err := p.check(ctx, t)
		if ctx.Err() != nil {
			return
		}
		healthy := pr.healthy.Load()
		if !pr.checked.Load() {
			// The first check decides at once.
			pr.healthy.Store(err == nil)
			pr.checked.Store(true) // after healthy: Health reads checked first
			if err != nil {
				p.log.Info("a new endpoint address fails its first health check: it gets no DNS answer", "hostname", t.Hostname, "check", t.String(), "error", err.Error())
			}
			p.signal()
			timer.Reset(time.Until(next))
			continue
		}
		if (err == nil) == healthy {
			streak = 0
		} else if streak++; streak >= threshold {
			streak = 0
			pr.healthy.Store(!healthy)
			if healthy {
				p.log.Info("an endpoint address failed its health checks: it leaves the DNS answers", "hostname", t.Hostname, "check", t.String(), "failures", threshold, "error", err.Error())
			} else {
				p.log.Info("an endpoint address passes its health checks again: it is back in the DNS answers", "hostname", t.Hostname, "check", t.String(), "successes", threshold)
			}
			p.signal()
		}
		timer.Reset(time.Until(next))
	}
}

// signal tells the DNS server that an address changed state.
func (p *Prober) signal() {
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// check probes the target once, within its timeout.
func (p *Prober) check(ctx context.Context, t Target) error {
	ctx, cancel := context.WithTimeout(ctx, t.Check.Timeout)
	defer cancel()
	hostPort := net.JoinHostPort(t.Addr.String(), strconv.Itoa(int(t.Check.Port)))
	if !t.Check.HTTP {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", hostPort)
		if err != nil {
			return err
		}
		return conn.Close()
	}
	path := t.Check.Path
	if path == "" {
		path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+hostPort+path, nil)
	if err != nil {
		return err
	}
	req.Host = t.Hostname
	req.Header.Set("User-Agent", "convoy-dns-health-check")
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}
