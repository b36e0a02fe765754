package integration

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// switchable is a loopback HTTP server standing in for a load balancer
// whose status the test switches.
type switchable struct {
	status atomic.Int32
	addr   netip.AddrPort
}

func newSwitchable(t *testing.T, ip string) *switchable {
	t.Helper()
	s := &switchable{}
	s.status.Store(http.StatusOK)
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(int(s.status.Load()))
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	s.addr = netip.MustParseAddrPort(l.Addr().String())
	return s
}

func dnsRecord(cluster, release string, at netip.AddrPort) convoyv1alpha1.DNSRecord {
	return convoyv1alpha1.DNSRecord{SetIdentifier: cluster + "/" + release, Cluster: cluster, Release: release,
		Addresses: []string{at.Addr().String()}, Port: int32(at.Port()), Weight: 1}
}

// Health checks run by the manager's DNS server: with an interval of 1 s
// and a threshold of 2, an endpoint whose load balancer starts failing
// leaves the answers without any change to the records, and comes back
// when it recovers. The time from the failure to the last answer naming
// it is logged (the figure), not asserted.
func TestDNSHealthChecksFailOver(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	env.EnsureCRD(t, "dnsrecordsets.convoy.dev")
	eu, us := newSwitchable(t, "127.0.0.5"), newSwitchable(t, "127.0.0.6")
	hostname := "hc." + ns + "." + dnsZone
	rs := &convoyv1alpha1.DNSRecordSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: hostname},
		Spec: convoyv1alpha1.DNSRecordSetSpec{Hostname: hostname, TTLSeconds: 1, Provider: convoyv1alpha1.DNSProviderConvoy,
			Records:     []convoyv1alpha1.DNSRecord{dnsRecord("eu", "web-1", eu.addr), dnsRecord("us", "web-1", us.addr)},
			HealthCheck: &convoyv1alpha1.DNSHealthCheck{Type: convoyv1alpha1.DNSHealthCheckHTTP, Path: "/healthz", IntervalSeconds: 1, FailureThreshold: 2, TimeoutSeconds: 1}},
	}
	if err := mgmt.Create(ctx, rs); err != nil {
		t.Fatal(err)
	}
	r := newResolver(t, hostname)
	owners := map[string]string{eu.addr.Addr().String(): "web-1/eu", us.addr.Addr().String(): "web-1/us"}
	eventually(t, time.Minute, func() error {
		if _, err := r.answer(); err != nil {
			return err // not served yet
		}
		if counts := r.shares(100, owners); counts["web-1/eu"] == 0 || counts["web-1/us"] == 0 {
			return fmt.Errorf("answers %v, want both endpoints", counts)
		}
		return nil
	})

	failed := time.Now()
	eu.status.Store(http.StatusServiceUnavailable)
	last, lastSeen := failed, failed
	// Until eu has been absent for 2 s, at most a minute.
	for now := time.Now(); now.Sub(lastSeen) < 2*time.Second; now = time.Now() {
		if now.Sub(failed) > time.Minute {
			t.Fatal("the failed endpoint is still answered after a minute")
		}
		ips, err := r.answer()
		if err != nil {
			t.Fatal(err)
		}
		if len(ips) > 0 && ips[0] == eu.addr.Addr().String() {
			last, lastSeen = time.Now(), time.Now()
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("interval 1s, threshold 2: the last answer naming the failed endpoint came %s after it failed", last.Sub(failed).Round(time.Millisecond))
	if counts := r.shares(100, owners); counts["web-1/us"] != 100 {
		t.Errorf("answers %v after eu failed, want only us", counts)
	}
	// The records never changed: the server acted on its own evidence.
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(rs), rs); err != nil || rs.Generation != 1 {
		t.Errorf("record set at generation %d (%v), want 1", rs.Generation, err)
	}

	// Everything failing answers everything (Route53), and recovery
	// brings eu back.
	us.status.Store(http.StatusServiceUnavailable)
	eventually(t, time.Minute, func() error {
		if counts := r.shares(100, owners); counts["web-1/eu"] == 0 || counts["web-1/us"] == 0 {
			return fmt.Errorf("answers %v with every endpoint failing, want both", counts)
		}
		return nil
	})
	us.status.Store(http.StatusOK)
	eventually(t, time.Minute, func() error {
		if counts := r.shares(100, owners); counts["web-1/us"] != 100 {
			return fmt.Errorf("answers %v, want only us while eu fails", counts)
		}
		return nil
	})
	eu.status.Store(http.StatusOK)
	eventually(t, time.Minute, func() error {
		if counts := r.shares(100, owners); counts["web-1/eu"] == 0 {
			return fmt.Errorf("answers %v, want eu back", counts)
		}
		return nil
	})
}

// I5 with the manager's DNS server: a record set it refuses (a CNAME at
// the zone apex) is reported in its own status, while another hostname
// published beside it answers.
func TestRefusedRecordSetDoesNotStopDNS(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	env.EnsureCRD(t, "dnsrecordsets.convoy.dev")
	good := "ok." + ns + "." + dnsZone
	sets := []*convoyv1alpha1.DNSRecordSet{
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: dnsZone},
			Spec: convoyv1alpha1.DNSRecordSetSpec{Hostname: dnsZone, TTLSeconds: 1, Provider: convoyv1alpha1.DNSProviderConvoy,
				Records: []convoyv1alpha1.DNSRecord{{SetIdentifier: "eu/web-1", Cluster: "eu", Release: "web-1", Target: "lb.example.com", Weight: 1}}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: good},
			Spec: convoyv1alpha1.DNSRecordSetSpec{Hostname: good, TTLSeconds: 1, Provider: convoyv1alpha1.DNSProviderConvoy,
				Records: []convoyv1alpha1.DNSRecord{{SetIdentifier: "eu/web-1", Cluster: "eu", Release: "web-1", Addresses: []string{"127.1.1.200"}, Weight: 1}}}},
	}
	for _, rs := range sets {
		if err := mgmt.Create(ctx, rs); err != nil {
			t.Fatal(err)
		}
	}
	r := newResolver(t, good)
	eventually(t, time.Minute, func() error {
		ips, err := r.answer()
		if err != nil || len(ips) != 1 || ips[0] != "127.1.1.200" {
			return fmt.Errorf("%s answers %v (%v)", good, ips, err)
		}
		return nil
	})
	apex := sets[0]
	eventually(t, time.Minute, func() error {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(apex), apex); err != nil {
			return err
		}
		for _, st := range apex.Status.Servers {
			if st.Name == "convoy-dns-integration" && st.ObservedGeneration == apex.Generation && strings.Contains(st.Refused, "at a zone apex") {
				return nil
			}
		}
		return fmt.Errorf("status %+v does not report the refusal", apex.Status.Servers)
	})
}
