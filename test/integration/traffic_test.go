package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/controller/traffic"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// canarySteps: capacity first at step 0 with no traffic, then 10% of the
// traffic, then everything.
func canarySteps() []convoyv1alpha1.StrategyStep {
	return []convoyv1alpha1.StrategyStep{
		step("dark", 0, 100, 0, 100),
		step("canary", 50, 100, 10, 90),
		step("full on", 100, 0, 100, 0),
	}
}

// dnsApplication is the hello chart in all three clusters, published as
// hostname in the test DNS server's zone with a one-second TTL.
func dnsApplication(ns, name, repoURL string) *convoyv1alpha1.Application {
	app := helloApplication(ns, name, repoURL, "", map[string]any{"replicas": 2})
	app.Spec.Template.ClusterRequirements.Regions = []convoyv1alpha1.RegionRequirement{{Name: "eu-west", Clusters: one(2)}, {Name: "us-east"}}
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{Steps: canarySteps()}
	app.Spec.Template.Traffic = &convoyv1alpha1.TrafficSpec{DNS: &convoyv1alpha1.DNSTraffic{Hostname: name + "." + ns + "." + dnsZone, TTLSeconds: 1}}
	return app
}

// resolver asks the manager's DNS server, over UDP, like a client would.
type resolver struct {
	t        testing.TB
	hostname string
	client   *dns.Client
}

func newResolver(t testing.TB, hostname string) *resolver {
	return &resolver{t: t, hostname: dns.Fqdn(hostname), client: &dns.Client{Timeout: 2 * time.Second}}
}

// answer is the A records of one query.
func (r *resolver) answer() ([]string, error) {
	m := new(dns.Msg)
	m.SetQuestion(r.hostname, dns.TypeA)
	m.RecursionDesired = false
	in, _, err := r.client.Exchange(m, dnsAddr.String())
	if err != nil {
		return nil, err
	}
	if in.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("%s: %s", r.hostname, dns.RcodeToString[in.Rcode])
	}
	var ips []string
	for _, rr := range in.Answer {
		if a, ok := rr.(*dns.A); ok {
			ips = append(ips, a.A.String())
		}
	}
	return ips, nil
}

// shares queries n times and counts answers by the owner of the first
// address (a "release/cluster" from owners; "?" when unknown).
func (r *resolver) shares(n int, owners map[string]string) map[string]int {
	r.t.Helper()
	counts := map[string]int{}
	for range n {
		ips, err := r.answer()
		if err != nil {
			r.t.Fatal(err)
		}
		if len(ips) == 0 {
			counts["(empty)"]++
			continue
		}
		owner, ok := owners[ips[0]]
		if !ok {
			owner = "?" + ips[0]
		}
		counts[owner]++
	}
	return counts
}

// releaseOf sums counts by release.
func releaseOf(counts map[string]int, release string) int {
	n := 0
	for owner, c := range counts {
		if strings.HasPrefix(owner, release+"/") {
			n += c
		}
	}
	return n
}

// addresses maps each load balancer address of the releases' Services to
// "release/cluster".
func addresses(t testing.TB, env *testenv.Env, ns string, clusters []string, releases ...string) map[string]string {
	t.Helper()
	owners := map[string]string{}
	for _, rel := range releases {
		for _, cl := range clusters {
			eventually(t, time.Minute, func() error {
				svcs := &corev1.ServiceList{}
				if err := env.ClusterClient(t, cl).List(ctxFor(t), svcs, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: rel}); err != nil {
					return err
				}
				if len(svcs.Items) != 1 || len(svcs.Items[0].Status.LoadBalancer.Ingress) == 0 {
					return fmt.Errorf("cluster %s: release %s has no Service with an address yet", cl, rel)
				}
				owners[svcs.Items[0].Status.LoadBalancer.Ingress[0].IP] = rel + "/" + cl
				return nil
			})
		}
	}
	return owners
}

// recordWeights reads the hostname's DNSRecordSet as "release/cluster" →
// weight.
func recordWeights(t testing.TB, c client.Client, ns, hostname string) map[string]int32 {
	t.Helper()
	rs := &convoyv1alpha1.DNSRecordSet{}
	if err := c.Get(ctxFor(t), client.ObjectKey{Namespace: ns, Name: hostname}, rs); err != nil {
		t.Fatal(err)
	}
	weights := map[string]int32{}
	for _, rec := range rs.Spec.Records {
		weights[rec.Release+"/"+rec.Cluster] = rec.Weight
	}
	return weights
}

