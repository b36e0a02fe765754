package leaderelection

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/shard"
)

const (
	shards = 2
	// appsPerShard applications are created in each shard.
	appsPerShard = 2
	// writerPrefix starts the user agent, and so the field manager, of
	// every sharded replica: writerPrefix<shard>-<a|b>.
	writerPrefix = "convoy-shard-"
)

// TestShardsDivideApplications runs two shards, each a leader-elected pair
// of managers, and applications the hash assigns to each. Every object of
// an application is written by its own shard's managers only, which the
// API server records as the field managers (each replica writes under its
// own user agent). Then shard 0's leader dies mid-rollout: its standby
// takes over and finishes shard 0's rollouts, while shard 1's leader,
// never disturbed, finishes its own.
func TestShardsDivideApplications(t *testing.T) {
	env, c, ctx, repo := setup(t)

	pairs := make([][2]*replica, shards)
	for i := range shards {
		s := shard.Shard{Index: i, Count: shards}
		for j, side := range []string{"a", "b"} {
			pairs[i][j] = startShardReplica(t, env, fmt.Sprintf("%s%d-%s", writerPrefix, i, side), "convoy-sharding-test", s)
		}
	}
	t.Cleanup(func() {
		_ = c.DeleteAllOf(context.Background(), &convoyv1alpha1.Application{}, client.InNamespace(ns))
		eventually(t, time.Minute, func() error {
			its := &convoyv1alpha1.InstallationTargetList{}
			if err := c.List(context.Background(), its, client.InNamespace(ns)); err != nil || len(its.Items) > 0 {
				return fmt.Errorf("%d installation targets left (%v)", len(its.Items), err)
			}
			return nil
		})
	})
	leaders, standbys := make([]*replica, shards), make([]*replica, shards)
	eventually(t, time.Minute, func() error {
		for i, pair := range pairs {
			a, b := pair[0], pair[1]
			switch {
			case elected(a) && elected(b):
				t.Fatalf("both replicas of shard %d lead", i)
			case elected(a):
				leaders[i], standbys[i] = a, b
			case elected(b):
				leaders[i], standbys[i] = b, a
			default:
				return fmt.Errorf("no replica of shard %d leads yet", i)
			}
		}
		return nil
	})
	for i := range shards {
		t.Logf("shard %d: %s leads, %s stands by", i, leaders[i].name, standbys[i].name)
	}

	// Applications chosen by the hash, appsPerShard in each shard.
	shardOf := map[string]int{}
	var apps []*convoyv1alpha1.Application
	for n := 0; len(apps) < shards*appsPerShard; n++ {
		name := fmt.Sprintf("web-%d", n)
		i := shard.Assign(ns, name, shards)
		if count(shardOf, i) == appsPerShard {
			continue
		}
		shardOf[name] = i
		apps = append(apps, shardedApp(name, repo.URL))
	}
	for _, app := range apps {
		if err := c.Create(ctx, app); err != nil {
			t.Fatal(err)
		}
	}
	for _, app := range apps {
		waitStep(t, c, waitRelease(t, c, app, 1), 1)
	}
	writers := writersByApplication(t, c)
	for _, app := range apps {
		checkWriters(t, app.Name, writers[app.Name], shardOf[app.Name])
	}

	// Second releases, each stopped at step 0 for a command; then shard 0's
	// leader dies.
	second := map[string]*convoyv1alpha1.Release{}
	for _, app := range apps {
		if err := c.Get(ctx, client.ObjectKeyFromObject(app), app); err != nil {
			t.Fatal(err)
		}
		before := app.DeepCopy()
		app.Spec.Template.Values = values(map[string]any{"replicas": 1, "greeting": "v2"})
		if err := c.Patch(ctx, app, client.MergeFrom(before)); err != nil {
			t.Fatal(err)
		}
	}
	for _, app := range apps {
		second[app.Name] = waitRelease(t, c, app, 2)
		waitStep(t, c, second[app.Name], 0)
	}
	killed := time.Now()
	leaders[0].stop()
	<-leaders[0].done
	eventually(t, time.Minute, func() error {
		if !elected(standbys[0]) {
			return fmt.Errorf("replica %s has not taken over shard 0", standbys[0].name)
		}
		return nil
	})
	t.Logf("replica %s took over shard 0 after its leader died (lease %s) in %s", standbys[0].name, leaseDuration, time.Since(killed).Round(100*time.Millisecond))

	// Every application's rollout goes on to its last step.
	for _, app := range apps {
		rel := second[app.Name]
		patched := rel.DeepCopy()
		patched.Spec.TargetStep = 1
		if err := c.Patch(ctx, patched, client.MergeFrom(rel)); err != nil {
			t.Fatal(err)
		}
	}
	for _, app := range apps {
		waitStep(t, c, second[app.Name], 1)
	}
	if !elected(leaders[1]) || elected(standbys[1]) {
		t.Errorf("shard 1's leadership moved: %s elected %v, %s elected %v", leaders[1].name, elected(leaders[1]), standbys[1].name, elected(standbys[1]))
	}

	writers = writersByApplication(t, c)
	for _, app := range apps {
		i := shardOf[app.Name]
		checkWriters(t, app.Name, writers[app.Name], i)
		// After the failover shard 0's standby moved shard 0's rollouts on
		// and shard 1's standby never wrote.
		took := slices.Contains(writers[app.Name], standbys[i].name)
		if i == 0 && !took {
			t.Errorf("application %s (shard 0): written by %v after the failover, not by the standby %s", app.Name, writers[app.Name], standbys[0].name)
		}
		if i == 1 && took {
			t.Errorf("application %s (shard 1): written by shard 1's standby %s, which never led", app.Name, standbys[1].name)
		}
	}
}

