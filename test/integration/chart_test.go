package integration

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

const helloChart = "../../examples/charts/hello"

func one(n int32) *int32 { return &n }

// helloRepo serves the hello chart, at the version in its Chart.yaml.
func helloRepo(t testing.TB) *chartrepo.Server {
	return chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: helloChart}}})
}

func helloApplication(ns, name, repoURL, version string, values map[string]any) *convoyv1alpha1.Application {
	app := &convoyv1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: convoyv1alpha1.ApplicationSpec{Template: convoyv1alpha1.ReleaseEnvironment{
			Source:              convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: repoURL, Name: "hello", Version: version}},
			ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: []convoyv1alpha1.RegionRequirement{{Name: "eu-west", Clusters: one(1)}, {Name: "us-east"}}},
			Strategy:            convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetVanguard},
		}},
	}
	if values != nil {
		raw, _ := json.Marshal(values)
		app.Spec.Template.Values = &apiextensionsv1.JSON{Raw: raw}
	}
	return app
}

// waitForReleases waits until the Application's history names n releases
// and returns them, oldest first.
func waitForReleases(t testing.TB, c client.Client, app *convoyv1alpha1.Application, n int) []convoyv1alpha1.Release {
	t.Helper()
	var rels []convoyv1alpha1.Release
	eventually(t, time.Minute, func() error {
		got := &convoyv1alpha1.Application{}
		if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(app), got); err != nil {
			return err
		}
		if len(got.Status.History) != n {
			return fmt.Errorf("history %v, want %d releases; conditions %+v", got.Status.History, n, got.Status.Conditions)
		}
		rels = nil
		for _, name := range got.Status.History {
			rel := convoyv1alpha1.Release{}
			if err := c.Get(ctxFor(t), client.ObjectKey{Namespace: app.Namespace, Name: name}, &rel); err != nil {
				return err
			}
			rels = append(rels, rel)
		}
		return nil
	})
	return rels
}

// waitInstalled waits until the release's InstallationTarget is Ready and
// returns its clusters.
func waitInstalled(t testing.TB, c client.Client, ns, release string) []string {
	t.Helper()
	it := &convoyv1alpha1.InstallationTarget{}
	eventually(t, 2*time.Minute, func() error {
		if err := c.Get(ctxFor(t), client.ObjectKey{Namespace: ns, Name: release}, it); err != nil {
			return err
		}
		ready := meta.FindStatusCondition(it.Status.Conditions, convoyv1alpha1.ConditionReady)
		if ready == nil || ready.Status != metav1.ConditionTrue || it.Status.ObservedGeneration != it.Generation {
			return fmt.Errorf("installation target %s not ready: %+v", release, it.Status.Conditions)
		}
		return nil
	})
	return it.Spec.Clusters
}

// releaseObjects lists the release's Deployments and Services in each
// application cluster.
func releaseObjects(t *testing.T, env *testenv.Env, ns, release string) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	sel := client.MatchingLabels{convoyv1alpha1.LabelRelease: release}
	for _, cl := range env.Clusters {
		c := env.ClusterClient(t, cl.Name)
		deps, svcs := &appsv1.DeploymentList{}, &corev1.ServiceList{}
		if err := c.List(ctxFor(t), deps, client.InNamespace(ns), sel); err != nil {
			t.Fatal(err)
		}
		if err := c.List(ctxFor(t), svcs, client.InNamespace(ns), sel); err != nil {
			t.Fatal(err)
		}
		for _, d := range deps.Items {
			found[cl.Name] = append(found[cl.Name], "Deployment/"+d.Name)
		}
		for _, s := range svcs.Items {
			found[cl.Name] = append(found[cl.Name], "Service/"+s.Name)
		}
	}
	return found
}

// An Application becomes a Release pinned to the newest matching chart
// version, placed on one eu-west and one us-east cluster, and its objects
// land there and nowhere else; spec.replicas of the Deployment belongs to
// the capacity controller alone.
func TestChartApplicationIsInstalledInItsClustersOnly(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: helloChart, Versions: []string{"0.1.0", "0.1.5", "0.2.0"}}}})

	app := helloApplication(ns, "hello", repo.URL, "~0.1", nil)
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, app, 1)[0]
	if got := rel.Spec.Environment.Source.Chart.Version; got != "0.1.5" {
		t.Errorf("release pinned chart version %q, want 0.1.5 (newest matching ~0.1)", got)
	}
	if !strings.HasPrefix(rel.Name, "hello-") || !strings.HasSuffix(rel.Name, "-1") {
		t.Errorf("release name %q, want hello-<hash>-1", rel.Name)
	}
	if len(rel.Spec.Environment.Strategy.Steps) != 3 {
		t.Errorf("release should carry the expanded vanguard steps, got %+v", rel.Spec.Environment.Strategy)
	}

	chosen := waitInstalled(t, mgmt, ns, rel.Name)
	regions := map[string]int{}
	for _, name := range chosen {
		regions[strings.TrimSuffix(name, name[strings.LastIndex(name, "-"):])]++
	}
	if regions["eu-west"] != 1 || regions["us-east"] != 1 || len(chosen) != 2 {
		t.Fatalf("scheduled on %v, want one eu-west and one us-east cluster", chosen)
	}
	objects := releaseObjects(t, env, ns, rel.Name)
	for _, cl := range env.Clusters {
		want := slices.Contains(chosen, cl.Name)
		if got := len(objects[cl.Name]) > 0; got != want {
			t.Errorf("cluster %s: objects %v, installed there = %v, want %v", cl.Name, objects[cl.Name], got, want)
		}
	}
	for _, name := range chosen {
		deps := &appsv1.DeploymentList{}
		if err := env.ClusterClient(t, name).List(ctx, deps, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: rel.Name}); err != nil {
			t.Fatal(err)
		}
		for _, d := range deps.Items {
			if owners := replicaOwners(&d); !slices.Equal(owners, []string{clusters.CapacityFieldManager}) {
				t.Errorf("cluster %s: spec.replicas of Deployment %s is owned by %v; only %s may own it, or installer and capacity fight",
					name, d.Name, owners, clusters.CapacityFieldManager)
			}
		}
	}

	// The Application's status names the release.
	got := &convoyv1alpha1.Application{}
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(app), got); err != nil {
		t.Fatal(err)
	}
	if got.Status.Contender != rel.Name || got.Status.ObservedGeneration != got.Generation {
		t.Errorf("status: contender %q observedGeneration %d, want %q and %d", got.Status.Contender, got.Status.ObservedGeneration, rel.Name, got.Generation)
	}
}

