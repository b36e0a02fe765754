package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusterjoin"
	"github.com/convoy-rollouts/convoy/pkg/hostgrant"
)

// cname is the CNAME target of one answer for name, "" when the answer
// has addresses instead.
func cname(t testing.TB, name string) (string, []string) {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	in, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, dnsAddr.String())
	if err != nil {
		t.Fatal(err)
	}
	var target string
	var ips []string
	for _, rr := range in.Answer {
		switch rr := rr.(type) {
		case *dns.CNAME:
			target = rr.Target
		case *dns.A:
			ips = append(ips, rr.A.String())
		}
	}
	return target, ips
}

// Regional names answer with their region's endpoints only, and fall back
// to the global name when the region has none that can answer: here
// us-east's pods are gone, so its endpoint carries no weight, and the
// regional name answers a CNAME to the global one, which answers from
// eu-west. Real queries to the manager's DNS server.
func TestRegionalNamesFallBackToTheGlobalName(t *testing.T) {
	env, _, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := dnsApplication(ns, "web", repo.URL)
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetCanary}
	app.Spec.Template.Traffic.DNS.RegionalHostname = "web.{{region}}." + ns + "." + dnsZone
	hostname := app.Spec.Template.Traffic.DNS.Hostname
	first, clusters := completeFirstRelease(t, mgmt, app)
	owners := addresses(t, env, ns, clusters, first.Name)
	regionOf := map[string]string{}
	for _, cl := range clusters {
		regionOf[cl] = strings.TrimRight(cl, "-0123456789")
	}
	euName, usName := "web.eu-west."+ns+"."+dnsZone, "web.us-east."+ns+"."+dnsZone
	for _, tc := range []struct{ name, region string }{{euName, "eu-west"}, {usName, "us-east"}} {
		r := newResolver(t, tc.name)
		eventually(t, time.Minute, func() error {
			if _, err := r.answer(); err != nil {
				return err
			}
			return nil
		})
		for owner, n := range r.shares(200, owners) {
			cl := owner[strings.Index(owner, "/")+1:]
			if regionOf[cl] != tc.region {
				t.Errorf("%s answered %d times from %s, outside %s", tc.name, n, owner, tc.region)
			}
		}
	}

	// us-east loses its pods: its endpoint leaves, and its regional name
	// falls back to the global one.
	us := clusters[len(clusters)-1]
	setSchedulable(t, env, us, false)
	deletePods(t, env, us, ns, first.Name)
	eventually(t, time.Minute, func() error {
		target, ips := cname(t, usName)
		if target != dns.Fqdn(hostname) || len(ips) != 0 && !strings.HasPrefix(owners[ips[0]], first.Name+"/eu-west") {
			return fmt.Errorf("%s answers CNAME %q, addresses %v; want a CNAME to %s", usName, target, ips, hostname)
		}
		return nil
	})
	if target, _ := cname(t, euName); target != "" {
		t.Errorf("%s answers a CNAME to %s while eu-west serves", euName, target)
	}
	setSchedulable(t, env, us, true)
	eventually(t, 2*time.Minute, func() error {
		if target, ips := cname(t, usName); target != "" || len(ips) == 0 || owners[ips[0]] != first.Name+"/"+us {
			return fmt.Errorf("%s answers CNAME %q, addresses %v; want %s's endpoint back", usName, target, ips, us)
		}
		return nil
	})
}

// The DNS server's health checks, on a record set with a fallback: once
// every endpoint of the regional set fails, the name answers a CNAME to
// the global one, not all its failing endpoints.
func TestRegionalFallbackOnFailingHealthChecks(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	env.EnsureCRD(t, "dnsrecordsets.convoy.dev")
	eu := newSwitchable(t, "127.0.0.7")
	global, regional := "hc."+ns+"."+dnsZone, "hc.eu-west."+ns+"."+dnsZone
	check := &convoyv1alpha1.DNSHealthCheck{Type: convoyv1alpha1.DNSHealthCheckHTTP, Path: "/healthz", IntervalSeconds: 1, FailureThreshold: 2, TimeoutSeconds: 1}
	for _, spec := range []convoyv1alpha1.DNSRecordSetSpec{
		{Hostname: global, TTLSeconds: 1, Provider: convoyv1alpha1.DNSProviderConvoy, Records: []convoyv1alpha1.DNSRecord{dnsRecord("eu", "web-1", eu.addr)}, HealthCheck: check},
		{Hostname: regional, TTLSeconds: 1, Provider: convoyv1alpha1.DNSProviderConvoy, Records: []convoyv1alpha1.DNSRecord{dnsRecord("eu", "web-1", eu.addr)}, HealthCheck: check, Fallback: global},
	} {
		if err := mgmt.Create(ctx, &convoyv1alpha1.DNSRecordSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: spec.Hostname}, Spec: spec}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, time.Minute, func() error {
		if target, ips := cname(t, regional); target != "" || len(ips) != 1 {
			return fmt.Errorf("%s answers CNAME %q, addresses %v; want eu's address", regional, target, ips)
		}
		return nil
	})
	eu.status.Store(http.StatusServiceUnavailable)
	eventually(t, time.Minute, func() error {
		if target, _ := cname(t, regional); target != dns.Fqdn(global) {
			return fmt.Errorf("%s answers CNAME %q, want %s", regional, target, global)
		}
		return nil
	})
	// The global name keeps Route53's rule: every endpoint failing answers
	// them all.
	if _, ips := cname(t, global); len(ips) != 1 {
		t.Errorf("%s answers %v with its one endpoint failing, want it answered anyway", global, ips)
	}
	// A set without records needs a fallback (API validation).
	empty := &convoyv1alpha1.DNSRecordSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "empty." + ns + "." + dnsZone},
		Spec: convoyv1alpha1.DNSRecordSetSpec{Hostname: "empty." + ns + "." + dnsZone, TTLSeconds: 1, Provider: convoyv1alpha1.DNSProviderConvoy}}
	if err := mgmt.Create(ctx, empty); err == nil || !strings.Contains(err.Error(), "a record set without records must have a fallback") {
		t.Errorf("creating a record set without records or fallback: %v", err)
	}
}

// A regional name is a hostname like any other: one the platform did not
// grant to the namespace is refused, and nothing is published.
func TestRegionalNameMustBeGranted(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	granted := "web." + ns + "." + dnsZone
	if err := clusterjoin.GrantHostnames(ctx, mgmt, ns, granted); err != nil {
		t.Fatal(err)
	}
	repo := helloRepo(t)
	app := dnsApplication(ns, "web", repo.URL)
	app.Spec.Template.Traffic.DNS.RegionalHostname = "web.{{region}}.team-b." + dnsZone
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, app, 1)[0]
	tt := &convoyv1alpha1.TrafficTarget{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: rel.Name}}
	waitCondition(t, mgmt, tt, func() []metav1.Condition { return tt.Status.Conditions }, convoyv1alpha1.ConditionStalled, hostgrant.ReasonHostnameNotGranted,
		"hostname web.eu-west.team-b."+dnsZone+" is not granted")
	sets := &convoyv1alpha1.DNSRecordSetList{}
	if err := mgmt.List(ctx, sets, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, s := range sets.Items {
		if strings.Contains(s.Name, "team-b") {
			t.Errorf("record set %s published for a name not granted", s.Name)
		}
	}
}
