package apiproxy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Control serves the cut and restore switches of a set of relays, keyed by
// cluster name, over HTTP on loopback, so that whatever process runs the
// relays (`convoy dev apiproxy`, a test binary) can be switched from any
// other (`convoy dev cut`, a test). A cut's expiry lives in the relay, so
// it ends on time even if whoever asked for it is gone.
//
//	POST /cut?cluster=NAME&for=DURATION   (no for: until restore)
//	POST /restore?cluster=NAME
//	GET  /status                          (JSON: cluster name to State)
type Control map[string]*Relay

func (c Control) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == "/status" && req.Method == http.MethodGet {
		states := map[string]State{}
		for name, r := range c {
			states[name] = r.State()
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(states)
		return
	}
	if req.Method != http.MethodPost || (req.URL.Path != "/cut" && req.URL.Path != "/restore") {
		http.Error(w, "use POST /cut, POST /restore or GET /status", http.StatusNotFound)
		return
	}
	name := req.URL.Query().Get("cluster")
	r, ok := c[name]
	if !ok {
		http.Error(w, fmt.Sprintf("no API proxy for cluster %q (there are %s)", name, c.names()), http.StatusNotFound)
		return
	}
	if req.URL.Path == "/restore" {
		r.Restore()
		return
	}
	var d time.Duration
	if s := req.URL.Query().Get("for"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d <= 0 {
			http.Error(w, fmt.Sprintf("for=%q: want a positive duration such as 10s", s), http.StatusBadRequest)
			return
		}
	}
	r.Cut(d)
}

func (c Control) names() string {
	var names []string
	for name := range c {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// Cut asks the control server at addr (host:port) to cut cluster's relay
// for d, or until Restore when d <= 0. When it returns, the cluster's
// connections are reset.
func Cut(ctx context.Context, addr, cluster string, d time.Duration) error {
	q := url.Values{"cluster": {cluster}}
	if d > 0 {
		q.Set("for", d.String())
	}
	return call(ctx, http.MethodPost, addr, "/cut?"+q.Encode(), nil)
}

// Restore asks the control server at addr to let cluster's connections
// through again.
func Restore(ctx context.Context, addr, cluster string) error {
	return call(ctx, http.MethodPost, addr, "/restore?"+url.Values{"cluster": {cluster}}.Encode(), nil)
}

// Status asks the control server at addr for every relay's state.
func Status(ctx context.Context, addr string) (map[string]State, error) {
	states := map[string]State{}
	return states, call(ctx, http.MethodGet, addr, "/status", &states)
}

func call(ctx context.Context, method, addr, path string, into any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("API proxy control at %s: %w", addr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("API proxy control at %s: %w", addr, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("API proxy control at %s: %s", addr, strings.TrimSpace(string(body)))
	}
	if into == nil {
		return nil
	}
	return json.Unmarshal(body, into)
}