// setSchedulable cordons or uncordons every node of a cluster.
func setSchedulable(t testing.TB, env *testenv.Env, cluster string, schedulable bool) {
	t.Helper()
	c := env.ClusterClient(t, cluster)
	nodes := &corev1.NodeList{}
	if err := c.List(ctxFor(t), nodes); err != nil {
		t.Fatal(err)
	}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		patched := n.DeepCopy()
		patched.Spec.Unschedulable = !schedulable
		if err := c.Patch(ctxFor(t), patched, client.MergeFrom(n)); err != nil {
			t.Fatal(err)
		}
	}
}

// deletePods deletes a release's pods in a cluster.
func deletePods(t testing.TB, env *testenv.Env, cluster, ns, release string) {
	t.Helper()
	err := env.ClusterClient(t, cluster).DeleteAllOf(ctxFor(t), &corev1.Pod{}, client.InNamespace(ns),
		client.MatchingLabels{convoyv1alpha1.LabelRelease: release}, client.GracePeriodSeconds(0))
	if err != nil {
		t.Fatal(err)
	}
}

// The whole traffic story of a release, checked with real DNS queries to
// convoy's DNS server: at step 0 every answer is an incumbent's address;
// no contender address is answered while its capacity is not achieved;
// at a 10/90 step about 10% of answers are contender addresses, spread over
// its clusters; a cluster where the contender turns unhealthy loses its
// weight to the contender's other clusters, with an event; and a retreat
// to step 0 takes every answer back to the incumbent before any contender
// capacity is removed.
func TestDNSWeightsFollowCapacity(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := dnsApplication(ns, "web", repo.URL)
	hostname := app.Spec.Template.Traffic.DNS.Hostname
	first, clusters := completeFirstRelease(t, mgmt, app)
	if len(clusters) != 3 {
		t.Fatalf("the release runs in %v, want 3 clusters", clusters)
	}
	r := newResolver(t, hostname)

	// The first release owns every answer.
	owners := addresses(t, env, ns, clusters, first.Name)
	counts := r.shares(300, owners)
	if releaseOf(counts, first.Name) != 300 {
		t.Fatalf("first release complete: answers %v, want all 300 from %s", counts, first.Name)
	}
	for _, cl := range clusters {
		if counts[first.Name+"/"+cl] < 50 {
			t.Errorf("cluster %s answered %d of 300 times, want about 100", cl, counts[first.Name+"/"+cl])
		}
	}

	// Step 0 of a new release: capacity only.
	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	waitStep(t, env, mgmt, &second, 0, first.Name, clusters, map[string]int32{second.Name: 0, first.Name: 2})
	owners = addresses(t, env, ns, clusters, first.Name, second.Name)
	if counts := r.shares(300, owners); releaseOf(counts, first.Name) != 300 {
		t.Fatalf("step 0: answers %v, want all 300 from the incumbent %s", counts, first.Name)
	}

	// Step 1 while the contender cannot get capacity in us-east-1: its
	// traffic waits for capacity everywhere, so no contender address is
	// ever answered.
	blocked := clusters[len(clusters)-1]
	setSchedulable(t, env, blocked, false)
	setTargetStep(t, mgmt, &second, 1)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if counts := r.shares(50, owners); releaseOf(counts, second.Name) != 0 {
			t.Fatalf("contender answered before its capacity was achieved in %s: %v", blocked, counts)
		}
	}
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), &second); err != nil {
		t.Fatal(err)
	}
	if second.Status.WaitingFor != convoyv1alpha1.WaitingForCapacity {
		t.Fatalf("with %s cordoned the contender waits for %q, want Capacity", blocked, second.Status.WaitingFor)
	}
	setSchedulable(t, env, blocked, true)
	waitStep(t, env, mgmt, &second, 1, first.Name, clusters, map[string]int32{second.Name: 1, first.Name: 2})

	// 10/90: the record set holds the exact split, and the answers follow.
	weights := recordWeights(t, mgmt, ns, hostname)
	var contenderWeight, all int32
	for owner, w := range weights {
		all += w
		if strings.HasPrefix(owner, second.Name+"/") {
			contenderWeight += w
		}
	}
	if all != 1000 || contenderWeight != 100 {
		t.Fatalf("step 1 weights %v: contender %d of %d, want 100 of 1000", weights, contenderWeight, all)
	}
	const n = 6000
	counts = r.shares(n, owners)
	share := 100 * float64(releaseOf(counts, second.Name)) / n
	t.Logf("step 1 (10/90): contender share %.2f%% of %d answers: %v", share, n, counts)
	if share < 8.5 || share > 11.5 {
		t.Errorf("contender share %.2f%%, want 10 ± 1.5", share)
	}
	for _, cl := range clusters {
		if counts[second.Name+"/"+cl] == 0 {
			t.Errorf("the contender in %s never answered", cl)
		}
	}

	// The contender turns unhealthy in one cluster: its weight there moves
	// to the contender's other clusters.
	sick := clusters[0]
	setSchedulable(t, env, sick, false)
	deletePods(t, env, sick, ns, second.Name)
	eventually(t, time.Minute, func() error {
		w := recordWeights(t, mgmt, ns, hostname)
		if _, ok := w[second.Name+"/"+sick]; ok {
			return fmt.Errorf("weights %v still give the contender weight in %s", w, sick)
		}
		if w[second.Name+"/"+clusters[1]]+w[second.Name+"/"+clusters[2]] != 100 {
			return fmt.Errorf("weights %v: the contender's share did not move to its healthy clusters", w)
		}
		return nil
	})
	time.Sleep(1100 * time.Millisecond) // one TTL
	counts = r.shares(n, owners)
	share = 100 * float64(releaseOf(counts, second.Name)) / n
	t.Logf("step 1, contender unhealthy in %s: contender share %.2f%%: %v", sick, share, counts)
	if counts[second.Name+"/"+sick] != 0 {
		t.Errorf("the unhealthy contender in %s still answered %d times", sick, counts[second.Name+"/"+sick])
	}
	if share < 8.5 || share > 11.5 {
		t.Errorf("contender share after failover %.2f%%, want 10 ± 1.5", share)
	}
	expectEvent(t, mgmt, ns, second.Name, "Failover", sick)
	setSchedulable(t, env, sick, true)
	waitStep(t, env, mgmt, &second, 1, first.Name, clusters, map[string]int32{second.Name: 1, first.Name: 2})

	// Retreat to step 0 (what an abort does): every answer goes back to the
	// incumbent before any of the contender's capacity is removed.
	setTargetStep(t, mgmt, &second, 0)
	checkTrafficLeavesBeforeCapacity(t, env, r, owners, clusters, ns, second.Name)
	waitStep(t, env, mgmt, &second, 0, first.Name, clusters, map[string]int32{second.Name: 0, first.Name: 2})
}

