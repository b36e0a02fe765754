package apiproxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// echoServer is a loopback TCP server that answers each line with itself.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func startRelay(t *testing.T) *Relay {
	t.Helper()
	r, err := Listen("127.0.0.1:0", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	go func() {
		if err := r.Serve(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	return r
}

// conn is a client connection through the relay; deadlines only keep a
// broken test from hanging.
type conn struct {
	net.Conn
	lines *bufio.Reader
}

func dial(t *testing.T, addr string) *conn {
	t.Helper()
	c, err := tryDial(t, addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func tryDial(t *testing.T, addr string) (*conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	return &conn{Conn: c, lines: bufio.NewReader(c)}, nil
}

// mustRefuse checks that a new connection to addr breaks at once: the
// relay resets it, during the handshake or right after.
func mustRefuse(t *testing.T, addr, what string) {
	t.Helper()
	c, err := tryDial(t, addr)
	if err != nil {
		return
	}
	mustBreak(t, c, what)
}

// echo sends a line and returns the answer.
func (c *conn) echo(line string) (string, error) {
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	got, err := c.lines.ReadString('\n')
	return strings.TrimSuffix(got, "\n"), err
}

func mustEcho(t *testing.T, c *conn, line string) {
	t.Helper()
	got, err := c.echo(line)
	if err != nil || got != line {
		t.Fatalf("echo %q through the relay: got %q, %v", line, got, err)
	}
}

// mustBreak checks that c is broken by the relay (reset or closed), not
// merely slow.
func mustBreak(t *testing.T, c *conn, what string) {
	t.Helper()
	got, err := c.echo("ping")
	if err == nil {
		t.Fatalf("%s: echo got %q, want the connection broken", what, got)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: connection hangs, want it reset: %v", what, err)
	}
}

func TestRelayCutKillsOpenConnectionsAndRefusesNewUntilRestore(t *testing.T) {
	r := startRelay(t)
	open := dial(t, r.Addr())
	mustEcho(t, open, "hello")
	if s := r.State(); s.Cut || s.Connections != 1 {
		t.Fatalf("state before the cut: %+v, want open with 1 connection", s)
	}

	r.Cut(0)
	mustBreak(t, open, "established connection after Cut")
	mustRefuse(t, r.Addr(), "new connection during the cut")
	if s := r.State(); !s.Cut || s.Until != nil || s.Connections != 0 {
		t.Fatalf("state during the cut: %+v, want cut without expiry and no connections", s)
	}

	r.Restore()
	mustEcho(t, dial(t, r.Addr()), "again")
	if s := r.State(); s.Cut {
		t.Fatalf("state after Restore: %+v, want open", s)
	}
}

func TestRelayCutExpiresByItself(t *testing.T) {
	r := startRelay(t)
	open := dial(t, r.Addr())
	mustEcho(t, open, "hello")
	r.Cut(300 * time.Millisecond)
	mustBreak(t, open, "established connection after Cut")
	if s := r.State(); s.Cut && s.Until == nil {
		t.Fatalf("state during a cut with expiry: %+v, want its expiry", s)
	}
	// Nobody restores: the relay must let connections through once the
	// expiry has passed.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := tryDial(t, r.Addr())
		if err == nil {
			var got string
			if got, err = c.echo("after"); err == nil && got == "after" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("cut of 300ms still in force after 30s: %v (state %+v)", err, r.State())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s := r.State(); s.Cut {
		t.Errorf("state after expiry: %+v, want open", s)
	}
}

// The control server switches relays by cluster name and names the
// clusters it has when asked for another.
func TestProxyControlCutsAndRestoresByClusterName(t *testing.T) {
	a, b := startRelay(t), startRelay(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: Control{"eu-west-1": a, "us-east-1": b}, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	addr, ctx := ln.Addr().String(), context.Background()

	openA, openB := dial(t, a.Addr()), dial(t, b.Addr())
	mustEcho(t, openA, "a")
	mustEcho(t, openB, "b")
	if err := Cut(ctx, addr, "eu-west-1", time.Hour); err != nil {
		t.Fatal(err)
	}
	mustBreak(t, openA, "eu-west-1 after its cut")
	mustEcho(t, openB, "b still")
	states, err := Status(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	if s := states["eu-west-1"]; !s.Cut || s.Until == nil || s.Listen != a.Addr() {
		t.Errorf("status of eu-west-1: %+v, want cut for an hour on %s", s, a.Addr())
	}
	if s := states["us-east-1"]; s.Cut || s.Connections != 1 {
		t.Errorf("status of us-east-1: %+v, want open with 1 connection", s)
	}

	if err := Restore(ctx, addr, "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	mustEcho(t, dial(t, a.Addr()), "a again")

	err = Cut(ctx, addr, "ap-south-1", 0)
	if err == nil || !strings.Contains(err.Error(), "ap-south-1") || !strings.Contains(err.Error(), "eu-west-1, us-east-1") {
		t.Errorf("cutting an unknown cluster: got %v, want an error naming it and the known ones", err)
	}
}

// Closing a relay ends Serve without an error, as Serve does for a set of
// relays when its context ends.
func TestProxyServeEndsWithItsContext(t *testing.T) {
	r, err := Listen("127.0.0.1:0", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, map[string]*Relay{"eu-west-1": r}) }()
	mustEcho(t, dial(t, r.Addr()), "served")
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after its context ended: %v", err)
	}
	if _, err := net.Dial("tcp", r.Addr()); err == nil {
		t.Errorf("relay still listens on %s after Serve returned", r.Addr())
	}
}
