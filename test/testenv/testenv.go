// Package testenv gives integration tests a real local environment
// (pkg/devenv): a management cluster and application clusters.
//
// make test starts one environment for every test package and names its
// directory in CONVOY_TEST_ENV; packages then share it. A package run on its
// own (go test ./pkg/foo) starts its own environment in TestMain and stops it
// at the end:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }
//
// Tests isolate themselves with a namespace each (Namespace) and unique
// names for cluster-scoped objects.
package testenv

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusterjoin"
	"github.com/convoy-rollouts/convoy/pkg/devenv"
	"github.com/convoy-rollouts/convoy/pkg/manager"
)

// EnvVar names the directory of a running environment to reuse.
const EnvVar = "CONVOY_TEST_ENV"

var current *devenv.Environment

// own: this process started the environment (runOwn) and runs its
// stand-ins.
var own bool

// Run starts or joins an environment, runs the package's tests, and stops
// the environment if it started it. Call it from TestMain.
func Run(m *testing.M) int {
	if dir := os.Getenv(EnvVar); dir != "" {
		env, err := devenv.Load(dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "testenv: %s=%s: %v\n", EnvVar, dir, err)
			return 1
		}
		current = env
		return m.Run()
	}
	return runOwn(m)
}

// runOwn starts an environment just for this package, with the stand-ins
// (load balancer, Gateway route status) and the API proxies running in
// this process.
func runOwn(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, err := os.MkdirTemp("", "convoy-testenv-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 1
	}
	clusters, _ := devenv.ParseTopology(devenv.TestTopology)
	opts := devenv.Options{
		Name:     fmt.Sprintf("convoy-test-%d", os.Getpid()),
		Dir:      filepath.Join(base, "env"),
		Clusters: clusters,
		Progress: prefixWriter{os.Stderr},
	}
	defer func() {
		if err := devenv.Down(context.Background(), opts); err != nil {
			fmt.Fprintln(os.Stderr, "testenv: stopping environment:", err)
		}
		_ = os.RemoveAll(base)
	}()
	env, err := devenv.Up(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv: starting environment:", err)
		return 1
	}
	go func() {
		if err := env.RunStandIns(ctx, io.Discard); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "testenv: stand-ins:", err)
		}
	}()
	// convoy's Cluster objects point at the API proxies.
	err = env.StartAPIProxies(ctx, io.Discard, func(err error) {
		if err != nil {
			fmt.Fprintln(os.Stderr, "testenv: API proxies:", err)
		}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv: starting the API proxies:", err)
		return 1
	}
	current, own = env, true
	return m.Run()
}

type prefixWriter struct{ w io.Writer }

func (p prefixWriter) Write(b []byte) (int, error) {
	_, err := fmt.Fprintf(p.w, "testenv: %s", b)
	return len(b), err
}

// Env is the environment as tests see it.
type Env struct {
	*devenv.Environment
}

// Get returns the package's environment.
func Get(t testing.TB) *Env {
	t.Helper()
	if current == nil {
		t.Fatal("testenv: no environment; call testenv.Run from TestMain")
	}
	return &Env{current}
}

// ManagementConfig is the management cluster's REST config (admin).
func (e *Env) ManagementConfig(t testing.TB) *rest.Config {
	t.Helper()
	return e.config(t, e.ManagementContext)
}

// ClusterConfig is an application cluster's REST config (admin).
func (e *Env) ClusterConfig(t testing.TB, name string) *rest.Config {
	t.Helper()
	return e.config(t, e.Context(name))
}

func (e *Env) config(t testing.TB, kubeContext string) *rest.Config {
	cfg, err := devenv.RESTConfig(e.Kubeconfig, kubeContext)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// ManagementClient is a client of the management cluster that knows
// convoy's kinds.
func (e *Env) ManagementClient(t testing.TB) client.Client {
	t.Helper()
	return e.client(t, e.ManagementConfig(t))
}

// ClusterClient is a client of the application cluster named name.
func (e *Env) ClusterClient(t testing.TB, name string) client.Client {
	t.Helper()
	return e.client(t, e.ClusterConfig(t, name))
}

func (e *Env) client(t testing.TB, cfg *rest.Config) client.Client {
	c, err := client.New(cfg, client.Options{Scheme: devenv.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Namespace creates a namespace for the test in the management cluster,
// grants it to convoy in every application cluster as a platform team
// would (convoy tenants grant: the namespace, its convoy-tenant
// ServiceAccount and rights), and deletes it everywhere when the test ends.
func (e *Env) Namespace(t testing.TB) string {
	t.Helper()
	c := e.ManagementClient(t)
	name := strings.ToLower(fmt.Sprintf("t-%s-%d", sanitize(t.Name()), time.Now().UnixNano()%1e6))
	if len(name) > 63 {
		name = name[len(name)-63:]
		name = strings.TrimLeft(name, "-")
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Create(ctx, ns); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.Delete(ctx, ns)
	})
	for _, app := range e.Grant(t, name) {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = app.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
		})
	}
	return name
}

// Grant grants namespace ns to convoy in every application cluster, as
// convoy tenants grant does, and returns the clusters' clients.
func (e *Env) Grant(t testing.TB, ns string) []client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var clients []client.Client
	for _, app := range e.Clusters {
		c := e.ClusterClient(t, app.Name)
		if err := clusterjoin.Grant(ctx, c, clusterjoin.Tenant{Namespace: ns}); err != nil {
			t.Fatalf("cluster %s: %v", app.Name, err)
		}
		clients = append(clients, c)
	}
	return clients
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// IsolatedNamespace is a namespace that the managers of ManagerOptions do
// not see, for a test package that runs managers of its own (leader
// election) beside the integration suite's on the same management cluster.
const IsolatedNamespace = "convoy-isolated"

// IsolationNamespaces are the isolation suite's namespaces (test/isolation),
// which the managers of ManagerOptions do not see either: that suite runs a
// manager of its own, with other options (no local sources, no hostname
// granted by default), beside the integration suite's.
var IsolationNamespaces = struct{ Tenant, Good, Restricted, Platform string }{
	"convoy-isolation-tenant", "convoy-isolation-good", "convoy-isolation-restricted", "convoy-isolation-platform",
}

// ManagerOptions are the options of a manager run in a test: convoy's own,
// without metrics or probe listeners, blind to IsolatedNamespace and
// IsolationNamespaces.
func ManagerOptions() ctrl.Options {
	opts := manager.ManagerOptions()
	n := IsolationNamespaces
	var blind []fields.Selector
	for _, ns := range []string{IsolatedNamespace, n.Tenant, n.Good, n.Restricted, n.Platform} {
		blind = append(blind, fields.OneTermNotEqualSelector("metadata.namespace", ns))
	}
	opts.Cache.DefaultFieldSelector = fields.AndSelectors(blind...)
	// Cluster-scoped kinds have no namespace to select on.
	opts.Cache.ByObject[&convoyv1alpha1.Cluster{}] = cache.ByObject{Field: fields.Everything()}
	opts.Cache.ByObject[&corev1.Namespace{}] = cache.ByObject{Field: fields.Everything()}
	opts.Metrics = metricsserver.Options{BindAddress: "0"}
	opts.HealthProbeBindAddress = "0"
	skip := true
	opts.Controller.SkipNameValidation = &skip
	return opts
}

// Eventually polls check until it returns nil or the timeout passes, then
// fails the test with check's last error.
func Eventually(t testing.TB, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