// count is how many applications shardOf assigns to shard i.
func count(shardOf map[string]int, i int) int {
	n := 0
	for _, s := range shardOf {
		if s == i {
			n++
		}
	}
	return n
}

// shardedApp is a one-replica application in the eu-west region whose
// second release stops at step 0 for a command.
func shardedApp(name, repoURL string) *convoyv1alpha1.Application {
	return &convoyv1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: convoyv1alpha1.ApplicationSpec{Template: convoyv1alpha1.ReleaseEnvironment{
			Source:              convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: repoURL, Name: "hello"}},
			Values:              values(map[string]any{"replicas": 1}),
			ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: []convoyv1alpha1.RegionRequirement{{Name: "eu-west"}}},
			Strategy: convoyv1alpha1.Strategy{Steps: []convoyv1alpha1.StrategyStep{
				{Name: "canary", Capacity: convoyv1alpha1.CapacitySplit{Contender: 100, Incumbent: 100}, Traffic: convoyv1alpha1.TrafficSplit{Incumbent: 100}},
				{Name: "full on", Capacity: convoyv1alpha1.CapacitySplit{Contender: 100}, Traffic: convoyv1alpha1.TrafficSplit{Contender: 100}},
			}},
		}},
	}
}

// writersByApplication lists, per application, the sharded replicas that
// wrote the Application or any object it owns in the management cluster:
// the field managers the API server recorded, named after the replicas'
// user agents.
func writersByApplication(t *testing.T, c client.Client) map[string][]string {
	t.Helper()
	ctx := context.Background()
	lists := []client.ObjectList{
		&convoyv1alpha1.ApplicationList{}, &convoyv1alpha1.ReleaseList{}, &convoyv1alpha1.InstallationTargetList{},
		&convoyv1alpha1.CapacityTargetList{}, &convoyv1alpha1.TrafficTargetList{},
	}
	writers := map[string][]string{}
	for _, list := range lists {
		if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range items {
			obj := item.(client.Object)
			app, ok := shard.ApplicationOf(obj)
			if !ok {
				t.Fatalf("%T %s names no application", obj, obj.GetName())
			}
			for _, mf := range obj.GetManagedFields() {
				if strings.HasPrefix(mf.Manager, writerPrefix) && !slices.Contains(writers[app.Name], mf.Manager) {
					writers[app.Name] = append(writers[app.Name], mf.Manager)
				}
			}
		}
	}
	return writers
}

// checkWriters fails unless some replica wrote the application's objects
// and every one that did is of shard want.
func checkWriters(t *testing.T, app string, writers []string, want int) {
	t.Helper()
	if len(writers) == 0 {
		t.Errorf("application %s (shard %d): no sharded replica wrote any of its objects", app, want)
	}
	for _, w := range writers {
		if !strings.HasPrefix(w, fmt.Sprintf("%s%d-", writerPrefix, want)) {
			t.Errorf("application %s (shard %d) written by %s: every writer %v", app, want, w, writers)
		}
	}
}
