package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// setWeight sets a Cluster's scheduling weight for the test's life.
func setWeight(t testing.TB, c client.Client, name string, weight int32) {
	t.Helper()
	cl := &convoyv1alpha1.Cluster{}
	if err := c.Get(ctxFor(t), client.ObjectKey{Name: name}, cl); err != nil {
		t.Fatal(err)
	}
	before := cl.DeepCopy()
	old := cl.Spec.Scheduling.Weight
	cl.Spec.Scheduling.Weight = &weight
	if err := c.Patch(ctxFor(t), cl, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Get(ctxFor(t), client.ObjectKey{Name: name}, cl); err == nil {
			now := cl.DeepCopy()
			cl.Spec.Scheduling.Weight = old
			_ = c.Patch(ctxFor(t), cl, client.MergeFrom(now))
		}
	})
}

// A total of 8 replicas spread by cluster weight 200:100:100 runs 4, 2 and
// 2 pods, and DNS answers follow the capacity: the cluster with twice the
// pods gets twice the answers. A step at 50% halves each cluster's share.
func TestSpreadByClusterWeight(t *testing.T) {
	env, _, mgmt, ns := begin(t)
	heavy := env.Clusters[0].Name
	setWeight(t, mgmt, heavy, 200)
	repo := helloRepo(t)
	app := dnsApplication(ns, "spread", repo.URL)
	app.Spec.Template.ClusterRequirements.Spread = &convoyv1alpha1.ReplicaSpread{TotalReplicas: 8}
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{Steps: []convoyv1alpha1.StrategyStep{step("half", 50, 100, 50, 50), step("full on", 100, 0, 100, 0)}}
	first, clusters := completeFirstRelease(t, mgmt, app)
	want := map[string]int32{}
	for _, cl := range clusters {
		want[cl] = 2
		if cl == heavy {
			want[cl] = 4
		}
	}
	var pods []string
	for _, cl := range clusters {
		eventually(t, time.Minute, func() error {
			spec, available := replicasIn(t, env, cl, ns, first.Name)
			if spec != want[cl] || available != want[cl] {
				return fmt.Errorf("cluster %s runs %d replicas (%d available), want %d", cl, spec, available, want[cl])
			}
			return nil
		})
		pods = append(pods, fmt.Sprintf("%s %d", cl, want[cl]))
	}
	r := newResolver(t, app.Spec.Template.Traffic.DNS.Hostname)
	owners := addresses(t, env, ns, clusters, first.Name)
	const n = 3000
	counts := r.shares(n, owners)
	var shares []string
	for _, cl := range clusters {
		share := float64(counts[first.Name+"/"+cl]) / n
		exact := float64(want[cl]) / 8
		shares = append(shares, fmt.Sprintf("%s %.1f%%", cl, 100*share))
		if share < exact-0.04 || share > exact+0.04 {
			t.Errorf("cluster %s answers %.1f%%, want %.1f%% (its %d of 8 replicas)", cl, 100*share, 100*exact, want[cl])
		}
	}
	t.Logf("pods: %s; answers of %d: %s", strings.Join(pods, ", "), n, strings.Join(shares, ", "))

	// A new release at 50%: each cluster runs half its share of it.
	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	halves := map[string]int32{}
	for cl, w := range want {
		halves[cl] = w / 2
	}
	waitAchieved(t, mgmt, &second, 0)
	for _, cl := range clusters {
		if spec, _ := replicasIn(t, env, cl, ns, second.Name); spec != halves[cl] {
			t.Errorf("step half: cluster %s runs %d replicas of %s, want %d", cl, spec, second.Name, halves[cl])
		}
	}
}
