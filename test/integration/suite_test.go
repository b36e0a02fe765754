// Package integration runs convoy's controllers in process against the
// local environment and checks what they do to real clusters. It is the
// one test package that runs controllers: two managers on one management
// cluster would fight over the same objects.
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/dnsfeed"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/pkg/render/kustomize"
	"github.com/convoy-rollouts/convoy/test/managerproc"
	"github.com/convoy-rollouts/convoy/test/prometheus"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) {
	code := testenv.Run(m)
	if suitePrometheus != nil {
		suitePrometheus.Stop()
	}
	os.Exit(code)
}

// suitePrometheus is the real Prometheus the manager's analysis checks
// query (its global one), scraping an exporter the tests set samples on.
var suitePrometheus *prometheus.Server

// suiteMetricsAddr serves the suite manager's /metrics.
var suiteMetricsAddr string

var startOnce sync.Once

// dnsZone is the zone of the manager's DNS server, which listens on
// dnsAddr.
const dnsZone = "convoy.test"

var dnsAddr net.Addr

// managerLogs keeps the suite manager's JSON log lines, for tests of what
// they say.
var managerLogs = &logBuffer{}

type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// maxLogBytes bounds the kept lines; older ones are dropped past it.
const maxLogBytes = 32 << 20

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len()+len(p) > maxLogBytes {
		b.buf.Reset()
	}
	return b.buf.Write(p)
}

// lines are the log lines so far, decoded.
func (b *logBuffer) lines() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(b.buf.Bytes(), []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// startManager runs convoy's controllers for the rest of the test binary.
func startManager(t testing.TB) *testenv.Env {
	t.Helper()
	env := testenv.Get(t)
	startOnce.Do(func() {
		var logs io.Writer = managerLogs
		if testing.Verbose() {
			logs = io.MultiWriter(os.Stderr, managerLogs)
		}
		ctrl.SetLogger(zap.New(zap.WriteTo(logs)))
		cacheDir, err := os.MkdirTemp("", "convoy-integration-cache-")
		if err != nil {
			t.Fatal(err)
		}
		renderer, err := manager.Renderer(cacheDir)
		if err != nil {
			t.Fatal(err)
		}
		// The manager's /metrics on loopback, scraped by the suite's
		// Prometheus: checks can query convoy's real DNS answer counts.
		opts := testenv.ManagerOptions()
		suiteMetricsAddr = managerproc.FreeAddr(t)
		opts.Metrics = metricsserver.Options{BindAddress: suiteMetricsAddr}
		mgr, err := ctrl.NewManager(env.ManagementConfig(t), opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := inbox.start(); err != nil {
			t.Fatal(err)
		}
		if err := hooks.start(); err != nil {
			t.Fatal(err)
		}
		if suitePrometheus, err = prometheus.New(suiteMetricsAddr); err != nil {
			t.Fatal(err)
		}
		err = manager.Setup(mgr, manager.Options{
			AnalysisWebhookAllow: []string{hooks.url},
			NotificationAllow:    []string{inbox.url},
			GlobalPrometheus:     &convoyv1alpha1.PrometheusEndpoint{URL: suitePrometheus.URL},
			Renderer:             renderer,
			Distinguish:          kustomize.Distinguish,
			GlobalBlockNamespace: "convoy-system",
			InstallationResync:   time.Second,
			// Probes every 5s, so that a cluster's unreachability threshold
			// (3 failed probes) is reached within a test's patience.
			ClusterProbeInterval: 5 * time.Second,
			AllowLocalSources:    true,
		})
		if err != nil {
			t.Fatal(err)
		}
		dnsAddr, err = dnsfeed.AddToManager(mgr, dnsfeed.Options{
			Listen: "127.0.0.1:0", Zones: []string{dnsZone}, Namespace: "convoy-system",
			Name: "convoy-dns-integration", LeaseDuration: 6 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			if err := mgr.Start(context.Background()); err != nil {
				fmt.Fprintln(os.Stderr, "manager stopped:", err)
			}
		}()
	})
	return env
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// begin starts the controllers if needed and gives the test its
// environment, a context, a management cluster client and a namespace.
func begin(t testing.TB) (*testenv.Env, context.Context, client.Client, string) {
	t.Helper()
	env := startManager(t)
	return env, ctxFor(t), env.ManagementClient(t), env.Namespace(t)
}

// eventually polls check until it returns nil or fails the test.
var eventually = testenv.Eventually
