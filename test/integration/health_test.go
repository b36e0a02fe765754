package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// trafficWeights reads a release's TrafficTarget weights per cluster.
func trafficWeights(t testing.TB, c client.Client, ns, release string) map[string]int32 {
	t.Helper()
	tt := &convoyv1alpha1.TrafficTarget{}
	if err := c.Get(ctxFor(t), client.ObjectKey{Namespace: ns, Name: release}, tt); err != nil {
		t.Fatal(err)
	}
	weights := map[string]int32{}
	for _, cl := range tt.Spec.Clusters {
		weights[cl.Name] = cl.Weight
	}
	return weights
}

// expectReplicas checks the release's Deployment spec in every cluster.
func expectReplicas(t testing.TB, env *testenv.Env, clusters []string, ns, release string, want int32) {
	t.Helper()
	for _, cluster := range clusters {
		if spec, _ := replicasIn(t, env, cluster, ns, release); spec != want {
			t.Errorf("cluster %s: release %s has %d replicas, want %d", cluster, release, spec, want)
		}
	}
}

// A contender whose pods never become ready never achieves its step: no
// traffic moves to it, the incumbent keeps its full capacity even when the
// step asks for less, and the Release says which clusters and why.
func TestUnhealthyContenderNeverGetsTraffic(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := helloApplication(ns, "sick", repo.URL, "", map[string]any{"replicas": 2})
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{Steps: threeSteps()}
	first, clusters := completeFirstRelease(t, mgmt, app)
	// No node carries this label: the contender's pods stay unschedulable.
	setValues(t, mgmt, app, `{"replicas":2,"nodeSelector":{"convoy.dev/nowhere":"true"}}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	eventually(t, 2*time.Minute, func() error {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), &second); err != nil {
			return err
		}
		ready := meta.FindStatusCondition(second.Status.Conditions, convoyv1alpha1.ConditionReady)
		if ready == nil || second.Status.WaitingFor != convoyv1alpha1.WaitingForCapacity || !strings.Contains(ready.Message, "Unschedulable") {
			return fmt.Errorf("waiting for %q, Ready %+v; want waiting for Capacity naming Unschedulable pods", second.Status.WaitingFor, ready)
		}
		for _, cl := range clusters {
			if !strings.Contains(ready.Message, cl+":") {
				return fmt.Errorf("Ready message %q does not name cluster %s", ready.Message, cl)
			}
		}
		return nil
	})
	if second.Status.AchievedStep != nil {
		t.Errorf("an unhealthy contender achieved step %+v", second.Status.AchievedStep)
	}

	// Advancing anyway moves nothing unsafe: the contender's capacity never
	// comes, so traffic never moves and the incumbent keeps everything.
	setTargetStep(t, mgmt, &second, 1)
	eventually(t, time.Minute, func() error {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), &second); err != nil {
			return err
		}
		ready := meta.FindStatusCondition(second.Status.Conditions, convoyv1alpha1.ConditionReady)
		if second.Status.ObservedGeneration != second.Generation || ready == nil || !strings.HasPrefix(ready.Message, "step 1 (half): waiting for the contender's capacity") {
			return fmt.Errorf("the release has not taken up step 1 yet: %+v", ready)
		}
		return nil
	})
	for cl, w := range trafficWeights(t, mgmt, ns, second.Name) {
		if w != 0 {
			t.Errorf("cluster %s: the unhealthy contender got traffic weight %d", cl, w)
		}
	}
	expectReplicas(t, env, clusters, ns, first.Name, 2)
	setTargetStep(t, mgmt, &second, 0)
	expectReplicas(t, env, clusters, ns, first.Name, 2)
	eventually(t, time.Minute, func() error {
		for _, cl := range clusters {
			if spec, _ := replicasIn(t, env, cl, ns, second.Name); spec != 1 {
				return fmt.Errorf("cluster %s: contender at %d replicas after the retreat, want 1 (25%% of 2)", cl, spec)
			}
		}
		return nil
	})
}

// The incumbent's Deployment deleted by hand comes back at its capacity;
// one scaled by hand is scaled back.
func TestCapacityIsRestored(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := helloApplication(ns, "steady", repo.URL, "", map[string]any{"replicas": 3})
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, app, 1)[0]
	clusters := waitInstalled(t, mgmt, ns, rel.Name)
	waitComplete(t, mgmt, &rel)
	c := env.ClusterClient(t, clusters[0])
	deps := &appsv1.DeploymentList{}
	if err := c.List(ctx, deps, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: rel.Name}); err != nil || len(deps.Items) != 1 {
		t.Fatalf("deployments %v (%v)", deps.Items, err)
	}
	dep := &deps.Items[0]

	scaled := dep.DeepCopy()
	five := int32(5)
	scaled.Spec.Replicas = &five
	if err := c.Patch(ctx, scaled, client.MergeFrom(dep), client.FieldOwner("someone")); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() error {
		if spec, available := replicasIn(t, env, clusters[0], ns, rel.Name); spec != 3 || available != 3 {
			return fmt.Errorf("hand-scaled Deployment at %d replicas (%d available), want 3", spec, available)
		}
		return nil
	})

	if err := c.Delete(ctx, scaled); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() error {
		got := &appsv1.Deployment{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(dep), got); err != nil {
			return err
		}
		if got.UID == dep.UID || got.Status.AvailableReplicas != 3 {
			return fmt.Errorf("deleted Deployment: uid %s (was %s), %d available, want a new one with 3", got.UID, dep.UID, got.Status.AvailableReplicas)
		}
		return nil
	})
}
