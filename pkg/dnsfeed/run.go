package dnsfeed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/convoy-rollouts/convoy/pkg/dns"
	"github.com/convoy-rollouts/convoy/pkg/dnshealth"
)

// ReadyzCheckName is the DNS server's readiness check (Feed.Ready) on the
// manager's /readyz.
const ReadyzCheckName = "dns-lease"

// Options configure a DNS server that a manager runs.
type Options struct {
	// Listen is the UDP and TCP address to answer on, such as ":53".
	Listen string
	// Zones the server is authoritative for.
	Zones []string
	// Nameservers are the NS records at each zone's apex.
	Nameservers []string
	// Name identifies the server; a name from the host's and a random
	// suffix when empty, so replicas never share one.
	Name string
	// Namespace holds the server's Lease.
	Namespace string
	// Namespaces, when set, are the only namespaces whose records the
	// server serves (the manager's --namespace).
	Namespaces []string
	// LeaseDuration, 30s when zero.
	LeaseDuration time.Duration
}

// AddToManager starts a DNS server on opts.Listen, answering at once (with
// no records until the feed's first sync), fed from the manager's cache
// and stopped with the manager. It returns the address the server listens
// on.
func AddToManager(mgr manager.Manager, opts Options) (net.Addr, error) {
	if len(opts.Zones) == 0 {
		return nil, fmt.Errorf("the DNS server needs at least one zone (--dns-zone)")
	}
	if opts.Name == "" {
		opts.Name = defaultName()
	}
	if opts.LeaseDuration == 0 {
		opts.LeaseDuration = 30 * time.Second
	}
	prober := dnshealth.New(mgr.GetLogger().WithName("dns-health").WithValues("dnsServer", opts.Name))
	server, err := dns.NewServer(dns.Config{Zones: opts.Zones, Nameservers: opts.Nameservers, Registerer: metrics.Registry, Health: prober})
	if err != nil {
		return nil, err
	}
	addr, err := server.Start(opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("DNS server on %s: %w", opts.Listen, err)
	}
	stop := manager.RunnableFunc(func(ctx context.Context) error {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return server.Shutdown(shutdown)
	})
	feed := &Feed{
		Server: server, Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Cache: mgr.GetCache(),
		Name: opts.Name, Namespace: opts.Namespace, Zones: opts.Zones, Namespaces: opts.Namespaces, LeaseDuration: opts.LeaseDuration,
		Prober: prober,
	}
	for _, r := range []manager.Runnable{everyReplica{stop}, feed} {
		if err := mgr.Add(r); err != nil {
			return nil, err
		}
	}
	// A replica cut off from the management cluster for longer than its
	// lease is fenced: not ready, so its Service stops sending it queries.
	if err := mgr.AddReadyzCheck(ReadyzCheckName, feed.Ready); err != nil {
		return nil, err
	}
	return addr, nil
}

// everyReplica runs a runnable whether or not this replica leads.
type everyReplica struct{ manager.Runnable }

func (everyReplica) NeedLeaderElection() bool { return false }

var notName = regexp.MustCompile(`[^a-z0-9-]+`)

// defaultName is "convoy-dns-<host>-<random>", a valid Lease name.
func defaultName() string {
	host, _ := os.Hostname()
	host = strings.Trim(notName.ReplaceAllString(strings.ToLower(host), "-"), "-")
	if len(host) > 40 {
		host = host[:40]
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	if host == "" {
		return "convoy-dns-" + hex.EncodeToString(suffix)
	}
	return "convoy-dns-" + host + "-" + hex.EncodeToString(suffix)
}
