package traffic

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/dnsrecords"
	"github.com/convoy-rollouts/convoy/pkg/health"
)

func capacityTarget(generation int64, clusters ...convoyv1alpha1.ClusterCapacityStatus) *convoyv1alpha1.CapacityTarget {
	ct := &convoyv1alpha1.CapacityTarget{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Generation: generation}}
	ct.Status.Clusters = clusters
	return ct
}

func clusterCapacity(name string, available int32, status metav1.ConditionStatus, reason string, observed int64) convoyv1alpha1.ClusterCapacityStatus {
	return convoyv1alpha1.ClusterCapacityStatus{
		ClusterConditions: convoyv1alpha1.ClusterConditions{Name: name, Conditions: []metav1.Condition{{
			Type: convoyv1alpha1.ConditionReady, Status: status, Reason: reason, Message: reason + " message", ObservedGeneration: observed,
		}}},
		AvailableReplicas: available,
	}
}

func TestHealthGate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ct       *convoyv1alpha1.CapacityTarget
		carrying bool
		capacity int64
		reason   string
	}{
		{"achieved", capacityTarget(2, clusterCapacity("a", 3, "True", health.ReasonAvailable, 2)), false, 3, ""},
		{"achieved for an older spec does not open the gate", capacityTarget(3, clusterCapacity("a", 3, "True", health.ReasonAvailable, 2)), false, 0, ReasonCapacityNotAchieved},
		{"scaling up does not open the gate", capacityTarget(2, clusterCapacity("a", 1, "False", health.ReasonPodsNotReady, 2)), false, 0, ReasonCapacityNotAchieved},
		{"an endpoint carrying traffic keeps it while scaling", capacityTarget(3, clusterCapacity("a", 1, "False", health.ReasonPodsNotReady, 3)), true, 1, ""},
		{"no pod available closes the gate even when carrying", capacityTarget(2, clusterCapacity("a", 0, "False", health.ReasonPodsNotReady, 2)), true, 0, ReasonUnhealthy},
		{"an unreachable cluster freezes, with the capacity last seen", capacityTarget(2, clusterCapacity("a", 3, "False", string(clusters.ReasonClusterUnreachable), 2)), true, 3, ReasonWeightFrozen},
		{"lost credentials freeze too", capacityTarget(2, clusterCapacity("a", 3, "False", string(clusters.ReasonCredentialsNotFound), 2)), false, 3, ReasonWeightFrozen},
		{"a deregistered cluster closes the gate", capacityTarget(2, clusterCapacity("a", 3, "False", string(clusters.ReasonClusterNotFound), 2)), true, 0, ReasonUnhealthy},
		{"a stuck deployment closes the gate", capacityTarget(2, clusterCapacity("a", 3, "False", health.ReasonDeploymentStuck, 2)), true, 0, ReasonUnhealthy},
		{"an unknown cluster", capacityTarget(2, clusterCapacity("b", 3, "True", health.ReasonAvailable, 2)), true, 0, ReasonCapacityNotAchieved},
		{"no capacity target", nil, false, 0, ReasonCapacityNotAchieved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			capacity, v := healthyCapacity(tc.ct, "a", tc.carrying)
			if capacity != tc.capacity || v.reason != tc.reason {
				t.Fatalf("got %d %+v, want %d %q", capacity, v, tc.capacity, tc.reason)
			}
			if v.reason != "" && !strings.Contains(v.message, "cluster a") {
				t.Errorf("message %q does not name the cluster", v.message)
			}
		})
	}
}

func TestRequiredServers(t *testing.T) {
	servers := []server{{name: "dns-a", zones: []string{"convoy.test"}}, {name: "dns-b", zones: []string{"example.org", "convoy.test"}},
		{name: "dns-elsewhere", zones: []string{"convoy.test"}, namespaces: []string{"other"}}}
	for _, tc := range []struct {
		name     string
		provider convoyv1alpha1.DNSProvider
		hostname string
		servers  []server
		want     string
		reason   string
		stalled  bool
	}{
		{"every authoritative server", convoyv1alpha1.DNSProviderConvoy, "web.convoy.test", servers, "dns-a,dns-b", "", false},
		{"only the authoritative ones", convoyv1alpha1.DNSProviderConvoy, "shop.example.org", servers, "dns-b", "", false},
		{"the apex itself", convoyv1alpha1.DNSProviderConvoy, "example.org", servers, "dns-b", "", false},
		{"a suffix that is not a parent zone", convoyv1alpha1.DNSProviderConvoy, "web.notconvoy.test", servers, "", ReasonOutsideZones, true},
		{"no server at all", convoyv1alpha1.DNSProviderConvoy, "web.convoy.test", nil, "", ReasonNoDNSServer, false},
		{"external-dns", convoyv1alpha1.DNSProviderExternalDNS, "web.anywhere.example", nil, externalDNS, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			names, v := requiredServers(tc.provider, "shop", tc.hostname, tc.servers)
			if strings.Join(names, ",") != tc.want || v.reason != tc.reason || v.stalled != tc.stalled {
				t.Fatalf("got %v %+v, want %s %s stalled=%v", names, v, tc.want, tc.reason, tc.stalled)
			}
			if v.reason != "" && !strings.Contains(v.message, tc.hostname) {
				t.Errorf("message %q does not name the hostname", v.message)
			}
		})
	}
}

