package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// cutOff stops a cluster's control plane (kube-apiserver, etcd and the
// rest): to convoy it is gone, as after a network partition. restore
// starts it again; the test restores it at the end whatever happens.
func (u *user) cutOff(cluster string) (restore func()) {
	u.t.Helper()
	if err := u.env.StopCluster(context.Background(), cluster); err != nil {
		u.t.Fatal(err)
	}
	restored := false
	restore = func() {
		if restored {
			return
		}
		restored = true
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := u.env.StartCluster(ctx, cluster); err != nil {
			u.t.Errorf("starting cluster %s again: %v", cluster, err)
		}
	}
	u.t.Cleanup(restore)
	return restore
}

// recordClusters are the clusters with a record in the hostname's set.
func (u *user) recordClusters(host string) map[string]int32 {
	u.t.Helper()
	rs := &convoyv1alpha1.DNSRecordSet{}
	if err := u.env.ManagementClient(u.t).Get(context.Background(), client.ObjectKey{Namespace: u.ns, Name: host}, rs); err != nil {
		u.t.Fatal(err)
	}
	weights := map[string]int32{}
	for _, rec := range rs.Spec.Records {
		weights[rec.Cluster] += rec.Weight
	}
	return weights
}

// A cluster cut off in the middle of a step: the step does not complete,
// and the control plane alone moves no traffic: once convoy counts the
// cluster as unreachable its weights are frozen, not zeroed (traffic
// leaves a cluster only on data-plane evidence, DNS health checks), and
// none is raised there; once it is back, the rollout resumes and the step
// completes.
func TestClusterUnreachableMidStep(t *testing.T) {
	u, m := given(t)
	app := webApplication(u, "cut", helloRepo(t).URL)
	host := app.Spec.Template.Traffic.DNS.Hostname
	completeFirstRelease(u, m, app)
	u.setValues("cut", `{"replicas":3,"greeting":"v2"}`)
	second := u.waitReleases("cut", 2)[1]
	u.expect(0, []string{"achieved step 1"}, "advance", "cut", "--to", "canary", "--wait", "--timeout", "3m")
	lost := u.env.Clusters[len(u.env.Clusters)-1].Name
	before := u.recordClusters(host)

	step(t, "When cluster %s's API server stops answering and the release is advanced", lost)
	restore := u.cutOff(lost)
	u.expect(0, []string{"target step 1 (2/3 canary) → 2 (3/3 full)"}, "advance", "cut", "--to", "full")

	step(t, "Then the step does not complete")
	u.expect(3, []string{"timed out after 40s"}, "wait", "cut", "--step", "full", "--timeout", "40s")
	step(t, "And %s keeps its DNS weight: frozen, never raised, and still answered", lost)
	if w := u.recordClusters(host); w[lost] == 0 || w[lost] > before[lost] {
		t.Fatalf("weights by cluster %v (before the cut %v): want %s's weight kept, neither zeroed nor raised", w, before, lost)
	}
	owners := u.shares(m, host)
	if owners.Total == 0 || owners.ByRelease["(unknown)"] != 0 {
		t.Fatalf("answers %v", owners.ByRelease)
	}
	subnet := u.subnetOf(lost)
	answered := 0
	for _, a := range u.answers(m, host, 300) {
		if subnet.Contains(netip.MustParseAddr(a)) {
			answered++
		}
	}
	if answered == 0 {
		t.Fatalf("DNS gave no answer in %s (%s): the control plane alone moved its traffic", lost, subnet)
	}

	step(t, "When %s answers again, Then the rollout resumes and the step completes", lost)
	restore()
	// A restarted local cluster's kwok can take minutes, on a loaded
	// machine, before it runs the pods scheduled meanwhile (a pod seen
	// Pending on a Ready node for 3 minutes): the wait allows for it.
	u.expect(0, []string{"release " + second + " achieved step 2"}, "wait", "cut", "--step", "full", "--timeout", "6m")
	if w := u.recordClusters(host); w[lost] == 0 {
		t.Errorf("cluster %s has no weight after it came back: %v", lost, w)
	}
}

// The manager killed in the middle of a step and started again: the step
// completes exactly once and no release is duplicated.
func TestManagerKilledMidStep(t *testing.T) {
	u, m := given(t)
	app := webApplication(u, "crash", helloRepo(t).URL)
	completeFirstRelease(u, m, app)
	u.setValues("crash", `{"replicas":3,"greeting":"v2"}`)
	second := u.waitReleases("crash", 2)[1]
	u.expect(0, []string{"achieved step 0"}, "wait", "crash", "--step", "0", "--timeout", "3m")

	step(t, "When the release is advanced and the manager is killed at once")
	u.expect(0, []string{"→ 1 (2/3 canary)"}, "advance", "crash")
	m.Kill()
	step(t, "And the manager starts again")
	m.Restart()

	step(t, "Then the step completes, once, and the rollout goes on")
	u.expect(0, []string{"release " + second + " achieved step 1"}, "wait", "crash", "--step", "canary", "--timeout", "3m")
	u.expect(0, []string{"achieved step 2"}, "advance", "crash", "--to", "last", "--wait", "--timeout", "3m")
	if rels := u.releases("crash"); len(rels) != 2 {
		t.Errorf("releases %v, want 2", rels)
	}
	eventually(t, 30*time.Second, func() error {
		told := u.events(second, "StepAchieved")
		if len(told) != 3 {
			return fmt.Errorf("StepAchieved events of %s: %v, want steps 0, 1 and 2", second, told)
		}
		for msg, n := range told {
			if n != 1 {
				return fmt.Errorf("%q told %d times", msg, n)
			}
		}
		return nil
	})
}
