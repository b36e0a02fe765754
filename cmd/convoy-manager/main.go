// Command convoy-manager runs convoy's controllers against a management
// cluster: Applications become Releases, Releases are scheduled onto
// application clusters, and their objects are installed there.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/controller/cluster"
	"github.com/convoy-rollouts/convoy/pkg/dnsfeed"
	"github.com/convoy-rollouts/convoy/pkg/hostgrant"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/render/kustomize"
	"github.com/convoy-rollouts/convoy/pkg/rolloutblock"
	"github.com/convoy-rollouts/convoy/pkg/shard"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "convoy-manager:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		metricsAddr              = flag.String("metrics-bind-address", "0", "address of the /metrics endpoint; 0 turns it off")
		probeAddr                = flag.String("health-probe-bind-address", ":8081", "address of the /healthz and /readyz endpoints; 0 turns them off")
		blockNamespace           = flag.String("global-block-namespace", rolloutblock.DefaultGlobalNamespace, "namespace whose RolloutBlocks apply to every namespace")
		disabled                 = flag.String("disable-controllers", "", "comma-separated controllers not to run: application, release, installation, capacity, traffic, cluster")
		cacheDir                 = flag.String("cache-dir", "", "where charts and git checkouts are cached (default: the user's cache directory)")
		dnsListen                = flag.String("dns-listen", "", "UDP and TCP address of the embedded authoritative DNS server, such as :53; empty turns it off")
		dnsNamespace             = flag.String("dns-lease-namespace", rolloutblock.DefaultGlobalNamespace, "namespace of the DNS server's Lease, by which the traffic controller knows it is alive")
		leaderElect              = flag.Bool("leader-elect", false, "run with leader election: of several replicas one reconciles, the others stand by (the DNS server runs in every replica)")
		leaderNamespace          = flag.String("leader-election-namespace", rolloutblock.DefaultGlobalNamespace, "namespace of the leader election Lease")
		leaderID                 = flag.String("leader-election-id", "convoy-manager.convoy.dev", "name of the leader election Lease; with --shards above 1, each shard's is <id>-shard-<shard>")
		shards                   = flag.Int("shards", 1, "how many shards divide the Applications: each reconciles those that FNV-1a 64 of namespace/name modulo --shards assigns to it, with everything they own; run every shard, each with its own leader election")
		shardIndex               = flag.Int("shard", 0, "which of the --shards this manager is, from 0; shard 0 also probes clusters and writes RolloutBlock status")
		watchNamespace           = flag.String("namespace", "", "reconcile Applications in this namespace only (default: every namespace)")
		logFormat                = flag.String("log-format", "json", "log format: json or console")
		logLevel                 = flag.String("log-level", "info", "log level: debug, info or error")
		kubeContext              = flag.String("context", "", "kubeconfig context of the management cluster (default: the current context, or in-cluster)")
		allowLocalSources        = flag.Bool(render.LocalSourcesFlag, false, "allow file:// sources, which read the manager's own file system (local environments only)")
		probeInterval            = flag.Duration("cluster-probe-interval", cluster.DefaultInterval, "how often each application cluster's health is checked")
		unreachableThreshold     = flag.Int("cluster-unreachable-threshold", cluster.DefaultUnreachableThreshold, "how many consecutive failed probes make an application cluster count as unreachable (its DNS weights are then frozen, not zeroed)")
		defaultServiceAccount    = flag.String("default-service-account", clusters.DefaultTenancy.DefaultServiceAccount, "the ServiceAccount of a release's namespace convoy impersonates in application clusters when the Application names none (convoy tenants grant creates it)")
		requireServiceAccount    = flag.Bool("require-service-account", clusters.DefaultTenancy.RequireServiceAccount, "refuse a release that names no ServiceAccount when --default-service-account is empty, rather than act as convoy's agent")
		allowedHostnames         = flag.String("default-allowed-hostnames", hostgrant.AllowAll, "comma-separated hostname patterns a namespace may publish unless its "+convoyv1alpha1.AnnotationAllowedHostnames+" annotation says otherwise: * for all, empty for none")
		workers                  = flag.Int("workers", manager.DefaultWorkers(), "reconciles each controller runs at once (default: 8 per core, at least 16: reconciles mostly wait on API servers)")
		pprofOn                  = flag.Bool("pprof", false, "serve Go's profiles at /debug/pprof/ on the metrics address")
		kubeQPS                  = flag.Float64("kube-api-qps", manager.DefaultQPS, "requests a second to the management cluster's API server")
		kubeBurst                = flag.Int("kube-api-burst", manager.DefaultBurst, "burst of requests to the management cluster's API server")
		prometheusURL            = flag.String("prometheus-url", "", "the global Prometheus (or Thanos, Mimir) that analysis checks query: global checks, and per-cluster checks in clusters without spec.prometheus")
		prometheusSecret         = flag.String("prometheus-credentials-secret", "", "namespace/name of a Secret with the global Prometheus' credentials: token, or username and password, a client certificate (tls.crt, tls.key), and ca.crt")
		dnsZones, dnsNameservers stringList
		webhookAllow             stringList
		notificationAllow        stringList
	)
	flag.Var(&webhookAllow, "analysis-webhook-allow", "a URL prefix that webhook analysis checks may call (repeatable; none allowed by default)")
	flag.Var(&notificationAllow, "notification-allow", "a URL prefix that Notifiers may post release events to (repeatable; none allowed by default)")
	flag.Var(&dnsZones, "dns-zone", "a zone the embedded DNS server is authoritative for (repeatable)")
	flag.Var(&dnsNameservers, "dns-nameserver", "an NS record at each zone's apex (repeatable; default ns1.<zone>)")
	logOpts := zap.Options{}
	logOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	if *unreachableThreshold < 1 || *unreachableThreshold > 1000 {
		return fmt.Errorf("--cluster-unreachable-threshold: must be between 1 and 1000 consecutive failed probes, got %d", *unreachableThreshold)
	}
	if *workers < 1 {
		return fmt.Errorf("--workers: must be at least 1, got %d", *workers)
	}
	part := shard.Shard{Index: *shardIndex, Count: *shards}
	if err := part.Validate(); err != nil {
		return err
	}
	if err := setLogger(&logOpts, *logFormat, *logLevel); err != nil {
		return err
	}

	renderer, err := manager.Renderer(*cacheDir)
	if err != nil {
		return err
	}
	opts := manager.ManagerOptions()
	opts.Metrics = metricsserver.Options{BindAddress: *metricsAddr}
	if *pprofOn {
		opts.Metrics.ExtraHandlers = map[string]http.Handler{
			"/debug/pprof/": http.HandlerFunc(pprof.Index), "/debug/pprof/cmdline": http.HandlerFunc(pprof.Cmdline),
			"/debug/pprof/profile": http.HandlerFunc(pprof.Profile), "/debug/pprof/symbol": http.HandlerFunc(pprof.Symbol),
			"/debug/pprof/trace": http.HandlerFunc(pprof.Trace),
		}
	}
	opts.HealthProbeBindAddress = *probeAddr
	opts.Controller.MaxConcurrentReconciles = *workers
	opts.LeaderElection = *leaderElect
	opts.LeaderElectionNamespace = *leaderNamespace
	opts.LeaderElectionID = part.LeaseName(*leaderID)
	// A replica that stops cleanly hands over at once instead of after the
	// lease duration; a crashed one is replaced when its lease lapses.
	opts.LeaderElectionReleaseOnCancel = true
	if *watchNamespace != "" {
		// Besides the namespace itself: global RolloutBlocks and the DNS
		// servers' Leases.
		opts.Cache.DefaultNamespaces = map[string]cache.Config{*watchNamespace: {}, *blockNamespace: {}, *dnsNamespace: {}}
	}
	if limit := manager.SetMemoryLimit(); limit > 0 {
		ctrl.Log.Info("soft memory limit set from the container's", "bytes", limit)
	}
	cfg, err := config.GetConfigWithContext(*kubeContext)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = float32(*kubeQPS), *kubeBurst
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return err
	}
	off := map[string]bool{}
	for _, name := range strings.Split(*disabled, ",") {
		if name = strings.TrimSpace(name); name != "" {
			off[name] = true
		}
	}
	globalPrometheus, err := prometheusEndpoint(*prometheusURL, *prometheusSecret)
	if err != nil {
		return err
	}
	if err := manager.Setup(mgr, manager.Options{
		Renderer: renderer, Distinguish: kustomize.Distinguish, GlobalBlockNamespace: *blockNamespace, Disabled: off,
		ClusterProbeInterval: *probeInterval, ClusterUnreachableThreshold: int32(*unreachableThreshold),
		AllowLocalSources: *allowLocalSources, DNSLeaseNamespace: *dnsNamespace, DefaultAllowedHostnames: allowedHostnames, Shard: part,
		Tenancy:          &clusters.Tenancy{DefaultServiceAccount: *defaultServiceAccount, RequireServiceAccount: *requireServiceAccount},
		GlobalPrometheus: globalPrometheus, AnalysisWebhookAllow: webhookAllow, NotificationAllow: notificationAllow,
	}); err != nil {
		return err
	}
	if part.Sharded() {
		ctrl.Log.Info("reconciling one shard of the applications", "shard", part.Index, "shards", part.Count, "leaderElectionLease", opts.LeaderElectionID)
	}
	if *dnsListen != "" {
		dnsOpts := dnsfeed.Options{Listen: *dnsListen, Zones: dnsZones, Nameservers: dnsNameservers, Namespace: *dnsNamespace}
		if *watchNamespace != "" {
			dnsOpts.Namespaces = []string{*watchNamespace}
		}
		addr, err := dnsfeed.AddToManager(mgr, dnsOpts)
		if err != nil {
			return err
		}
		ctrl.Log.Info("DNS server listening", "address", addr.String(), "zones", dnsZones)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	// Ready once the caches have synced: a replica that cannot read the
	// management cluster takes no traffic to its DNS server.
	if err := mgr.AddReadyzCheck("cache", func(req *http.Request) error {
		ctx, cancel := context.WithTimeout(req.Context(), time.Second)
		defer cancel()
		if !mgr.GetCache().WaitForCacheSync(ctx) {
			return errors.New("caches not synced")
		}
		return nil
	}); err != nil {
		return err
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}

// setLogger logs through zap: JSON lines by default, for log pipelines;
// console for people. The zap-* flags still work and win where set.
func setLogger(opts *zap.Options, format, level string) error {
	switch format {
	case "json":
	case "console":
		opts.Development = true
	default:
		return fmt.Errorf("--log-format %q: use json or console", format)
	}
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return fmt.Errorf("--log-level %q: use debug, info or error", level)
	}
	if opts.Level == nil {
		opts.Level = lvl
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(opts)))
	return nil
}

// prometheusEndpoint is the global Prometheus of --prometheus-url and
// --prometheus-credentials-secret, nil without a URL.
func prometheusEndpoint(url, secret string) (*convoyv1alpha1.PrometheusEndpoint, error) {
	if url == "" {
		if secret != "" {
			return nil, fmt.Errorf("--prometheus-credentials-secret %q: without --prometheus-url there is no Prometheus to use it for", secret)
		}
		return nil, nil
	}
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return nil, fmt.Errorf("--prometheus-url %q: want an http:// or https:// URL", url)
	}
	endpoint := &convoyv1alpha1.PrometheusEndpoint{URL: url}
	if secret != "" {
		ns, name, ok := strings.Cut(secret, "/")
		if !ok || ns == "" || name == "" {
			return nil, fmt.Errorf("--prometheus-credentials-secret %q: want namespace/name", secret)
		}
		endpoint.CredentialsSecretRef = &convoyv1alpha1.SecretReference{Namespace: ns, Name: name}
	}
	return endpoint, nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