// checkTrafficLeavesBeforeCapacity queries DNS until the contender has no
// capacity left anywhere, and fails if a contender address is answered
// once its capacity started to shrink in any cluster.
func checkTrafficLeavesBeforeCapacity(t *testing.T, env *testenv.Env, r *resolver, owners map[string]string, clusters []string, ns, contender string) {
	t.Helper()
	shrunk := ""
	deadline := time.Now().Add(2 * time.Minute)
	for {
		gone := 0
		for _, cl := range clusters {
			if spec, _ := replicasIn(t, env, cl, ns, contender); spec < 1 {
				gone++
				if shrunk == "" {
					shrunk = cl
				}
			}
		}
		counts := r.shares(20, owners)
		if shrunk != "" && releaseOf(counts, contender) > 0 {
			t.Fatalf("the contender answered %v after its capacity in %s was removed", counts, shrunk)
		}
		if gone == len(clusters) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the contender's capacity was not removed within 2 minutes")
		}
	}
}

// expectEvent waits for an event on the named object with the reason and
// a note mentioning fragment.
func expectEvent(t testing.TB, c client.Client, ns, name, reason, fragment string) {
	t.Helper()
	eventually(t, 30*time.Second, func() error {
		events := &corev1.EventList{}
		if err := c.List(ctxFor(t), events, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, e := range events.Items {
			if e.InvolvedObject.Name == name && e.Reason == reason && strings.Contains(e.Message, fragment) {
				return nil
			}
		}
		return fmt.Errorf("no %s event on %s mentioning %q", reason, name, fragment)
	})
}

// With provider external-dns the same weights are written as a DNSEndpoint
// for external-dns, scaled to Route53's 0-255, and the traffic counts as
// published only once external-dns reports the DNSEndpoint's generation
// observed (this test plays external-dns).
func TestExternalDNSEndpoint(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := dnsApplication(ns, "shop", repo.URL)
	app.Spec.Template.Traffic.DNS.Hostname = "shop.example.org"
	app.Spec.Template.Traffic.DNS.Provider = convoyv1alpha1.DNSProviderExternalDNS
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	first := waitForReleases(t, mgmt, app, 1)[0]
	tt := &convoyv1alpha1.TrafficTarget{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: first.Name}}
	waitCondition(t, mgmt, tt, func() []metav1.Condition { return tt.Status.Conditions }, convoyv1alpha1.ConditionReady, traffic.ReasonPublishing, "waiting for external-dns")

	endpoint := &unstructured.Unstructured{}
	endpoint.SetGroupVersionKind(traffic.DNSEndpointKind)
	if err := mgmt.Get(ctx, client.ObjectKey{Namespace: ns, Name: "shop.example.org"}, endpoint); err != nil {
		t.Fatal(err)
	}
	clusters := waitInstalled(t, mgmt, ns, first.Name)
	owners := addresses(t, env, ns, clusters, first.Name)
	endpoints, _, _ := unstructured.NestedSlice(endpoint.Object, "spec", "endpoints")
	if len(endpoints) != 3 {
		t.Fatalf("DNSEndpoint has %d endpoints, want one per cluster: %v", len(endpoints), endpoints)
	}
	total := 0
	for _, e := range endpoints {
		e := e.(map[string]any)
		targets := e["targets"].([]any)
		id := e["setIdentifier"].(string)
		weight := e["providerSpecific"].([]any)[0].(map[string]any)
		var w int
		fmt.Sscanf(weight["value"].(string), "%d", &w)
		total += w
		if e["dnsName"] != "shop.example.org" || e["recordType"] != "A" || e["recordTTL"] != int64(1) || weight["name"] != "aws/weight" || len(targets) != 1 {
			t.Errorf("endpoint %v", e)
		}
		if owner := owners[targets[0].(string)]; owner == "" || id != strings.SplitN(owner, "/", 2)[1]+"/"+first.Name {
			t.Errorf("endpoint %s targets %v, owned by %q", id, targets, owner)
		}
	}
	if total != 255 {
		t.Errorf("aws/weight adds up to %d, want 255", total)
	}

	// external-dns observes it: the release completes.
	unstructured.SetNestedField(endpoint.Object, endpoint.GetGeneration(), "status", "observedGeneration")
	if err := mgmt.Status().Update(ctx, endpoint); err != nil {
		t.Fatal(err)
	}
	waitComplete(t, mgmt, &first)
}

