package helm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

// maxTransports bounds the transports kept for reuse (one per distinct set
// of credentials). Past it the pool is dropped and rebuilt, which only costs
// fresh connections.
const maxTransports = 64

// transports keeps one *http.Transport per set of credentials, so
// connections to a repository are reused across calls while a repository's
// client certificate never serves another's requests.
type transports struct {
	mu sync.Mutex
	m  map[string]*http.Transport
}

// get returns the transport for creds, building it on first use.
func (ts *transports) get(creds *render.Credentials) (*http.Transport, error) {
	key := fingerprint(creds)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t, ok := ts.m[key]; ok {
		return t, nil
	}
	tlsConfig, err := creds.TLSConfig()
	if err != nil {
		return nil, err
	}
	t := &http.Transport{
		// Loopback addresses are never proxied (net/http's rule), so tests
		// stay local even with a proxy in the environment.
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	}
	if ts.m == nil || len(ts.m) >= maxTransports {
		for _, old := range ts.m {
			old.CloseIdleConnections()
		}
		ts.m = map[string]*http.Transport{}
	}
	ts.m[key] = t
	return t, nil
}

// fingerprint identifies a set of credentials without keeping them as a
// map key. Caches key on it so that what one set of credentials fetched is
// never served to a caller with other (or no) credentials.
func fingerprint(creds *render.Credentials) string {
	if creds == nil {
		return "anonymous"
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(creds.Username), []byte(creds.Password), creds.CAData, creds.CertData, creds.KeyData} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	fmt.Fprintf(h, "insecure=%t", creds.InsecureSkipVerify)
	return hex.EncodeToString(h.Sum(nil))
}

// errTooLarge is returned when a response exceeds its size limit.
type errTooLarge struct{ limit int64 }

func (e *errTooLarge) Error() string {
	return fmt.Sprintf("the response is larger than the limit of %s", formatBytes(e.limit))
}

func formatBytes(n int64) string {
	if n >= mib && n%mib == 0 {
		return fmt.Sprintf("%d MiB", n/mib)
	}
	return fmt.Sprintf("%d bytes", n)
}

// readLimited reads r to the end, failing once it passes limit bytes.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &errTooLarge{limit: limit}
	}
	return data, nil
}

// boundTransport gives requests from code that has no context parameter
// (Helm's registry client uses context.Background) the caller's context, so
// deadlines and cancellation reach them, and it caps every response body.
type boundTransport struct {
	base  http.RoundTripper
	ctx   context.Context
	limit int64
}

func (t *boundTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req.Clone(t.ctx))
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.limit {
		resp.Body.Close()
		return nil, &errTooLarge{limit: t.limit}
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.limit, limit: t.limit}
	return resp, nil
}

// limitedBody fails a read that goes past limit bytes instead of silently
// truncating, so a too-large blob is an error, not a corrupt chart.
type limitedBody struct {
	rc    io.ReadCloser
	left  int64
	limit int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body that ends exactly at the limit from
		// one that goes on.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, &errTooLarge{limit: b.limit}
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
