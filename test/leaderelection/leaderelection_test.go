// Package leaderelection runs two convoy managers with leader election
// against one management cluster: one reconciles while the other stands
// by, and when the leader dies in the middle of a step the standby takes
// over and finishes it, with no step lost or repeated. It also runs two
// shards of such pairs (sharding_test.go): each application is reconciled
// by its own shard only, and a shard's standby takes over that shard's
// applications alone. Its managers see testenv.IsolatedNamespace only,
// which the integration suite's manager does not see, so both packages can
// run at once.
package leaderelection

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/pkg/render/kustomize"
	"github.com/convoy-rollouts/convoy/pkg/shard"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

const (
	ns            = testenv.IsolatedNamespace
	leaseDuration = 4 * time.Second
)

// replica is one manager process stand-in.
type replica struct {
	name string
	mgr  ctrl.Manager
	stop context.CancelFunc
	done chan struct{}
}

func startReplica(t *testing.T, env *testenv.Env, name string) *replica {
	t.Helper()
	return startShardReplica(t, env, name, "convoy-leader-election-test", shard.Shard{})
}

// startShardReplica starts a replica of s, electing its leader on
// s.LeaseName(leaseID) as convoy-manager does. It writes as user agent
// name, which the API server records as the field manager of its writes.
func startShardReplica(t *testing.T, env *testenv.Env, name, leaseID string, s shard.Shard) *replica {
	t.Helper()
	opts := testenv.ManagerOptions()
	opts.Cache.DefaultFieldSelector = nil
	opts.Cache.DefaultNamespaces = map[string]cache.Config{ns: {}, "convoy-system": {}}
	opts.LeaderElection = true
	opts.LeaderElectionID = s.LeaseName(leaseID)
	opts.LeaderElectionNamespace = ns
	lease, renew, retry := leaseDuration, 3*time.Second, 500*time.Millisecond
	opts.LeaseDuration, opts.RenewDeadline, opts.RetryPeriod = &lease, &renew, &retry
	// A crash: the lease is not handed over, the standby waits it out.
	opts.LeaderElectionReleaseOnCancel = false
	cfg := rest.CopyConfig(env.ManagementConfig(t))
	cfg.UserAgent = name
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	renderer, err := manager.Renderer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := manager.Setup(mgr, manager.Options{Renderer: renderer, Distinguish: kustomize.Distinguish, GlobalBlockNamespace: "convoy-system",
		AllowLocalSources: true, Disabled: map[string]bool{"cluster": true}, Shard: s}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{name: name, mgr: mgr, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		if err := mgr.Start(ctx); err != nil {
			t.Logf("replica %s stopped: %v", name, err)
		}
	}()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

func elected(r *replica) bool {
	select {
	case <-r.mgr.Elected():
		return true
	default:
		return false
	}
}

// setup gives a test the isolated namespace, fresh and granted, a client
// of the management cluster, a context bounding the test, and a chart
// repository serving the hello chart.
func setup(t *testing.T) (*testenv.Env, client.Client, context.Context, *chartrepo.Server) {
	t.Helper()
	env := testenv.Get(t)
	c := env.ManagementClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	freshNamespace(t, c)
	env.Grant(t, ns)
	t.Cleanup(func() { _ = c.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}) })
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: "../../examples/charts/hello"}}})
	return env, c, ctx, repo
}

