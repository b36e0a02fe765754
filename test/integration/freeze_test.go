package integration

import (
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/controller/traffic"
)

// apiProxy forwards TCP connections on 127.0.0.1 to a cluster's API
// server (TLS passes through: the server's certificate is for 127.0.0.1).
// Frozen, it cuts the connections it forwards and holds new ones without a
// byte of answer, as a kube-apiserver that hangs does; the pods behind it
// are untouched.
type apiProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	frozen bool
	conns  map[net.Conn]bool
}

func newAPIProxy(t testing.TB, target string) *apiProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &apiProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		p.cut()
	})
	return p
}

func (p *apiProxy) URL() string { return "https://" + p.ln.Addr().String() }

// serve runs until the listener is closed.
func (p *apiProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns[in] = true
		frozen := p.frozen
		p.mu.Unlock()
		if frozen {
			continue // held, unanswered, until cut
		}
		go p.forward(in)
	}
}

func (p *apiProxy) forward(in net.Conn) {
	out, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		_ = in.Close()
		return
	}
	p.mu.Lock()
	p.conns[out] = true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
	_, _ = io.Copy(in, out)
	_ = in.Close()
}

// cut closes every connection, forwarded or held.
func (p *apiProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

func (p *apiProxy) setFrozen(frozen bool) {
	p.mu.Lock()
	p.frozen = frozen
	p.mu.Unlock()
	p.cut()
}

// registerCluster registers an application cluster of the environment
// again under another name and region, through url, with the same
// credentials; the Cluster is removed at the end of the test.
func registerCluster(t testing.TB, c client.Client, from, name, region, url string) {
	t.Helper()
	orig := &convoyv1alpha1.Cluster{}
	if err := c.Get(ctxFor(t), client.ObjectKey{Name: from}, orig); err != nil {
		t.Fatal(err)
	}
	cl := &convoyv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: orig.Spec}
	cl.Spec.APIServerURL, cl.Spec.Region = url, region
	if err := c.Create(ctxFor(t), cl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctxFor(t), cl) })
}

// probeFailures waits until the Cluster has failed at least n probes in a
// row and returns its status.
func probeFailures(t testing.TB, c client.Client, name string, n int32) convoyv1alpha1.ClusterStatus {
	t.Helper()
	cl := &convoyv1alpha1.Cluster{}
	eventually(t, 2*time.Minute, func() error {
		if err := c.Get(ctxFor(t), client.ObjectKey{Name: name}, cl); err != nil {
			return err
		}
		if cl.Status.ConsecutiveProbeFailures < n {
			return fmt.Errorf("cluster %s failed %d probes in a row, waiting for %d", name, cl.Status.ConsecutiveProbeFailures, n)
		}
		return nil
	})
	return cl.Status
}