func TestClusterState(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	records := &convoyv1alpha1.DNSRecordSet{ObjectMeta: metav1.ObjectMeta{Generation: 4}, Spec: convoyv1alpha1.DNSRecordSetSpec{
		Records: []convoyv1alpha1.DNSRecord{{SetIdentifier: "a/web-1", Weight: 100}, {SetIdentifier: "b/web-1", Weight: 900}},
	}}
	published := func(p *publication) *publication {
		p.records, p.served, p.since, p.ttl = records, true, now.Add(-time.Minute), 30*time.Second
		return p
	}
	st := func(desired, served int32) convoyv1alpha1.ClusterTrafficStatus {
		return convoyv1alpha1.ClusterTrafficStatus{DesiredWeight: desired, PublishedWeight: served}
	}
	for _, tc := range []struct {
		name   string
		pub    *publication
		status convoyv1alpha1.ClusterTrafficStatus
		reason string
	}{
		{"served for a TTL", published(&publication{}), st(100, 100), ReasonPublished},
		{"served less than a TTL ago", &publication{records: records, served: true, since: now.Add(-10 * time.Second), ttl: 30 * time.Second}, st(100, 100), ReasonWaitingForTTL},
		{"not served yet", &publication{records: records, missing: []string{"dns-a"}}, st(100, 0), ReasonPublishing},
		{"no DNS server", &publication{records: records, problem: verdict{reason: ReasonNoDNSServer, message: "none"}}, st(100, 0), ReasonNoDNSServer},
		{"last good records kept", published(&publication{problem: verdict{reason: ReasonKeepingLastGood, message: "kept"}}), st(0, 100), ReasonKeepingLastGood},
		{"unhealthy endpoint", published(&publication{verdicts: map[string]verdict{"a/web-1": {reason: ReasonUnhealthy, message: "sick"}}}), st(0, 0), ReasonUnhealthy},
		{"hostname problem first", published(&publication{problem: verdict{reason: ReasonHostnameConflict, stalled: true}}), st(100, 100), ReasonHostnameConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := clusterState("a/web-1", tc.status, tc.pub, now, "web.convoy.test"); got.reason != tc.reason {
				t.Fatalf("got %+v, want %s", got, tc.reason)
			}
		})
	}
}

// I5 on the traffic side: a DNS server's refusal of the record set's
// current generation stalls every cluster of the hostname with
// RecordSetRefused, naming the server, the hostname and the cause; a
// refusal of an older generation does not count.
func TestRecordSetRefused(t *testing.T) {
	rs := &convoyv1alpha1.DNSRecordSet{ObjectMeta: metav1.ObjectMeta{Name: "convoy.test", Generation: 3}}
	rs.Spec.Hostname = "convoy.test"
	rs.Status.Servers = []convoyv1alpha1.DNSServerStatus{
		{Name: "dns-a", ObservedGeneration: 3, Refused: `CNAME target "lb.example.com." at a zone apex`},
		{Name: "dns-b", ObservedGeneration: 3},
		{Name: "dns-c", ObservedGeneration: 2, Refused: "an older problem"},
	}
	pub := &publication{records: rs, desired: map[string]int32{"eu/web-1": 1}, verdicts: map[string]verdict{}}
	required := []string{"dns-a", "dns-b", "dns-c"}
	pub.served, pub.since, pub.missing = dnsrecords.Served(rs, required)
	if pub.served {
		t.Fatal("a refused generation counts as served")
	}
	pub.problem = refusedVerdict(rs, required)
	st := convoyv1alpha1.ClusterTrafficStatus{DesiredWeight: 1}
	v := clusterState("eu/web-1", st, pub, time.Now(), "convoy.test")
	if v.reason != ReasonRecordSetRefused || !v.stalled {
		t.Fatalf("verdict %+v, want a stalled %s", v, ReasonRecordSetRefused)
	}
	for _, want := range []string{"dns-a", "convoy.test", "generation 3", "at a zone apex"} {
		if !strings.Contains(v.message, want) {
			t.Errorf("message %q does not say %q", v.message, want)
		}
	}
	if strings.Contains(v.message, "dns-c") {
		t.Errorf("message %q counts a refusal of an older generation", v.message)
	}
}
