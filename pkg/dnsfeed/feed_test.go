package dnsfeed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	mdns "github.com/miekg/dns"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/log"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/devenv"
	"github.com/convoy-rollouts/convoy/pkg/dns"
	"github.com/convoy-rollouts/convoy/pkg/dnshealth"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

// feedFixture is a feed on the real management cluster, serving the
// record sets of one test namespace in its own zone.
type feedFixture struct {
	feed   *Feed
	client client.Client
	addr   string
	zone   string
	ns     string
	// cut makes the feed's writes (lease renewals, status reports) fail,
	// as when the server is cut off from the management cluster.
	cut atomic.Bool
}

func startFeed(t *testing.T, leaseDuration time.Duration, prober *dnshealth.Prober) *feedFixture {
	t.Helper()
	env := testenv.Get(t)
	fx := &feedFixture{client: env.ManagementClient(t), ns: env.Namespace(t)}
	fx.zone = fx.ns + ".feed.test"
	cfg := env.ManagementConfig(t)
	ctx, cancel := context.WithCancel(log.IntoContext(context.Background(), testr.New(t)))
	t.Cleanup(cancel)

	c, err := cache.New(cfg, cache.Options{Scheme: devenv.Scheme, DefaultNamespaces: map[string]cache.Config{fx.ns: {}}})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.Start(ctx) }()
	cutOff := func() error {
		if fx.cut.Load() {
			return errors.New("cut off from the management cluster (test)")
		}
		return nil
	}
	ww, err := client.NewWithWatch(cfg, client.Options{Scheme: devenv.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	writes := interceptor.NewClient(ww, interceptor.Funcs{
		Create: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			if err := cutOff(); err != nil {
				return err
			}
			return cl.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if err := cutOff(); err != nil {
				return err
			}
			return cl.Update(ctx, obj, opts...)
		},
	})
	cfgDNS := dns.Config{Zones: []string{fx.zone}}
	if prober != nil {
		cfgDNS.Health = prober
	}
	server, err := dns.NewServer(cfgDNS)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := server.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Shutdown(context.Background()) })
	fx.addr = addr.String()
	fx.feed = &Feed{Server: server, Client: writes, APIReader: fx.client, Cache: c, Name: "convoy-dns-" + fx.ns, Namespace: fx.ns,
		Zones: []string{fx.zone}, Namespaces: []string{fx.ns}, LeaseDuration: leaseDuration, Prober: prober}
	done := make(chan error, 1)
	go func() { done <- fx.feed.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("feed: %v", err)
		}
	})
	return fx
}

// answer is the A records of hostname, or the RCODE's name.
func (fx *feedFixture) answer(hostname string) ([]string, error) {
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(hostname), mdns.TypeA)
	in, _, err := (&mdns.Client{Timeout: 2 * time.Second}).Exchange(m, fx.addr)
	if err != nil {
		return nil, err
	}
	if in.Rcode != mdns.RcodeSuccess {
		return nil, fmt.Errorf("%s: %s", hostname, mdns.RcodeToString[in.Rcode])
	}
	var ips []string
	for _, rr := range in.Answer {
		if a, ok := rr.(*mdns.A); ok {
			ips = append(ips, a.A.String())
		}
	}
	return ips, nil
}

func recordSet(ns, hostname string, records ...convoyv1alpha1.DNSRecord) *convoyv1alpha1.DNSRecordSet {
	return &convoyv1alpha1.DNSRecordSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: hostname},
		Spec:       convoyv1alpha1.DNSRecordSetSpec{Hostname: hostname, TTLSeconds: 1, Provider: convoyv1alpha1.DNSProviderConvoy, Records: records},
	}
}

func record(cluster, release string, addrs ...string) convoyv1alpha1.DNSRecord {
	return convoyv1alpha1.DNSRecord{SetIdentifier: cluster + "/" + release, Cluster: cluster, Release: release, Addresses: addrs, Weight: 1}
}

// I6: a server that cannot renew its lease for longer than the lease
// duration fails readiness, and is ready again once it renews.
func TestReadinessFollowsTheLease(t *testing.T) {
	const leaseDuration = 3 * time.Second
	fx := startFeed(t, leaseDuration, nil)
	if err := fx.feed.Ready(nil); err == nil {
		// Racing the first renewal is fine; a server that has not taken
		// its lease must not be ready, which this checks when it wins.
		lease := &coordinationv1.Lease{}
		if fx.client.Get(context.Background(), client.ObjectKey{Namespace: fx.ns, Name: fx.feed.Name}, lease) != nil {
			t.Error("ready before taking its lease")
		}
	}
	testenv.Eventually(t, time.Minute, func() error { return fx.feed.Ready(nil) })

	fx.cut.Store(true)
	cut := time.Now()
	testenv.Eventually(t, time.Minute, func() error {
		if fx.feed.Ready(nil) == nil {
			return errors.New("still ready while its lease cannot be renewed")
		}
		return nil
	})
	err := fx.feed.Ready(nil)
	t.Logf("not ready %s after it was cut off (lease duration %s): %v", time.Since(cut).Round(100*time.Millisecond), leaseDuration, err)
	if !strings.Contains(err.Error(), "could not renew its lease "+fx.ns+"/"+fx.feed.Name) {
		t.Errorf("readiness error %q does not say which lease lapsed", err)
	}

	fx.cut.Store(false)
	testenv.Eventually(t, time.Minute, func() error { return fx.feed.Ready(nil) })
}

