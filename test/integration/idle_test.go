package integration

import (
	"context"
	"sync/atomic"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/controller/application"
	"github.com/convoy-rollouts/convoy/pkg/controller/capacity"
	"github.com/convoy-rollouts/convoy/pkg/controller/installation"
	"github.com/convoy-rollouts/convoy/pkg/controller/release"
	"github.com/convoy-rollouts/convoy/pkg/controller/traffic"
	"github.com/convoy-rollouts/convoy/pkg/hostgrant"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/render/kustomize"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

// counts are what an idle reconcile must not do.
type counts struct{ renders, resolves, writes atomic.Int64 }

type countingRenderer struct {
	render.Renderer
	n *counts
}

func (r countingRenderer) Render(ctx context.Context, req render.Request) (*render.Output, error) {
	r.n.renders.Add(1)
	return r.Renderer.Render(ctx, req)
}

func (r countingRenderer) Resolve(ctx context.Context, src convoyv1alpha1.Source, creds *render.Credentials) (convoyv1alpha1.Source, error) {
	r.n.resolves.Add(1)
	return r.Renderer.Resolve(ctx, src, creds)
}

// countWrites wraps a client so that every write adds one to n.
func countWrites(c client.WithWatch, n *atomic.Int64) client.Client {
	count := func() { n.Add(1) }
	return interceptor.NewClient(c, interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			count()
			return c.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			count()
			return c.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			count()
			return c.Patch(ctx, obj, p, opts...)
		},
		Apply: func(ctx context.Context, c client.WithWatch, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
			count()
			return c.Apply(ctx, obj, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			count()
			return c.Delete(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			count()
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			count()
			return c.SubResource(sub).Update(ctx, obj, opts...)
		},
	})
}

// idleFixture is a chart Application whose first release completed, and a
// second, counting set of the reconcilers, warmed up by one reconcile each.
type idleFixture struct {
	n        counts
	repo     *chartrepo.Server
	reqs     []ctrl.Request
	app      *application.Reconciler
	release  *release.Reconciler
	install  *installation.Reconciler
	capacity *capacity.Reconciler
	traffic  *traffic.Reconciler
}

func newIdleFixture(t testing.TB) *idleFixture {
	env, ctx, mgmt, ns := begin(t)
	f := &idleFixture{repo: helloRepo(t)}
	app := dnsApplication(ns, "idle", f.repo.URL)
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, app, 1)[0]
	waitComplete(t, mgmt, &rel)

	cfg := env.ManagementConfig(t)
	direct, err := client.NewWithWatch(cfg, client.Options{Scheme: manager.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	counted := countWrites(direct, &f.n.writes)
	fresh, err := manager.Renderer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	renderer := countingRenderer{fresh, &f.n}
	broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: kubernetes.NewForConfigOrDie(cfg).EventsV1()})
	recorder := broadcaster.NewRecorder(manager.Scheme, "convoy-idle-test")
	store := &clusters.Store{Management: direct, Scheme: manager.Scheme,
		Wrap: func(c client.WithWatch) client.Client { return countWrites(c, &f.n.writes) }}

	f.app = &application.Reconciler{Client: counted, APIReader: counted, Resolver: renderer, Recorder: recorder, GlobalBlockNamespace: "convoy-system"}
	f.release = &release.Reconciler{Client: counted, APIReader: counted, Renderer: renderer, Recorder: recorder}
	f.capacity = &capacity.Reconciler{Client: counted, Clusters: store, Tenancy: clusters.DefaultTenancy}
	f.traffic = &traffic.Reconciler{Client: counted, Clusters: store, LeaseNamespace: "convoy-system", DefaultAllowedHostnames: hostgrant.AllowAll}
	f.install = &installation.Reconciler{Client: counted, APIReader: counted, Renderer: renderer, Distinguish: kustomize.Distinguish, Clusters: store,
		Tenancy: clusters.DefaultTenancy, Recorder: recorder}
	f.reqs = []ctrl.Request{{NamespacedName: client.ObjectKeyFromObject(app)}, {NamespacedName: client.ObjectKeyFromObject(&rel)}}
	f.reconcileAll(t) // warm up: the installer's first look renders once
	f.n.renders.Store(0)
	f.n.resolves.Store(0)
	f.n.writes.Store(0)
	return f
}

func (f *idleFixture) fetches() int {
	return f.repo.Requests("/index.yaml") + f.repo.Requests(chartrepo.ChartPath("hello", "0.1.0"))
}

func (f *idleFixture) reconcileAll(tb testing.TB) {
	ctx := context.Background()
	if _, err := f.app.Reconcile(ctx, f.reqs[0]); err != nil {
		tb.Fatal(err)
	}
	if _, err := f.release.Reconcile(ctx, f.reqs[1]); err != nil {
		tb.Fatal(err)
	}
	if _, err := f.install.Reconcile(ctx, f.reqs[1]); err != nil {
		tb.Fatal(err)
	}
	if _, err := f.capacity.Reconcile(ctx, f.reqs[1]); err != nil {
		tb.Fatal(err)
	}
	if _, err := f.traffic.Reconcile(ctx, f.reqs[0]); err != nil { // by application
		tb.Fatal(err)
	}
}

// A reconcile that finds nothing changed renders nothing, fetches nothing
// from the repository and writes nothing to any cluster: application,
// release, installation, capacity and traffic alike.
func TestIdleReconcileDoesNothing(t *testing.T) {
	f := newIdleFixture(t)
	before := f.fetches()
	for range 5 {
		f.reconcileAll(t)
	}
	if r, s, w, fetched := f.n.renders.Load(), f.n.resolves.Load(), f.n.writes.Load(), f.fetches()-before; r+s+w != 0 || fetched != 0 {
		t.Errorf("5 idle rounds of application, release, installation, capacity and traffic reconciles: %d renders, %d resolves, %d repository fetches, %d API writes; want none", r, s, fetched, w)
	}
}

// BenchmarkIdleReconcile measures a round of application, release and
// installation reconciles that find nothing to do, and reports what they
// did: renders, repository fetches and API writes per round (goal: 0).
func BenchmarkIdleReconcile(b *testing.B) {
	f := newIdleFixture(b)
	before := f.fetches()
	for b.Loop() {
		f.reconcileAll(b)
	}
	rounds := float64(b.N)
	b.ReportMetric(float64(f.n.renders.Load()+f.n.resolves.Load())/rounds, "renders/op")
	b.ReportMetric(float64(f.fetches()-before)/rounds, "fetches/op")
	b.ReportMetric(float64(f.n.writes.Load())/rounds, "writes/op")
}