// A cluster whose API server hangs, its pods untouched: one or two failed
// probes move nothing; after the threshold the cluster is unreachable and
// its endpoints' weights are frozen at the values published last (the
// traffic targets say WeightFrozen), while a lowering of a release's
// weight still takes its weight out of the cluster, and a raise waits.
// When the API server answers again the weights follow the step again.
func TestUnreachableClusterFreezesWeights(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	env.EnsureCRD(t, "clusters.convoy.dev") // status.consecutiveProbeFailures
	suffix := ns[strings.LastIndex(ns, "-")+1:]
	region := "test-freeze-" + suffix
	frozenName, liveName := "freeze-a-"+suffix, "freeze-b-"+suffix
	target, err := url.Parse(clusterURL(t, mgmt, env.Clusters[0].Name))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newAPIProxy(t, target.Host)
	registerCluster(t, mgmt, env.Clusters[0].Name, frozenName, region, proxy.URL())
	registerCluster(t, mgmt, env.Clusters[1].Name, liveName, region, clusterURL(t, mgmt, env.Clusters[1].Name))

	repo := helloRepo(t)
	app := dnsApplication(ns, "frozen", repo.URL)
	app.Spec.Template.ClusterRequirements.Regions = []convoyv1alpha1.RegionRequirement{{Name: region, Clusters: one(2)}}
	hostname := app.Spec.Template.Traffic.DNS.Hostname
	first, _ := completeFirstRelease(t, mgmt, app)
	// The Deployments and Services are checked in the clusters themselves.
	physical := []string{env.Clusters[0].Name, env.Clusters[1].Name}
	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	setTargetStep(t, mgmt, &second, 1)
	waitStep(t, env, mgmt, &second, 1, first.Name, physical, map[string]int32{second.Name: 1, first.Name: 2})
	published := recordWeights(t, mgmt, ns, hostname)
	want := map[string]int32{
		first.Name + "/" + frozenName: 450, first.Name + "/" + liveName: 450,
		second.Name + "/" + frozenName: 50, second.Name + "/" + liveName: 50,
	}
	if !maps.Equal(published, want) {
		t.Fatalf("step 1 (10/90) weights %v, want %v", published, want)
	}
	unchanged := func(when string) {
		t.Helper()
		if w := recordWeights(t, mgmt, ns, hostname); !maps.Equal(w, published) {
			t.Fatalf("%s: weights %v, want the published %v unchanged", when, w, published)
		}
	}

	proxy.setFrozen(true)
	t.Cleanup(func() { proxy.setFrozen(false) })
	// (The Reachable condition below the threshold is the cluster
	// package's unit test: managers of other trees sharing the environment
	// probe this Cluster too.)
	probeFailures(t, mgmt, frozenName, 1)
	unchanged("after one failed probe")
	probeFailures(t, mgmt, frozenName, 2)
	unchanged("after two failed probes")
	st := probeFailures(t, mgmt, frozenName, 3)
	if c := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionReachable); c == nil || c.Status != metav1.ConditionFalse {
		t.Fatalf("after three failed probes Reachable is %+v, want False", c)
	}
	expectEvent(t, mgmt, "default", frozenName, "ClusterUnreachable", "after 3 failed probes")
	// The capacity there turns ClusterUnreachable and the gate freezes.
	for _, rel := range []string{first.Name, second.Name} {
		tt := &convoyv1alpha1.TrafficTarget{}
		eventually(t, time.Minute, func() error {
			if err := mgmt.Get(ctx, client.ObjectKey{Namespace: ns, Name: rel}, tt); err != nil {
				return err
			}
			for _, c := range tt.Status.Clusters {
				if ready := meta.FindStatusCondition(c.Conditions, convoyv1alpha1.ConditionReady); c.Name == frozenName && ready != nil && ready.Reason == traffic.ReasonWeightFrozen {
					return nil
				}
			}
			return fmt.Errorf("traffic target %s: cluster %s not frozen yet: %+v", rel, frozenName, tt.Status.Clusters)
		})
	}
	unchanged("once unreachable")
	owners := addresses(t, env, ns, physical, first.Name, second.Name)
	if counts := newResolver(t, hostname).shares(300, owners); counts[first.Name+"/"+physical[0]] == 0 {
		t.Errorf("the unreachable cluster's endpoint is no longer answered: %v", counts)
	}

	// The contender's traffic lowered to 0 (the move a retreat or an abort
	// writes) leaves the frozen cluster too; the incumbent's share there
	// stays at 450 rather than rising to 500, and its live cluster takes
	// the rest. The step executor writes nothing meanwhile: the
	// contender's capacity is not achieved in the unreachable cluster.
	tt := &convoyv1alpha1.TrafficTarget{}
	if err := mgmt.Get(ctx, client.ObjectKey{Namespace: ns, Name: second.Name}, tt); err != nil {
		t.Fatal(err)
	}
	lowered := tt.DeepCopy()
	for i := range lowered.Spec.Clusters {
		lowered.Spec.Clusters[i].Weight = 0
	}
	if err := mgmt.Patch(ctx, lowered, client.MergeFrom(tt)); err != nil {
		t.Fatal(err)
	}
	want = map[string]int32{first.Name + "/" + frozenName: 450, first.Name + "/" + liveName: 550}
	eventually(t, time.Minute, func() error {
		if w := recordWeights(t, mgmt, ns, hostname); !maps.Equal(w, want) {
			return fmt.Errorf("after lowering the contender: weights %v, want %v", w, want)
		}
		return nil
	})

	// Back: the step executor restores step 1 and the weights follow it.
	proxy.setFrozen(false)
	eventually(t, 2*time.Minute, func() error {
		if w := recordWeights(t, mgmt, ns, hostname); !maps.Equal(w, published) {
			return fmt.Errorf("cluster back: weights %v, want %v", w, published)
		}
		return nil
	})
}

// clusterURL is the API server URL convoy has for a Cluster.
func clusterURL(t testing.TB, c client.Client, name string) string {
	t.Helper()
	cl := &convoyv1alpha1.Cluster{}
	if err := c.Get(ctxFor(t), client.ObjectKey{Name: name}, cl); err != nil {
		t.Fatal(err)
	}
	return cl.Spec.APIServerURL
}
