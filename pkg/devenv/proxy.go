package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/convoy-rollouts/convoy/pkg/devenv/apiproxy"
)

// APIProxyPIDFile is where the detached `convoy dev apiproxy` records its
// process.
func (e *Environment) APIProxyPIDFile() string { return filepath.Join(e.Dir, "apiproxy.pid") }

// APIProxyLogFile is where the detached `convoy dev apiproxy` logs.
func (e *Environment) APIProxyLogFile() string { return filepath.Join(e.Dir, "apiproxy.log") }

// apiProxyControlFile holds the address of the running proxies' control
// server, written once they listen.
func (e *Environment) apiProxyControlFile() string { return filepath.Join(e.Dir, "apiproxy.control") }

// APIProxyURL is the address convoy reaches the application cluster named
// name at: its API server through the environment's cuttable proxy.
func (e *Environment) APIProxyURL(name string) string { return "https://" + e.APIProxies[name] }

// assignAPIProxies gives every application cluster a loopback port for its
// API proxy, keeping those old already recorded so convoy's Cluster objects
// stay valid across `dev up`. New ports are free ones, held all at once so
// that no two clusters get the same.
func assignAPIProxies(old map[string]string, clusters []AppCluster) (map[string]string, error) {
	proxies := map[string]string{}
	for _, c := range clusters {
		if addr, ok := old[c.Name]; ok {
			proxies[c.Name] = addr
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("picking a port for the API proxy of cluster %s: %w", c.Name, err)
		}
		defer ln.Close()
		proxies[c.Name] = ln.Addr().String()
	}
	return proxies, nil
}

// StartAPIProxies listens on every application cluster's API proxy address
// and on a control address (recorded in the environment's directory for
// CutAPI and RestoreAPI), relays until ctx ends and then calls done with
// why it stopped. It returns once everything listens.
func (e *Environment) StartAPIProxies(ctx context.Context, log io.Writer, done func(error)) error {
	relays := map[string]*apiproxy.Relay{}
	closeAll := func() {
		for _, r := range relays {
			r.Close()
		}
	}
	for _, c := range e.Clusters {
		addr, ok := e.APIProxies[c.Name]
		if !ok {
			closeAll()
			return fmt.Errorf("cluster %s has no API proxy address in %s: run 'convoy dev up' to record one", c.Name, e.Dir)
		}
		cfg, err := RESTConfig(e.Kubeconfig, e.Context(c.Name))
		if err != nil {
			closeAll()
			return err
		}
		u, err := url.Parse(cfg.Host)
		if err != nil {
			closeAll()
			return fmt.Errorf("cluster %s: API server address %q: %w", c.Name, cfg.Host, err)
		}
		r, err := apiproxy.Listen(addr, u.Host)
		if err != nil {
			closeAll()
			return fmt.Errorf("cluster %s: %w", c.Name, err)
		}
		relays[c.Name] = r
		fmt.Fprintf(log, "cluster %s: API proxy %s -> %s\n", c.Name, r.Addr(), r.Backend())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		closeAll()
		return fmt.Errorf("API proxy control: %w", err)
	}
	if err := os.WriteFile(e.apiProxyControlFile(), []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
		ln.Close()
		closeAll()
		return err
	}
	fmt.Fprintf(log, "API proxy control on %s\n", ln.Addr())
	srv := &http.Server{Handler: apiproxy.Control(relays), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		err := apiproxy.Serve(ctx, relays)
		srv.Close()
		_ = os.Remove(e.apiProxyControlFile())
		done(err)
	}()
	return nil
}

// CutAPI cuts convoy off from the application cluster's API server for d,
// or until RestoreAPI when d <= 0: established connections through its
// proxy are reset, new ones refused. The kubeconfig's contexts still reach
// the API server directly. The cut ends by itself after d even if the
// caller is gone.
func (e *Environment) CutAPI(ctx context.Context, cluster string, d time.Duration) error {
	addr, err := e.apiProxyControl(cluster)
	if err != nil {
		return err
	}
	return apiproxy.Cut(ctx, addr, cluster, d)
}

// RestoreAPI ends a cut of the application cluster's API server.
func (e *Environment) RestoreAPI(ctx context.Context, cluster string) error {
	addr, err := e.apiProxyControl(cluster)
	if err != nil {
		return err
	}
	return apiproxy.Restore(ctx, addr, cluster)
}

// APIProxyStatus reports every application cluster's API proxy.
func (e *Environment) APIProxyStatus(ctx context.Context) (map[string]apiproxy.State, error) {
	addr, err := e.apiProxyControl("")
	if err != nil {
		return nil, err
	}
	return apiproxy.Status(ctx, addr)
}

// WaitAPIProxies waits until the API proxies answer, or fails early with
// the end of their log if their process named by pid exits.
func (e *Environment) WaitAPIProxies(ctx context.Context, pid func() bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		_, err := e.APIProxyStatus(ctx)
		if err == nil {
			return nil
		}
		if !pid() || time.Now().After(deadline) {
			logTail, _ := os.ReadFile(e.APIProxyLogFile())
			return fmt.Errorf("API proxies not serving (%v); %s ends:\n%s", err, e.APIProxyLogFile(), lastLines(string(logTail), 10))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// apiProxyControl returns the control address of the running proxies,
// after checking that cluster (unless empty) is one of the environment's.
func (e *Environment) apiProxyControl(cluster string) (string, error) {
	if cluster != "" && !slices.ContainsFunc(e.Clusters, func(c AppCluster) bool { return c.Name == cluster }) {
		return "", fmt.Errorf("environment %q has no application cluster %q (it has %s)", e.Name, cluster, clusterNames(e.Clusters))
	}
	data, err := os.ReadFile(e.apiProxyControlFile())
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("the API proxies of environment %q are not running (no %s; 'convoy dev up' starts them)", e.Name, e.apiProxyControlFile())
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(data)), nil
}
