package shard

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// TestAssignIsStable pins the hash: managers of two convoy versions must
// assign every application alike, so these values must never change.
func TestAssignIsStable(t *testing.T) {
	for _, tc := range []struct {
		namespace, app string
		shards, want   int
	}{
		// FNV-1a 64 of "default/web" is 0x9d2ba50824d634bb.
		{"default", "web", 2, 1},
		{"default", "web", 3, 1},
		{"default", "web", 10, 7},
		// 0x454e6112501e0e27
		{"team-a", "checkout", 2, 1},
		{"team-a", "checkout", 3, 2},
		{"team-a", "checkout", 10, 5},
		// 0xe1173150e513dd9c
		{"prod", "api-gateway", 2, 0},
		{"prod", "api-gateway", 3, 0},
		{"prod", "api-gateway", 10, 2},
		{"prod", "api-gateway", 1, 0},
		{"prod", "api-gateway", 0, 0},
	} {
		if got := Assign(tc.namespace, tc.app, tc.shards); got != tc.want {
			t.Errorf("Assign(%q, %q, %d) = %d, want %d", tc.namespace, tc.app, tc.shards, got, tc.want)
		}
	}
}

// TestAssignKeysNamespaceAndName: the same name in two namespaces is two
// applications, and "a/b-c" is not "a-b/c".
func TestAssignKeysNamespaceAndName(t *testing.T) {
	differ := 0
	for i := range 64 {
		if Assign(fmt.Sprintf("ns-%d", i), "web", 1<<20) != Assign("other", "web", 1<<20) {
			differ++
		}
	}
	if differ == 0 {
		t.Error("the namespace does not change the assignment")
	}
}

// TestAssignSpreads: 4,000 applications over 4 shards, none far from a
// quarter.
func TestAssignSpreads(t *testing.T) {
	counts := make([]int, 4)
	for i := range 4000 {
		counts[Assign("team", fmt.Sprintf("app-%d", i), 4)]++
	}
	for i, n := range counts {
		if n < 800 || n > 1200 {
			t.Errorf("shard %d has %d of 4000 applications: %v", i, n, counts)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		s    Shard
		want string
	}{
		{Shard{Index: 0, Count: 1}, ""},
		{Shard{Index: 2, Count: 3}, ""},
		{Shard{Index: 0, Count: 0}, "--shards: must be at least 1, got 0"},
		{Shard{Index: 3, Count: 3}, "--shard: must be between 0 and 2 (--shards 3, counting from 0), got 3"},
		{Shard{Index: -1, Count: 2}, "--shard: must be between 0 and 1"},
	} {
		err := tc.s.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v.Validate() = %v, want %q", tc.s, err, tc.want)
		}
	}
}

func TestLeaseName(t *testing.T) {
	if got := (Shard{Count: 1}).LeaseName("convoy-manager.convoy.dev"); got != "convoy-manager.convoy.dev" {
		t.Errorf("one shard: %q, want the unsharded Lease unchanged", got)
	}
	if got := (Shard{Index: 1, Count: 2}).LeaseName("convoy-manager.convoy.dev"); got != "convoy-manager.convoy.dev-shard-1" {
		t.Errorf("shard 1 of 2: %q", got)
	}
}

func labelled(obj client.Object, app string) client.Object {
	obj.SetNamespace("team")
	obj.SetName(app + "-abc")
	obj.SetLabels(map[string]string{convoyv1alpha1.LabelApplication: app})
	return obj
}

// names returns two application names of team, one in each of 2 shards.
func names(t *testing.T) (zero, one string) {
	t.Helper()
	for i := 0; zero == "" || one == ""; i++ {
		name := fmt.Sprintf("app-%d", i)
		if Assign("team", name, 2) == 0 {
			zero = name
		} else {
			one = name
		}
	}
	return zero, one
}

func TestReconciles(t *testing.T) {
	zero, one := names(t)
	s0, s1 := Shard{Index: 0, Count: 2}, Shard{Index: 1, Count: 2}
	app := &convoyv1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: one}}
	release := labelled(&convoyv1alpha1.Release{}, zero)
	target := labelled(&convoyv1alpha1.CapacityTarget{}, one)
	cluster := &convoyv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "eu-west-1"}}
	for _, tc := range []struct {
		obj    client.Object
		s0, s1 bool
	}{
		{app, false, true},
		{release, true, false},
		{target, false, true},
		{cluster, true, false}, // names no application: shard 0's
	} {
		if got := s0.Reconciles(tc.obj); got != tc.s0 {
			t.Errorf("shard 0 reconciles %T %s: %v, want %v", tc.obj, tc.obj.GetName(), got, tc.s0)
		}
		if got := s1.Reconciles(tc.obj); got != tc.s1 {
			t.Errorf("shard 1 reconciles %T %s: %v, want %v", tc.obj, tc.obj.GetName(), got, tc.s1)
		}
		if !(Shard{Count: 1}).Reconciles(tc.obj) {
			t.Errorf("one shard does not reconcile %T %s", tc.obj, tc.obj.GetName())
		}
	}
}

// fakeManager is just enough of a manager for Reconciler: a client.
type fakeManager struct {
	ctrl.Manager
	client client.Client
}

func (m fakeManager) GetClient() client.Client { return m.client }

// recorder records the requests that reach it.
type recorder struct{ got []string }

func (r *recorder) Reconcile(_ context.Context, req reconcile.Request) (reconcile.Result, error) {
	r.got = append(r.got, req.String())
	return reconcile.Result{}, nil
}

func TestReconciler(t *testing.T) {
	zero, one := names(t)
	scheme := runtime.NewScheme()
	if err := convoyv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		labelled(&convoyv1alpha1.Release{}, zero), labelled(&convoyv1alpha1.Release{}, one)).Build()
	mgr := WithManager(fakeManager{client: c}, Shard{Index: 1, Count: 2})
	ctx := context.Background()
	req := func(name string) reconcile.Request {
		return reconcile.Request{NamespacedName: client.ObjectKey{Namespace: "team", Name: name}}
	}

	apps := &recorder{}
	byApp := Reconciler(mgr, &convoyv1alpha1.Application{}, apps)
	releases := &recorder{}
	byRelease := Reconciler(mgr, &convoyv1alpha1.Release{}, releases)
	for _, name := range []string{zero, one} {
		if _, err := byApp.Reconcile(ctx, req(name)); err != nil {
			t.Fatal(err)
		}
		if _, err := byRelease.Reconcile(ctx, req(name+"-abc")); err != nil {
			t.Fatal(err)
		}
	}
	// Gone from the cache: nothing to do, in no shard.
	if _, err := byRelease.Reconcile(ctx, req("gone")); err != nil {
		t.Fatal(err)
	}
	if want := []string{"team/" + one}; fmt.Sprint(apps.got) != fmt.Sprint(want) {
		t.Errorf("shard 1 reconciled applications %v, want %v", apps.got, want)
	}
	if want := []string{"team/" + one + "-abc"}; fmt.Sprint(releases.got) != fmt.Sprint(want) {
		t.Errorf("shard 1 reconciled releases %v, want %v", releases.got, want)
	}

	// Unsharded managers get the reconciler itself.
	plain := &recorder{}
	if got := Reconciler(fakeManager{client: c}, &convoyv1alpha1.Release{}, plain); got != reconcile.Reconciler(plain) {
		t.Errorf("an unsharded manager's reconciler is wrapped: %T", got)
	}
	if got := Of(fakeManager{client: c}); got.Sharded() {
		t.Errorf("a manager given no shard runs %+v", got)
	}
}
