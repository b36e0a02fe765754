// Package apiproxy stands in for the network between convoy and an
// application cluster's kube-apiserver in the local environment: a plain
// loopback TCP relay (TLS passes through untouched) that can be cut and
// restored, so a test can take a cluster's API server away from convoy
// without freezing the API server itself (a frozen kube-apiserver makes that
// cluster's kube-controller-manager lose its lease and exit).
//
// A cut resets every established connection, as a real partition breaks
// watches and keep-alive connections, and resets every new one until it is
// restored or its expiry passes. The relay keeps its listener during a cut,
// so no other process (another environment's kwokctl probing for free ports)
// can take the port meanwhile.
//
// It is part of the environment, not of convoy: convoy only sees a cluster
// address that sometimes does not answer.
package apiproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// dialTimeout bounds reaching the backend; a stopped cluster refuses at once.
const dialTimeout = 5 * time.Second

// Relay forwards every connection to its listener to one backend address.
type Relay struct {
	ln      net.Listener
	backend string

	mu sync.Mutex
	// cut tells whether the relay is cut; until, when not zero, is when the
	// cut ends by itself. Connections check it as they come, so expiry needs
	// no timer: nothing is established while cut.
	cut   bool
	until time.Time
	pairs map[*pair]struct{}
}

// pair is one relayed connection; backend is nil while it is being dialled.
type pair struct{ client, backend net.Conn }

// Listen starts listening on addr (host:port; port 0 picks one) for
// connections to relay to backend. Serve relays them.
func Listen(addr, backend string) (*Relay, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("API proxy to %s: %w", backend, err)
	}
	return &Relay{ln: ln, backend: backend, pairs: map[*pair]struct{}{}}, nil
}

// Addr is the address the relay listens on.
func (r *Relay) Addr() string { return r.ln.Addr().String() }

// Backend is the address the relay forwards to.
func (r *Relay) Backend() string { return r.backend }

// Serve relays connections until Close.
func (r *Relay) Serve() error {
	for {
		c, err := r.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		go r.handle(c)
	}
}

// Close stops listening and drops every connection.
func (r *Relay) Close() error {
	err := r.ln.Close()
	r.dropAll()
	return err
}

func (r *Relay) handle(c net.Conn) {
	p := &pair{client: c}
	r.mu.Lock()
	cut := r.isCutLocked(time.Now())
	if !cut {
		r.pairs[p] = struct{}{}
	}
	r.mu.Unlock()
	if cut {
		reset(c)
		return
	}
	b, err := net.DialTimeout("tcp", r.backend, dialTimeout)
	r.mu.Lock()
	_, live := r.pairs[p] // a cut while dialling already dropped it
	if live && err == nil {
		p.backend = b
	}
	r.mu.Unlock()
	if !live || err != nil {
		if b != nil {
			b.Close()
		}
		r.drop(p)
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(b, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, b); done <- struct{}{} }()
	// One direction ending ends the connection: HTTPS clients never
	// half-close, and a backend gone mid-stream must not leave the client
	// waiting.
	<-done
	r.drop(p)
	<-done
}

// drop forgets a connection and resets both its ends.
func (r *Relay) drop(p *pair) {
	r.mu.Lock()
	delete(r.pairs, p)
	r.mu.Unlock()
	p.close()
}

func (r *Relay) dropAll() {
	r.mu.Lock()
	pairs := r.pairs
	r.pairs = map[*pair]struct{}{}
	r.mu.Unlock()
	for p := range pairs {
		p.close()
	}
}

func (p *pair) close() {
	reset(p.client)
	if p.backend != nil {
		p.backend.Close()
	}
}

// reset closes a connection with an RST rather than a FIN, as a broken path
// shows up to a client: an error, not an orderly end of stream.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

// Cut resets every established connection and every new one for d, or
// until Restore when d <= 0. Cutting a cut relay sets its new expiry.
func (r *Relay) Cut(d time.Duration) {
	r.mu.Lock()
	r.cut, r.until = true, time.Time{}
	if d > 0 {
		r.until = time.Now().Add(d)
	}
	r.mu.Unlock()
	r.dropAll()
}

// Restore lets connections through again.
func (r *Relay) Restore() {
	r.mu.Lock()
	r.cut, r.until = false, time.Time{}
	r.mu.Unlock()
}

func (r *Relay) isCutLocked(now time.Time) bool {
	return r.cut && (r.until.IsZero() || now.Before(r.until))
}

// State is what a relay is doing.
type State struct {
	Listen  string `json:"listen"`
	Backend string `json:"backend"`
	Cut     bool   `json:"cut"`
	// Until is when the cut ends by itself; nil while open or when only
	// Restore ends it.
	Until *time.Time `json:"until,omitempty"`
	// Connections is how many connections it relays now.
	Connections int `json:"connections"`
}

// State reports the relay's state.
func (r *Relay) State() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := State{Listen: r.Addr(), Backend: r.backend, Cut: r.isCutLocked(time.Now()), Connections: len(r.pairs)}
	if s.Cut && !r.until.IsZero() {
		until := r.until
		s.Until = &until
	}
	return s
}

// Serve relays with every relay of set until ctx ends, then closes them.
func Serve(ctx context.Context, set map[string]*Relay) error {
	errs := make(chan error, len(set))
	for name, r := range set {
		go func() {
			if err := r.Serve(); err != nil {
				errs <- fmt.Errorf("API proxy of cluster %s: %w", name, err)
			}
		}()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	for _, r := range set {
		r.Close()
	}
	return err
}
