// Package manager wires convoy's controllers into a controller-runtime
// manager, for cmd/convoy-manager and for tests that run the controllers in
// process against the local environment.
package manager

import (
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/controller/application"
	"github.com/convoy-rollouts/convoy/pkg/controller/capacity"
	"github.com/convoy-rollouts/convoy/pkg/controller/cluster"
	"github.com/convoy-rollouts/convoy/pkg/controller/installation"
	"github.com/convoy-rollouts/convoy/pkg/controller/release"
	"github.com/convoy-rollouts/convoy/pkg/controller/traffic"
	"github.com/convoy-rollouts/convoy/pkg/hostgrant"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/render/helm"
	"github.com/convoy-rollouts/convoy/pkg/render/kustomize"
	"github.com/convoy-rollouts/convoy/pkg/rolloutblock"
	"github.com/convoy-rollouts/convoy/pkg/rolloutmetrics"
	"github.com/convoy-rollouts/convoy/pkg/shard"
)

// Scheme knows Kubernetes' built-in kinds and convoy's.
var Scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(Scheme))
	utilruntime.Must(convoyv1alpha1.AddToScheme(Scheme))
}

// Options configure the controllers.
type Options struct {
	Renderer    render.Renderer
	Distinguish Distinguisher
	// GlobalBlockNamespace holds RolloutBlocks that apply everywhere.
	GlobalBlockNamespace string
	// InstallationResync is how often installed objects are checked again;
	// installation.DefaultResync when zero.
	InstallationResync time.Duration
	// ClusterProbeInterval is how often each application cluster's health
	// is checked; cluster.DefaultInterval when zero.
	ClusterProbeInterval time.Duration
	// ClusterUnreachableThreshold is how many consecutive failed probes
	// make a cluster count as unreachable;
	// cluster.DefaultUnreachableThreshold when zero.
	ClusterUnreachableThreshold int32
	// AllowLocalSources lets sources read the manager's file system
	// (file:// repositories): for local environments only. Otherwise they
	// are refused with render.ReasonLocalSourceRefused.
	AllowLocalSources bool
	// Tenancy says which ServiceAccount of a release's namespace convoy
	// impersonates in application clusters; clusters.DefaultTenancy when
	// nil.
	Tenancy *clusters.Tenancy
	// DNSLeaseNamespace is the only namespace whose labelled Leases are DNS
	// servers; GlobalBlockNamespace's default (convoy-system) when empty.
	DNSLeaseNamespace string
	// DefaultAllowedHostnames are the hostname patterns a namespace without
	// the convoy.dev/allowed-hostnames annotation may publish; every
	// hostname when nil (hostgrant).
	DefaultAllowedHostnames *string
	// Disabled names controllers not to run ("application", "release",
	// "installation", "capacity", "traffic", "cluster").
	Disabled map[string]bool
	// Shard is this manager's part of the applications (pkg/shard): it
	// reconciles only the Applications the hash assigns to it and what
	// they own, and, as shard 0, the work of no application (probing
	// clusters, RolloutBlock status). The zero value is one shard doing
	// everything.
	Shard shard.Shard
	// GlobalPrometheus is the Prometheus of global analysis checks, and of
	// per-cluster checks in clusters without their own; nil for none.
	GlobalPrometheus *convoyv1alpha1.PrometheusEndpoint
	// AnalysisWebhookAllow are the URL prefixes webhook checks may call;
	// none when empty.
	AnalysisWebhookAllow []string
	// NotificationAllow are the URL prefixes Notifiers may post to; none
	// when empty.
	NotificationAllow []string
}

