// Package dnsserver is `convoy dns`: convoy's authoritative DNS server on
// its own, for running several replicas behind one Service. It is
// stateless: it reads the records from the management cluster and keeps
// serving the last ones it saw while the API server is unreachable.
package dnsserver

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/convoy-rollouts/convoy/pkg/dnsfeed"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/pkg/rolloutblock"
)

type options struct {
	kubeconfig, context string
	metricsAddr         string
	probeAddr           string
	feed                dnsfeed.Options
}

// NewCommand returns `convoy dns`.
func NewCommand(errOut io.Writer) *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "dns --zone ZONE [--listen ADDR]",
		Short: "Run convoy's authoritative DNS server for the weighted records of its zones",
		Long: `Run convoy's authoritative DNS server on its own.

It answers for the zones given with --zone only (SOA and NS at the apex,
weighted A, AAAA and CNAME answers for the hostnames Applications publish,
NXDOMAIN for other names in the zones, REFUSED outside them), never
recursively, over UDP and TCP. It reads the records from the management
cluster's DNSRecordSets, reports the generation it serves in their status,
and renews a Lease so the traffic controller waits for it before a traffic
step counts as achieved. Run several replicas behind one Service, with a
readiness probe on /readyz (--health-probe-bind-address): it fails while
the replica cannot renew its Lease, so a replica cut off from the
management cluster stops getting queries. The DNS servers also run the
health checks of record sets that have one (traffic.dns.healthCheck).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), errOut)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.feed.Listen, "listen", ":53", "UDP and TCP address to answer on")
	f.StringSliceVar(&o.feed.Zones, "zone", nil, "zone to be authoritative for (repeatable)")
	f.StringSliceVar(&o.feed.Nameservers, "nameserver", nil, "NS record at each zone's apex (repeatable; default ns1.<zone>)")
	f.StringVar(&o.feed.Name, "name", "", "this replica's name, for its Lease (default: from the host name, with a random suffix)")
	f.StringVar(&o.feed.Namespace, "lease-namespace", rolloutblock.DefaultGlobalNamespace, "namespace of the server's Lease")
	f.StringVar(&o.metricsAddr, "metrics-bind-address", "0", "address of the /metrics endpoint; 0 turns it off")
	f.StringVar(&o.probeAddr, "health-probe-bind-address", "0", "address of the /healthz and /readyz endpoints; 0 turns them off. /readyz fails while the server's lease has lapsed")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig of the management cluster (default: in-cluster, $KUBECONFIG or ~/.kube/config)")
	f.StringVar(&o.context, "context", "", "kubeconfig context to use")
	_ = cmd.MarkFlagRequired("zone")
	return cmd
}

func (o *options) run(ctx context.Context, errOut io.Writer) error {
	ctrl.SetLogger(zap.New(zap.WriteTo(errOut)))
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: o.context}).ClientConfig()
	if err != nil {
		return fmt.Errorf("loading the kubeconfig: %w", err)
	}
	opts := manager.ManagerOptions()
	opts.Metrics = metricsserver.Options{BindAddress: o.metricsAddr}
	opts.HealthProbeBindAddress = o.probeAddr
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return err
	}
	addr, err := dnsfeed.AddToManager(mgr, o.feed)
	if err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	ctrl.Log.Info("DNS server listening", "address", addr.String(), "zones", o.feed.Zones)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return mgr.Start(ctx)
}