// Traffic that cannot be published gets a condition naming the cause:
// a hostname outside the DNS server's zones, a Service that is not of type
// LoadBalancer, a Service that does not exist, a hostname another
// application publishes.
func TestTrafficBadInput(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	owner := dnsApplication(ns, "owner", repo.URL)
	completeFirstRelease(t, mgmt, owner)

	for _, tc := range []struct {
		name     string
		change   func(*convoyv1alpha1.Application)
		reason   string
		fragment string
	}{
		{"outside", func(a *convoyv1alpha1.Application) { a.Spec.Template.Traffic.DNS.Hostname = "web.elsewhere.example" },
			traffic.ReasonOutsideZones, "hostname web.elsewhere.example is in none of the zones convoy's DNS servers serve (" + dnsZone},
		{"clusterip", func(a *convoyv1alpha1.Application) {
			a.Spec.Template.Values = &apiextensionsv1.JSON{Raw: []byte(`{"service":{"type":"ClusterIP"}}`)}
		}, traffic.ReasonServiceNotLoadBalancer, "is of type ClusterIP: DNS traffic needs a Service of type LoadBalancer"},
		{"noservice", func(a *convoyv1alpha1.Application) { a.Spec.Template.Traffic.DNS.ServiceName = "public" },
			traffic.ReasonServiceNotFound, "has no Service named public in cluster"},
		{"conflict", func(a *convoyv1alpha1.Application) {
			a.Spec.Template.Traffic.DNS.Hostname = owner.Spec.Template.Traffic.DNS.Hostname
		}, traffic.ReasonHostnameConflict, "is published by application " + ns + "/owner"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := dnsApplication(ns, tc.name, repo.URL)
			tc.change(app)
			if err := mgmt.Create(ctx, app); err != nil {
				t.Fatal(err)
			}
			rel := waitForReleases(t, mgmt, app, 1)[0]
			tt := &convoyv1alpha1.TrafficTarget{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: rel.Name}}
			waitCondition(t, mgmt, tt, func() []metav1.Condition { return tt.Status.Conditions }, convoyv1alpha1.ConditionStalled, tc.reason, tc.fragment)
		})
	}
	// The owner's records are untouched by the application that claims its
	// hostname.
	w := recordWeights(t, mgmt, ns, owner.Spec.Template.Traffic.DNS.Hostname)
	for id := range w {
		if !strings.HasPrefix(id, owner.Name+"-") {
			t.Errorf("the owner's record set holds %s", id)
		}
	}
}