// A template change makes a second Release whose objects sit beside the
// first's, and neither release's Deployment or Service selects the other's
// pods. Deleting a Release removes its objects from every cluster.
func TestChartReleasesSitSideBySideAndGoAway(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)

	app := helloApplication(ns, "web", repo.URL, "", map[string]any{"greeting": "one"})
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	first := waitForReleases(t, mgmt, app, 1)[0]
	clusters := waitInstalled(t, mgmt, ns, first.Name)

	changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) {
		a.Spec.Template.Values = &apiextensionsv1.JSON{Raw: []byte(`{"greeting":"two"}`)}
	})
	rels := waitForReleases(t, mgmt, app, 2)
	second := rels[1]
	if second.Name == first.Name {
		t.Fatalf("the template change made no new release")
	}
	waitInstalled(t, mgmt, ns, second.Name)
	retired := first.DeepCopy()
	waitCondition(t, mgmt, retired, func() []metav1.Condition { return retired.Status.Conditions }, convoyv1alpha1.ConditionSuperseded, "NewerRelease", second.Name)

	for _, cl := range clusters {
		c := env.ClusterClient(t, cl)
		for _, pair := range [][2]string{{first.Name, second.Name}, {second.Name, first.Name}} {
			mine, theirs := pair[0], pair[1]
			deps := &appsv1.DeploymentList{}
			if err := c.List(ctx, deps, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: mine}); err != nil || len(deps.Items) != 1 {
				t.Fatalf("cluster %s: release %s Deployments %v (%v)", cl, mine, deps.Items, err)
			}
			svcs := &corev1.ServiceList{}
			if err := c.List(ctx, svcs, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: mine}); err != nil || len(svcs.Items) != 1 {
				t.Fatalf("cluster %s: release %s Services %v (%v)", cl, mine, svcs.Items, err)
			}
			theirPods := labels.Set(podLabels(t, c, ns, theirs))
			sel, _ := metav1.LabelSelectorAsSelector(deps.Items[0].Spec.Selector)
			if sel.Matches(theirPods) {
				t.Errorf("cluster %s: Deployment of %s selects the pods of %s", cl, mine, theirs)
			}
			if labels.SelectorFromSet(svcs.Items[0].Spec.Selector).Matches(theirPods) {
				t.Errorf("cluster %s: Service of %s selects the pods of %s", cl, mine, theirs)
			}
		}
	}

	if err := mgmt.Delete(ctx, &first); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, func() error {
		for cl, objs := range releaseObjects(t, env, ns, first.Name) {
			if len(objs) > 0 {
				return fmt.Errorf("cluster %s still has %v of the deleted release %s", cl, objs, first.Name)
			}
		}
		return nil
	})
	if objs := releaseObjects(t, env, ns, second.Name); len(objs) != len(clusters) {
		t.Errorf("deleting %s touched %s: its objects are now %v", first.Name, second.Name, objs)
	}
}

// replicaOwners are the field managers that own a Deployment's
// spec.replicas.
func replicaOwners(d *appsv1.Deployment) []string {
	var owners []string
	for _, mf := range d.ManagedFields {
		var fields struct {
			Spec map[string]any `json:"f:spec"`
		}
		if mf.FieldsV1 != nil && json.Unmarshal(mf.FieldsV1.Raw, &fields) == nil {
			if _, ok := fields.Spec["f:replicas"]; ok {
				owners = append(owners, mf.Manager)
			}
		}
	}
	slices.Sort(owners)
	return slices.Compact(owners)
}

// podLabels are the pod template labels of the release's Deployment.
func podLabels(t *testing.T, c client.Client, ns, release string) map[string]string {
	deps := &appsv1.DeploymentList{}
	if err := c.List(ctxFor(t), deps, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: release}); err != nil || len(deps.Items) == 0 {
		t.Fatalf("release %s has no Deployment: %v", release, err)
	}
	return deps.Items[0].Spec.Template.Labels
}
