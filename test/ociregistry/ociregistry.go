// Package ociregistry runs a real OCI registry (CNCF distribution, the
// registry behind Docker Hub) in-process on 127.0.0.1 for tests, and pushes
// Helm charts to it with Helm's own registry client, as `helm push` does.
//
// The registry keeps its content in memory, can require basic auth
// (htpasswd) and serve HTTPS with a test CA, and counts requests so that a
// test can tell whether a chart was downloaded.
package ociregistry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/bcrypt"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/registry"

	// The registry's storage driver and access controller register
	// themselves by name.
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"

	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

// Options configure a Registry.
type Options struct {
	// Username and Password, when set, are required (htpasswd basic auth).
	Username, Password string
	// TLS, when set, serves HTTPS with a certificate for 127.0.0.1 issued
	// by this CA; otherwise the registry speaks plain HTTP.
	TLS *chartrepo.CA
}

// Registry is a running registry.
type Registry struct {
	// Host is 127.0.0.1:PORT.
	Host string
	// URL is the chart repository URL to use in a ChartSource:
	// oci://127.0.0.1:PORT/charts.
	URL string

	opts Options
	mu   sync.Mutex
	// counts requests by kind: "manifest", "blob", "tags", "other", for
	// GET and HEAD alike.
	counts map[string]int
}

var quietLogs sync.Once

// Start runs a registry until the test ends.
func Start(t testing.TB, opts Options) *Registry {
	t.Helper()
	// distribution logs every request, and every 404 that a push probes
	// for, through logrus's process-wide logger. Tests read the registry's
	// answers, not its logs.
	quietLogs.Do(func() { logrus.SetOutput(io.Discard) })

	cfg := &configuration.Configuration{}
	cfg.Storage = configuration.Storage{
		"inmemory": configuration.Parameters{},
		// No background purge goroutine for a registry that lives for a
		// test.
		"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
	}
	cfg.HTTP.Secret = "convoy-test-registry"
	if opts.Username != "" || opts.Password != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(opts.Password), bcrypt.MinCost)
		if err != nil {
			t.Fatalf("hash password: %v", err)
		}
		path := filepath.Join(t.TempDir(), "htpasswd")
		if err := os.WriteFile(path, []byte(opts.Username+":"+string(hash)+"\n"), 0o600); err != nil {
			t.Fatalf("write htpasswd: %v", err)
		}
		cfg.Auth = configuration.Auth{"htpasswd": configuration.Parameters{"realm": "convoy-test", "path": path}}
	}

	ctx, cancel := context.WithCancel(context.Background())
	app := handlers.NewApp(ctx, cfg)
	r := &Registry{opts: opts, counts: map[string]int{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.count(req)
		app.ServeHTTP(w, req)
	}))
	if opts.TLS != nil {
		srv.TLS = opts.TLS.ServerConfig(t, false)
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		srv.Close()
		_ = app.Shutdown()
		cancel()
	})
	r.Host = strings.TrimPrefix(strings.TrimPrefix(srv.URL, "https://"), "http://")
	r.URL = "oci://" + r.Host + "/charts"
	return r
}

func (r *Registry) count(req *http.Request) {
	kind := "other"
	switch p := req.URL.Path; {
	case strings.Contains(p, "/manifests/"):
		kind = "manifest"
	case strings.Contains(p, "/blobs/") && !strings.Contains(p, "/blobs/uploads"):
		kind = "blob"
	case strings.HasSuffix(p, "/tags/list"):
		kind = "tags"
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		kind = "write"
	}
	r.mu.Lock()
	r.counts[kind]++
	r.mu.Unlock()
}

// Requests returns how many read requests of a kind ("manifest", "blob",
// "tags") reached the registry.
func (r *Registry) Requests(kind string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[kind]
}

// Client returns a Helm registry client for this registry, with its
// credentials and TLS settings.
func (r *Registry) Client(t testing.TB) *registry.Client {
	t.Helper()
	opts := []registry.ClientOption{
		registry.ClientOptWriter(io.Discard),
		registry.ClientOptCredentialsFile(filepath.Join(t.TempDir(), "config.json")),
	}
	if r.opts.Username != "" || r.opts.Password != "" {
		opts = append(opts, registry.ClientOptBasicAuth(r.opts.Username, r.opts.Password))
	}
	if r.opts.TLS != nil {
		opts = append(opts, registry.ClientOptHTTPClient(&http.Client{
			Transport: &http.Transport{TLSClientConfig: r.opts.TLS.ClientConfig(t)},
		}))
	} else {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	c, err := registry.NewClient(opts...)
	if err != nil {
		t.Fatalf("registry client: %v", err)
	}
	return c
}

// Push packages the chart in dir at version (empty: Chart.yaml's) and
// pushes it to oci://HOST/charts/NAME:VERSION, as `helm push` does. It
// returns the archive, whose sha256 is the chart layer's digest.
func (r *Registry) Push(t testing.TB, dir, version string) []byte {
	t.Helper()
	data := chartrepo.Package(t, dir, version)
	name, ver := chartNameVersion(t, data)
	ref := fmt.Sprintf("%s/charts/%s:%s", r.Host, name, strings.ReplaceAll(ver, "+", "_"))
	if _, err := r.Client(t).Push(data, ref); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	return data
}

func chartNameVersion(t testing.TB, archive []byte) (string, string) {
	t.Helper()
	ch, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		t.Fatalf("load packaged chart: %v", err)
	}
	return ch.Metadata.Name, ch.Metadata.Version
}