// Setup adds every enabled controller to mgr.
func Setup(mgr ctrl.Manager, opts Options) error {
	if opts.Shard.Count == 0 {
		opts.Shard.Count = 1
	}
	if err := opts.Shard.Validate(); err != nil {
		return err
	}
	// Every controller's reconciler is wrapped with shard.Reconciler, which
	// learns the shard from the manager.
	mgr = shard.WithManager(mgr, opts.Shard)
	// Work that belongs to no application is shard 0's alone.
	global := opts.Shard.Global()
	store := &clusters.Store{Management: mgr.GetAPIReader(), Clusters: mgr.GetClient(), Scheme: mgr.GetScheme()}
	// The controllers' writes and renders are counted (rolloutmetrics), so
	// that an idle manager can be seen to do nothing. Fetches run in the
	// background, shared by the reconciles asking the same, so that a slow
	// repository holds no controller's worker for longer than a moment
	// (render.Detached); the count is of real renders, not of retries.
	// convoy render and lint call the plain renderer: they have nothing
	// else to do meanwhile.
	writer := rolloutmetrics.CountWrites(mgr.GetClient())
	opts.Renderer = render.Detached(rolloutmetrics.CountRenders(opts.Renderer), render.DetachedOptions{})
	if !opts.AllowLocalSources {
		opts.Renderer = render.RefuseLocalSources(opts.Renderer)
	}
	tenancy := clusters.DefaultTenancy
	if opts.Tenancy != nil {
		tenancy = *opts.Tenancy
	}
	leases := opts.DNSLeaseNamespace
	if leases == "" {
		leases = rolloutblock.DefaultGlobalNamespace
	}
	hostnames := hostgrant.AllowAll
	if opts.DefaultAllowedHostnames != nil {
		hostnames = *opts.DefaultAllowedHostnames
	}
	setups := map[string]func() error{
		"application": func() error {
			err := (&application.Reconciler{
				Client: writer, APIReader: mgr.GetAPIReader(), Resolver: opts.Renderer,
				Recorder: mgr.GetEventRecorder("convoy-application"), GlobalBlockNamespace: opts.GlobalBlockNamespace,
			}).SetupWithManager(mgr)
			if err != nil || !global {
				return err
			}
			return (&application.BlockReconciler{Client: writer, GlobalBlockNamespace: opts.GlobalBlockNamespace}).SetupWithManager(mgr)
		},
		"release": func() error {
			notifications := &release.Notifications{Reader: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
				Allow: opts.NotificationAllow, Recorder: mgr.GetEventRecorder("convoy-release")}
			if err := mgr.Add(notifications); err != nil {
				return err
			}
			return (&release.Reconciler{
				Client: writer, APIReader: mgr.GetAPIReader(), Renderer: opts.Renderer,
				Recorder: mgr.GetEventRecorder("convoy-release"),
				Measurer: &release.AnalysisMeasurer{Reader: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
					Global: opts.GlobalPrometheus, WebhookAllow: opts.AnalysisWebhookAllow},
				Notifications: notifications,
			}).SetupWithManager(mgr)
		},
		"capacity": func() error {
			return (&capacity.Reconciler{Client: writer, Clusters: store, Tenancy: tenancy}).SetupWithManager(mgr)
		},
		"cluster": func() error {
			if !global {
				return nil
			}
			return (&cluster.Reconciler{Client: writer, Clusters: store, Recorder: mgr.GetEventRecorder("convoy-cluster"), Interval: opts.ClusterProbeInterval,
				UnreachableThreshold: opts.ClusterUnreachableThreshold}).SetupWithManager(mgr)
		},
		"traffic": func() error {
			return (&traffic.Reconciler{Client: writer, Clusters: store, Tenancy: tenancy, Recorder: mgr.GetEventRecorder("convoy-traffic"),
				LeaseNamespace: leases, DefaultAllowedHostnames: hostnames}).SetupWithManager(mgr)
		},
		"installation": func() error {
			return (&installation.Reconciler{
				Client: writer, APIReader: mgr.GetAPIReader(), Renderer: opts.Renderer,
				Distinguish: opts.Distinguish, Clusters: store, Tenancy: tenancy, Recorder: mgr.GetEventRecorder("convoy-installation"),
				Resync: opts.InstallationResync,
			}).SetupWithManager(mgr)
		},
	}
	if err := rolloutmetrics.Register(mgr.GetClient()); err != nil {
		return err
	}
	for _, name := range []string{"application", "release", "installation", "capacity", "traffic", "cluster"} {
		if opts.Disabled[name] {
			continue
		}
		if err := setups[name](); err != nil {
			return err
		}
	}
	return nil
}

// Distinguisher makes a release's objects distinct (see installation).
type Distinguisher = installation.Distinguisher

// ManagerOptions are the controller-runtime options every convoy manager
// runs with. Secrets are read when needed and never cached: a management
// cluster holds many, and convoy needs a handful. Managed fields are
// stripped from cached objects: convoy never reads them, and they are a
// large part of every object.
func ManagerOptions() ctrl.Options {
	workers := DefaultWorkers()
	return ctrl.Options{
		Scheme:     Scheme,
		Controller: config.Controller{MaxConcurrentReconciles: workers},
		Client:     client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
		Cache: cache.Options{
			DefaultTransform: cache.TransformStripManagedFields(),
			// Of all Leases, convoy reads its DNS servers' only.
			ByObject: map[client.Object]cache.ByObject{&coordinationv1.Lease{}: {Label: dnsServers}},
		},
	}
}

// DefaultWorkers is how many reconciles each controller runs at once.
// convoy's reconciles wait on API servers far more than they compute: at
// 100 applications a release reconcile took 0.5 s while the manager used a
// fifth of a core, so many reconciles in flight keep the cores busy.
func DefaultWorkers() int { return max(16, 8*goruntime.GOMAXPROCS(0)) }

// Management API client rates. controller-runtime's defaults (20 requests
// a second, bursts of 30) held a thousand applications' writes back for
// minutes, and at 200 a second every reconcile of 300 applications waited
// on the client's own limiter; the API server's priority and fairness is
// what protects it.
const (
	DefaultQPS   = 1000
	DefaultBurst = 2000
)

var dnsServers = func() labels.Selector {
	req, err := labels.NewRequirement(convoyv1alpha1.LabelDNSServer, selection.Exists, nil)
	utilruntime.Must(err)
	return labels.NewSelector().Add(*req)
}()

// Renderer builds the chart and kustomize renderers, caching charts and git
// checkouts under dir (the user's cache directory when empty).
func Renderer(dir string) (render.Renderer, error) {
	// Charts see the Kubernetes version convoy is built against, not Helm's
	// client-only default (v1.20), which charts requiring anything newer
	// refuse.
	helmOpts := helm.Options{KubeVersion: KubeVersion()}
	var kustomizeOpts kustomize.Options
	if dir != "" {
		helmOpts.CacheDir = filepath.Join(dir, "charts")
		kustomizeOpts.CacheDir = filepath.Join(dir, "kustomize")
	}
	charts, err := helm.New(helmOpts)
	if err != nil {
		return nil, err
	}
	kustomizations, err := kustomize.New(kustomizeOpts)
	if err != nil {
		return nil, err
	}
	return render.BySource{Chart: charts, Kustomize: kustomizations}, nil
}

// KubeVersion is the Kubernetes version of the k8s.io/api module convoy is
// built with (v0.37.2 is Kubernetes v1.37.2).
func KubeVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "k8s.io/api" && strings.HasPrefix(dep.Version, "v0.") {
				return "v1." + strings.TrimPrefix(dep.Version, "v0.")
			}
		}
	}
	return "v1.37.0"
}
