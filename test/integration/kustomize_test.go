package integration

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/test/gitserver"
)

const helloKustomization = "../../examples/kustomize/hello"

// A kustomize source from a real git repository is pinned to its commit,
// installed with per-release names, and two releases run side by side
// without selecting each other's pods.
func TestKustomizeReleasesSitSideBySide(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := gitserver.New(t).NewRepo("hello")
	commit := repo.Commit("hello", gitserver.ReadTree(t, helloKustomization, "deploy"))

	app := &convoyv1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kz"},
		Spec: convoyv1alpha1.ApplicationSpec{Template: convoyv1alpha1.ReleaseEnvironment{
			Source: convoyv1alpha1.Source{Kustomize: &convoyv1alpha1.KustomizeSource{
				RepoURL: repo.FileURL(), Ref: "main", Path: "deploy/overlays/production"}},
			ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: []convoyv1alpha1.RegionRequirement{{Name: "us-east"}}},
			Strategy:            convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetCanary},
		}},
	}
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	first := waitForReleases(t, mgmt, app, 1)[0]
	if got := first.Spec.Environment.Source.Kustomize.Ref; got != commit {
		t.Errorf("release pinned ref %q, want commit %s", got, commit)
	}
	cluster := waitInstalled(t, mgmt, ns, first.Name)[0]

	repo.Commit("a new version", map[string]string{"deploy/base/index.html": "<h1>version two</h1>\n"})
	changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) { a.Spec.Template.Source.Kustomize.Ref = repo.Head() })
	second := waitForReleases(t, mgmt, app, 2)[1]
	waitInstalled(t, mgmt, ns, second.Name)

	c := env.ClusterClient(t, cluster)
	for _, pair := range [][2]string{{first.Name, second.Name}, {second.Name, first.Name}} {
		mine, theirs := pair[0], pair[1]
		deps := &appsv1.DeploymentList{}
		svcs := &corev1.ServiceList{}
		if err := c.List(ctx, deps, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: mine}); err != nil || len(deps.Items) != 1 {
			t.Fatalf("release %s Deployments: %v (%v)", mine, deps.Items, err)
		}
		if err := c.List(ctx, svcs, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: mine}); err != nil || len(svcs.Items) != 1 {
			t.Fatalf("release %s Services: %v (%v)", mine, svcs.Items, err)
		}
		dep := deps.Items[0]
		if want := "-" + mine; len(dep.Name) <= len(want) || dep.Name[len(dep.Name)-len(want):] != want {
			t.Errorf("kustomize Deployment %q does not carry the per-release suffix %q", dep.Name, want)
		}
		if owners := replicaOwners(&dep); !slices.Equal(owners, []string{clusters.CapacityFieldManager}) {
			t.Errorf("spec.replicas of Deployment %s is owned by %v, want %s alone", dep.Name, owners, clusters.CapacityFieldManager)
		}
		theirPods := labels.Set(podLabels(t, c, ns, theirs))
		sel, _ := metav1.LabelSelectorAsSelector(dep.Spec.Selector)
		if sel.Matches(theirPods) || labels.SelectorFromSet(svcs.Items[0].Spec.Selector).Matches(theirPods) {
			t.Errorf("release %s selects the pods of %s", mine, theirs)
		}
	}
}

func kustomizeApplication(ns, name, repoURL, ref, path string) *convoyv1alpha1.Application {
	return &convoyv1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: convoyv1alpha1.ApplicationSpec{Template: convoyv1alpha1.ReleaseEnvironment{
			Source:              convoyv1alpha1.Source{Kustomize: &convoyv1alpha1.KustomizeSource{RepoURL: repoURL, Ref: ref, Path: path}},
			ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: []convoyv1alpha1.RegionRequirement{{Name: "us-east"}}},
			Strategy:            convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetCanary},
		}},
	}
}

// An unknown git ref stalls the Application; a kustomization that does
// not build stalls its Release before anything is installed.
func TestKustomizeErrorsInstallNothing(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := gitserver.New(t).NewRepo("broken")
	files := gitserver.ReadTree(t, helloKustomization, "deploy")
	files["deploy/bad/kustomization.yaml"] = "resources:\n- missing.yaml\n"
	repo.Commit("hello", files)

	noRef := kustomizeApplication(ns, "no-ref", repo.FileURL(), "no-such-branch", "deploy/base")
	if err := mgmt.Create(ctx, noRef); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, mgmt, noRef, func() []metav1.Condition { return noRef.Status.Conditions }, convoyv1alpha1.ConditionStalled, "GitRefNotFound", "no-such-branch")

	bad := kustomizeApplication(ns, "bad", repo.FileURL(), "main", "deploy/bad")
	if err := mgmt.Create(ctx, bad); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, bad, 1)[0]
	waitCondition(t, mgmt, &rel, func() []metav1.Condition { return rel.Status.Conditions }, convoyv1alpha1.ConditionScheduled, "KustomizeError", "missing.yaml")
	for cl, objs := range releaseObjects(t, env, ns, rel.Name) {
		t.Errorf("cluster %s has %v of a release that does not build", cl, objs)
	}
}