// I5: a record set the server refuses (a CNAME at the zone apex, an
// address that does not parse) is reported in its own status, every other
// hostname is served, and a fixed version is served again.
func TestRefusedRecordSetIsIsolated(t *testing.T) {
	env := testenv.Get(t)
	env.EnsureCRD(t, "dnsrecordsets.convoy.dev")
	fx := startFeed(t, 10*time.Second, nil)
	ctx := context.Background()
	good := recordSet(fx.ns, "web."+fx.zone, record("eu", "web-1", "127.1.1.10"))
	apex := recordSet(fx.ns, fx.zone, convoyv1alpha1.DNSRecord{SetIdentifier: "eu/web-1", Cluster: "eu", Release: "web-1", Target: "lb.example.com", Weight: 1})
	badAddr := recordSet(fx.ns, "api."+fx.zone, record("eu", "api-1", "not-an-ip"))
	for _, rs := range []*convoyv1alpha1.DNSRecordSet{good, apex, badAddr} {
		if err := fx.client.Create(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, time.Minute, func() error {
		ips, err := fx.answer(good.Spec.Hostname)
		if err != nil || len(ips) != 1 || ips[0] != "127.1.1.10" {
			return fmt.Errorf("%s answers %v (%v), want 127.1.1.10", good.Spec.Hostname, ips, err)
		}
		return nil
	})
	refusal := func(rs *convoyv1alpha1.DNSRecordSet, want string) func() error {
		return func() error {
			if err := fx.client.Get(ctx, client.ObjectKeyFromObject(rs), rs); err != nil {
				return err
			}
			for _, st := range rs.Status.Servers {
				if st.Name == fx.feed.Name && st.ObservedGeneration == rs.Generation && strings.Contains(st.Refused, want) {
					return nil
				}
			}
			return fmt.Errorf("%s: status %+v does not say the server refuses it with %q", rs.Name, rs.Status.Servers, want)
		}
	}
	testenv.Eventually(t, time.Minute, refusal(apex, "at a zone apex"))
	testenv.Eventually(t, time.Minute, refusal(badAddr, `address "not-an-ip"`))
	if ips, err := fx.answer(badAddr.Spec.Hostname); err == nil {
		t.Errorf("a hostname refused from the start answers %v", ips)
	}

	// Fixed, it is served and the refusal goes.
	badAddr.Spec.Records = []convoyv1alpha1.DNSRecord{record("eu", "api-1", "127.1.1.11")}
	if err := fx.client.Update(ctx, badAddr); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Minute, func() error {
		if err := fx.client.Get(ctx, client.ObjectKeyFromObject(badAddr), badAddr); err != nil {
			return err
		}
		for _, st := range badAddr.Status.Servers {
			if st.Name == fx.feed.Name && st.ObservedGeneration == badAddr.Generation && st.Refused == "" {
				ips, err := fx.answer(badAddr.Spec.Hostname)
				if err != nil || len(ips) != 1 || ips[0] != "127.1.1.11" {
					return fmt.Errorf("answers %v (%v)", ips, err)
				}
				return nil
			}
		}
		return fmt.Errorf("status %+v", badAddr.Status.Servers)
	})
}

// Health checks through the feed: a record set's healthCheck has the
// server probe its addresses (loopback HTTP servers here) and answer only
// the healthy ones, with the record's port.
func TestFeedRunsHealthChecks(t *testing.T) {
	env := testenv.Get(t)
	env.EnsureCRD(t, "dnsrecordsets.convoy.dev")
	prober := dnshealth.New(testr.New(t))
	fx := startFeed(t, 10*time.Second, prober)
	// Two endpoints on two loopback addresses, on the ports the records
	// name; only one answers 200.
	a, b := statusServer(t, "127.0.0.3", http.StatusOK), statusServer(t, "127.0.0.4", http.StatusServiceUnavailable)
	rs := recordSet(fx.ns, "web."+fx.zone, record("eu", "web-1", a.Addr().String()), record("us", "web-1", b.Addr().String()))
	rs.Spec.Records[0].Port, rs.Spec.Records[1].Port = int32(a.Port()), int32(b.Port())
	rs.Spec.HealthCheck = &convoyv1alpha1.DNSHealthCheck{Type: convoyv1alpha1.DNSHealthCheckHTTP, IntervalSeconds: 1, FailureThreshold: 1, TimeoutSeconds: 1}
	if err := fx.client.Create(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Minute, func() error {
		for range 20 {
			ips, err := fx.answer(rs.Spec.Hostname)
			if err != nil || len(ips) != 1 || ips[0] != a.Addr().String() {
				return fmt.Errorf("answers %v (%v), want only the healthy %s", ips, err, a.Addr())
			}
		}
		return nil
	})
}

// statusServer serves HTTP with a fixed status on ip, on a free port.
func statusServer(t *testing.T, ip string, status int) netip.AddrPort {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	return netip.MustParseAddrPort(l.Addr().String())
}
