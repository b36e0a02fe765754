// Command convoy-manager runs convoy's controllers against a management
// cluster: Applications become Releases, Releases are scheduled onto
// application clusters, and their objects are installed there.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/convoy-rollouts/convoy/pkg/dnsfeed"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/pkg/render/kustomize"
	"github.com/convoy-rollouts/convoy/pkg/rolloutblock"
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
		disabled                 = flag.String("disable-controllers", "", "comma-separated controllers not to run: application, release, installation, capacity, traffic")
		cacheDir                 = flag.String("cache-dir", "", "where charts and git checkouts are cached (default: the user's cache directory)")
		dnsListen                = flag.String("dns-listen", "", "UDP and TCP address of the embedded authoritative DNS server, such as :53; empty turns it off")
		dnsNamespace             = flag.String("dns-lease-namespace", rolloutblock.DefaultGlobalNamespace, "namespace of the DNS server's Lease, by which the traffic controller knows it is alive")
		dnsZones, dnsNameservers stringList
	)
	flag.Var(&dnsZones, "dns-zone", "a zone the embedded DNS server is authoritative for (repeatable)")
	flag.Var(&dnsNameservers, "dns-nameserver", "an NS record at each zone's apex (repeatable; default ns1.<zone>)")
	logOpts := zap.Options{}
	logOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&logOpts)))

	renderer, err := manager.Renderer(*cacheDir)
	if err != nil {
		return err
	}
	opts := manager.ManagerOptions()
	opts.Metrics = metricsserver.Options{BindAddress: *metricsAddr}
	opts.HealthProbeBindAddress = *probeAddr
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), opts)
	if err != nil {
		return err
	}
	off := map[string]bool{}
	for _, name := range strings.Split(*disabled, ",") {
		if name = strings.TrimSpace(name); name != "" {
			off[name] = true
		}
	}
	if err := manager.Setup(mgr, manager.Options{
		Renderer: renderer, Distinguish: kustomize.Distinguish, GlobalBlockNamespace: *blockNamespace, Disabled: off,
	}); err != nil {
		return err
	}
	if *dnsListen != "" {
		addr, err := dnsfeed.AddToManager(mgr, dnsfeed.Options{Listen: *dnsListen, Zones: dnsZones, Nameservers: dnsNameservers, Namespace: *dnsNamespace})
		if err != nil {
			return err
		}
		ctrl.Log.Info("DNS server listening", "address", addr.String(), "zones", dnsZones)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
