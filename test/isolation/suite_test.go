// Package isolation throws hostile inputs at convoy running against the
// real local clusters and checks that each is refused with a condition that
// names the object, the namespace, the cluster where one is involved, and
// the cause; that nothing of a refused release reaches any application
// cluster; and that a well-behaved tenant rolling out beside them is not
// disturbed.
//
// The suite runs its own manager, which sees only the suite's namespaces
// (as convoy-manager --namespace does), and which the integration suite's
// manager does not see (testenv.IsolationNamespaces), so that neither
// reconciles the other's objects when the packages run side by side. It runs without local sources and grants no hostname unless
// a namespace's annotation does.
package isolation

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusterjoin"
	"github.com/convoy-rollouts/convoy/pkg/dnsfeed"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/pkg/render/kustomize"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) {
	code := testenv.Run(m)
	cleanup()
	os.Exit(code)
}

// dnsZone is the zone of the suite's DNS server.
const dnsZone = "isolation.test"

// suite is what every test of the package shares: the namespaces, made
// once before the manager starts, and the manager's DNS server.
type suite struct {
	env  *testenv.Env
	mgmt client.Client
	// tenant is the hostile tenant's namespace; good the well-behaved
	// tenant's; restricted a namespace enforcing Pod Security restricted;
	// platform holds global RolloutBlocks and DNS server Leases.
	tenant, good, restricted, platform string
	// suffix makes the names of cluster-scoped objects unique to the run.
	suffix  string
	dnsAddr net.Addr
}

var (
	setupOnce sync.Once
	shared    *suite
	setupErr  error
	// cleanup deletes the suite's namespaces everywhere; set by setup.
	cleanup = func() {}
)

// tenantHostnames is what the hostile tenant's namespace is granted: a
// zone of its own, which only its own (fake) DNS server claims to serve.
const tenantHostnames = "*.tenant.test"

// start makes the suite's namespaces and starts its manager, once.
func start(t *testing.T) *suite {
	t.Helper()
	setupOnce.Do(func() { shared, setupErr = setup(t) })
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return shared
}

func setup(t *testing.T) (*suite, error) {
	env := testenv.Get(t)
	n := testenv.IsolationNamespaces
	s := &suite{env: env, mgmt: env.ManagementClient(t), suffix: fmt.Sprintf("%05d", rand.IntN(100000)),
		tenant: n.Tenant, good: n.Good, restricted: n.Restricted, platform: n.Platform}
	apps := map[string]client.Client{}
	for _, cl := range env.Clusters {
		apps[cl.Name] = env.ClusterClient(t, cl.Name)
	}
	grants := map[string]string{s.tenant: tenantHostnames, s.good: "*." + s.goodZone(), s.restricted: "", s.platform: ""}
	// The manager runs first: it removes what a previous run left in the
	// namespaces (convoy's finalizers), and on the way out what this one
	// made.
	if err := s.startManager(t); err != nil {
		return nil, err
	}
	cleanup = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		for ns := range grants {
			if err := removeNamespace(ctx, s.mgmt, ns); err != nil {
				fmt.Fprintln(os.Stderr, "isolation: management cluster:", err)
			}
			for name, c := range apps {
				if err := c.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsNotFound(err) {
					fmt.Fprintf(os.Stderr, "isolation: cluster %s: %v\n", name, err)
				}
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for ns, hostnames := range grants {
		if err := removeNamespace(ctx, s.mgmt, ns); err != nil {
			return nil, fmt.Errorf("management cluster: %w", err)
		}
		obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
		if hostnames != "" {
			obj.Annotations = map[string]string{convoyv1alpha1.AnnotationAllowedHostnames: hostnames}
		}
		if err := s.mgmt.Create(ctx, obj); err != nil {
			return nil, fmt.Errorf("creating namespace %s: %w", ns, err)
		}
		if ns == s.platform {
			continue
		}
		tenant := clusterjoin.Tenant{Namespace: ns}
		if ns == s.restricted {
			tenant.PodSecurity = "restricted"
		}
		for name, c := range apps {
			if err := removeNamespace(ctx, c, ns); err != nil {
				return nil, fmt.Errorf("cluster %s: %w", name, err)
			}
			if err := clusterjoin.Grant(ctx, c, tenant); err != nil {
				return nil, fmt.Errorf("granting %s in cluster %s: %w", ns, name, err)
			}
		}
	}
	return s, nil
}

// removeNamespace deletes namespace ns, if it exists, and waits until it
// is gone.
func removeNamespace(ctx context.Context, c client.Client, ns string) error {
	obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	if err := c.Delete(ctx, obj); apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("deleting namespace %s: %w", ns, err)
	}
	for {
		err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		if apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s still there (%v): %w", ns, obj.Status.Conditions, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// goodZone is the part of the DNS zone granted to the good tenant.
func (s *suite) goodZone() string { return s.good + "." + dnsZone }

// startManager runs convoy's controllers, confined to the suite's
// namespaces, and a DNS server whose Lease is in the platform namespace.
func (s *suite) startManager(t *testing.T) error {
	if testing.Verbose() {
		ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr)))
	}
	cacheDir, err := os.MkdirTemp("", "convoy-isolation-cache-")
	if err != nil {
		return err
	}
	renderer, err := manager.Renderer(cacheDir)
	if err != nil {
		return err
	}
	opts := testenv.ManagerOptions()
	opts.Cache.DefaultFieldSelector = nil
	opts.Cache.DefaultNamespaces = map[string]cache.Config{s.tenant: {}, s.good: {}, s.restricted: {}, s.platform: {}}
	mgr, err := ctrl.NewManager(s.env.ManagementConfig(t), opts)
	if err != nil {
		return err
	}
	none := ""
	err = manager.Setup(mgr, manager.Options{
		Renderer:                renderer,
		Distinguish:             kustomize.Distinguish,
		GlobalBlockNamespace:    s.platform,
		DNSLeaseNamespace:       s.platform,
		InstallationResync:      time.Second,
		ClusterProbeInterval:    5 * time.Second,
		DefaultAllowedHostnames: &none,
		// AllowLocalSources stays false: file:// is one of the inputs.
	})
	if err != nil {
		return err
	}
	s.dnsAddr, err = dnsfeed.AddToManager(mgr, dnsfeed.Options{
		Listen: "127.0.0.1:0", Zones: []string{dnsZone}, Namespace: s.platform,
		Name: "convoy-dns-isolation-" + s.suffix, LeaseDuration: 6 * time.Second,
	})
	if err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "manager stopped:", err)
		}
	}()
	return nil
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

var eventually = testenv.Eventually