func TestStandbyTakesOverMidStep(t *testing.T) {
	env, c, ctx, repo := setup(t)

	a, b := startReplica(t, env, "a"), startReplica(t, env, "b")
	// Before the replicas stop (cleanups run last first): the application
	// goes while a manager still runs its installations' finalizers, so
	// the namespace can go too.
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
	var leader, standby *replica
	eventually(t, time.Minute, func() error {
		switch {
		case elected(a) && elected(b):
			t.Fatal("both replicas lead")
		case elected(a):
			leader, standby = a, b
		case elected(b):
			leader, standby = b, a
		default:
			return fmt.Errorf("no replica leads yet")
		}
		return nil
	})
	t.Logf("replica %s leads, %s stands by", leader.name, standby.name)

	app := &convoyv1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: convoyv1alpha1.ApplicationSpec{Template: convoyv1alpha1.ReleaseEnvironment{
			Source:              convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: repo.URL, Name: "hello"}},
			Values:              values(map[string]any{"replicas": 2}),
			ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: []convoyv1alpha1.RegionRequirement{{Name: "eu-west"}}},
			Strategy: convoyv1alpha1.Strategy{Steps: []convoyv1alpha1.StrategyStep{
				{Name: "staging", Capacity: convoyv1alpha1.CapacitySplit{Contender: 50, Incumbent: 100}, Traffic: convoyv1alpha1.TrafficSplit{Incumbent: 100}},
				{Name: "full on", Capacity: convoyv1alpha1.CapacitySplit{Contender: 100}, Traffic: convoyv1alpha1.TrafficSplit{Contender: 100}},
			}},
		}},
	}
	if err := c.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	first := waitRelease(t, c, app, 1)
	waitStep(t, c, first, 1)

	// A second release: the leader dies as soon as step 0 is under way.
	if err := c.Get(ctx, client.ObjectKeyFromObject(app), app); err != nil {
		t.Fatal(err)
	}
	before := app.DeepCopy()
	app.Spec.Template.Values = values(map[string]any{"replicas": 2, "greeting": "v2"})
	if err := c.Patch(ctx, app, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	second := waitRelease(t, c, app, 2)
	eventually(t, time.Minute, func() error {
		if err := c.Get(ctx, client.ObjectKeyFromObject(second), second); err != nil {
			return err
		}
		if second.Status.WaitingFor == "" {
			return fmt.Errorf("release %s not under way yet", second.Name)
		}
		return nil
	})
	if elected(standby) {
		t.Fatal("the standby leads while the leader lives")
	}
	killed := time.Now()
	leader.stop()
	<-leader.done
	eventually(t, time.Minute, func() error {
		if !elected(standby) {
			return fmt.Errorf("replica %s has not taken over", standby.name)
		}
		return nil
	})
	t.Logf("replica %s took over %s after the leader died (lease %s)", standby.name, time.Since(killed).Round(100*time.Millisecond), leaseDuration)
	waitStep(t, c, second, 0)

	patched := second.DeepCopy()
	patched.Spec.TargetStep = 1
	if err := c.Patch(ctx, patched, client.MergeFrom(second)); err != nil {
		t.Fatal(err)
	}
	waitStep(t, c, second, 1)

	// Exactly one Release per template, and every step achieved exactly once.
	rels := &convoyv1alpha1.ReleaseList{}
	if err := c.List(ctx, rels, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if len(rels.Items) != 2 {
		t.Errorf("%d releases, want 2", len(rels.Items))
	}
	eventually(t, 30*time.Second, func() error {
		events := &corev1.EventList{}
		if err := c.List(ctx, events, client.InNamespace(ns)); err != nil {
			return err
		}
		achieved := map[string]int32{}
		for _, e := range events.Items {
			if e.InvolvedObject.Name == second.Name && e.Reason == "StepAchieved" {
				achieved[e.Message] += max(e.Count, 1)
			}
		}
		if len(achieved) != 2 {
			return fmt.Errorf("StepAchieved events of %s: %v, want steps 0 and 1 once each", second.Name, achieved)
		}
		for msg, n := range achieved {
			if n != 1 {
				t.Errorf("%q told %d times", msg, n)
			}
		}
		return nil
	})
}

// freshNamespace creates the isolated namespace, first waiting out one a
// run that ended badly left terminating, whose installations' finalizers
// no manager is left to run.
func freshNamespace(t *testing.T, c client.Client) {
	t.Helper()
	ctx := context.Background()
	eventually(t, 2*time.Minute, func() error {
		err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		if err == nil {
			return nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return err
		}
		existing := &corev1.Namespace{}
		if err := c.Get(ctx, client.ObjectKey{Name: ns}, existing); err != nil || existing.DeletionTimestamp.IsZero() {
			return err // there and not going: use it
		}
		its := &convoyv1alpha1.InstallationTargetList{}
		if err := c.List(ctx, its, client.InNamespace(ns)); err == nil {
			for i := range its.Items {
				it := &its.Items[i]
				patched := it.DeepCopy()
				patched.Finalizers = nil
				_ = c.Patch(ctx, patched, client.MergeFrom(it))
			}
		}
		return fmt.Errorf("namespace %s is still terminating", ns)
	})
}

func values(v map[string]any) *apiextensionsv1.JSON {
	raw, _ := json.Marshal(v)
	return &apiextensionsv1.JSON{Raw: raw}
}

// waitRelease waits for the application's n-th release.
func waitRelease(t *testing.T, c client.Client, app *convoyv1alpha1.Application, n int) *convoyv1alpha1.Release {
	t.Helper()
	rel := &convoyv1alpha1.Release{}
	eventually(t, time.Minute, func() error {
		got := &convoyv1alpha1.Application{}
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(app), got); err != nil {
			return err
		}
		if len(got.Status.History) < n {
			return fmt.Errorf("history %v, want %d releases", got.Status.History, n)
		}
		return c.Get(context.Background(), client.ObjectKey{Namespace: app.Namespace, Name: got.Status.History[n-1]}, rel)
	})
	return rel
}

// waitStep waits until the release has achieved step and rests there.
func waitStep(t *testing.T, c client.Client, rel *convoyv1alpha1.Release, step int32) {
	t.Helper()
	eventually(t, 2*time.Minute, func() error {
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(rel), rel); err != nil {
			return err
		}
		a := rel.Status.AchievedStep
		settled := rel.Status.WaitingFor == "" || rel.Status.WaitingFor == convoyv1alpha1.WaitingForCommand
		if a == nil || a.Step != step || !settled || rel.Status.ObservedGeneration != rel.Generation {
			return fmt.Errorf("release %s achieved %+v, waiting for %q; want step %d", rel.Name, a, rel.Status.WaitingFor, step)
		}
		return nil
	})
}

var eventually = testenv.Eventually
