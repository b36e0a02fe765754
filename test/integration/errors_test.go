package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/controller/application"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

// waitCondition waits until obj's condition typ has the reason and a
// message containing fragment.
func waitCondition(t testing.TB, c client.Client, obj client.Object, conds func() []metav1.Condition, typ, reason, fragment string) {
	t.Helper()
	eventually(t, time.Minute, func() error {
		if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(conds(), typ)
		if cond == nil || cond.Reason != reason || !strings.Contains(cond.Message, fragment) {
			return fmt.Errorf("%s condition %+v, want reason %s with %q", typ, cond, reason, fragment)
		}
		return nil
	})
}

// Sources that cannot be resolved stall the Application with the cause and
// make no Release.
func TestUnresolvableSourcesStallTheApplication(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: helloChart, Versions: []string{"0.1.0", "0.2.0"}}}})

	tests := []struct {
		name, repoURL, version string
		reason, fragment       string
	}{
		{"no-version", repo.URL, "~9.0", "ChartVersionNotFound", "~9.0"},
		{"unreachable", "http://127.0.0.1:9", "", "RepositoryUnreachable", "127.0.0.1:9"},
		{"no-repo", repo.URL + "/missing", "", "RepositoryNotFound", "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := helloApplication(ns, tt.name, tt.repoURL, tt.version, nil)
			if err := mgmt.Create(ctx, app); err != nil {
				t.Fatal(err)
			}
			waitCondition(t, mgmt, app, func() []metav1.Condition { return app.Status.Conditions }, convoyv1alpha1.ConditionStalled, tt.reason, tt.fragment)
			if app.Status.Phase != convoyv1alpha1.PhaseFailed || len(app.Status.History) != 0 {
				t.Errorf("phase %s history %v, want Failed and no release", app.Status.Phase, app.Status.History)
			}
		})
	}
}

// A Release whose regions cannot be satisfied is not scheduled, says why,
// and installs nothing.
func TestImpossiblePlacementIsReported(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	tests := []struct {
		name         string
		regions      []convoyv1alpha1.RegionRequirement
		capabilities []string
		reason, msg  string
	}{
		{"mars", []convoyv1alpha1.RegionRequirement{{Name: "mars"}}, nil, "NoSuchRegion", `region "mars" has no clusters`},
		{"crowded", []convoyv1alpha1.RegionRequirement{{Name: "us-east", Clusters: one(5)}}, nil, "NotEnoughClusters", `region "us-east" needs 5 clusters`},
		{"gpu", []convoyv1alpha1.RegionRequirement{{Name: "eu-west"}}, []string{"gpu"}, "NotEnoughCapableClusters", "capabilities [gpu]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := helloApplication(ns, tt.name, repo.URL, "", nil)
			app.Spec.Template.ClusterRequirements = convoyv1alpha1.ClusterRequirements{Regions: tt.regions, Capabilities: tt.capabilities}
			if err := mgmt.Create(ctx, app); err != nil {
				t.Fatal(err)
			}
			rel := waitForReleases(t, mgmt, app, 1)[0]
			waitCondition(t, mgmt, &rel, func() []metav1.Condition { return rel.Status.Conditions }, convoyv1alpha1.ConditionScheduled, tt.reason, tt.msg)
			if !meta.IsStatusConditionTrue(rel.Status.Conditions, convoyv1alpha1.ConditionStalled) {
				t.Errorf("release not Stalled: %+v", rel.Status.Conditions)
			}
			for cl, objs := range releaseObjects(t, env, ns, rel.Name) {
				t.Errorf("cluster %s has %v of an unschedulable release", cl, objs)
			}
		})
	}
}

// A chart that does not render stops its Release before anything is
// installed anywhere, and says which template and line failed.
func TestTemplateErrorInstallsNothing(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	broken := chartrepo.CopyChart(t, helloChart)
	if err := os.WriteFile(filepath.Join(broken, "templates", "configmap.yaml"),
		[]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  x: {{ .Values.nope.deeper }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: broken}}})

	app := helloApplication(ns, "broken", repo.URL, "", nil)
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, app, 1)[0]
	waitCondition(t, mgmt, &rel, func() []metav1.Condition { return rel.Status.Conditions }, convoyv1alpha1.ConditionScheduled, "TemplateError", "configmap.yaml:6")
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&rel), &convoyv1alpha1.InstallationTarget{}); err == nil {
		t.Error("an InstallationTarget exists for a release that does not render")
	}
	for cl, objs := range releaseObjects(t, env, ns, rel.Name) {
		t.Errorf("cluster %s has %v of a release that does not render", cl, objs)
	}
}

// An object already in the cluster that convoy did not make is reported as
// a conflict and left exactly as it was.
func TestForeignObjectIsReportedNotOverwritten(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	// A rollout block holds the release back until the foreign objects are
	// in place; the release name depends on the template as the apiserver
	// defaulted it, so it is computed from the stored Application.
	block := &convoyv1alpha1.RolloutBlock{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hold"},
		Spec:       convoyv1alpha1.RolloutBlockSpec{Message: "wait for the foreign objects", Author: convoyv1alpha1.RolloutBlockAuthor{Type: "test", Name: t.Name()}},
	}
	if err := mgmt.Create(ctx, block); err != nil {
		t.Fatal(err)
	}
	app := helloApplication(ns, "clash", repo.URL, "", nil)
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, mgmt, app, func() []metav1.Condition { return app.Status.Conditions }, convoyv1alpha1.ConditionBlocked, "RolloutBlocked", ns+"/hold")
	if app.Status.Phase != convoyv1alpha1.PhaseBlocked || len(app.Status.History) != 0 {
		t.Fatalf("blocked application: phase %s, history %v; want Blocked and no release", app.Status.Phase, app.Status.History)
	}
	release, err := application.ReleaseName(app, 1)
	if err != nil {
		t.Fatal(err)
	}
	foreign := release + "-hello" // the chart's fullname for this release
	for _, cl := range env.Clusters {
		c := env.ClusterClient(t, cl.Name)
		// The namespace is granted to the tenant in every cluster already
		// (testenv), or not: the foreign objects go in either way.
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: foreign}, Data: map[string]string{"owner": "someone else"}}
		if err := c.Create(ctx, cm); err != nil {
			t.Fatal(err)
		}
	}
	if err := mgmt.Delete(ctx, block); err != nil {
		t.Fatal(err)
	}
	it := &convoyv1alpha1.InstallationTarget{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: release}}
	waitCondition(t, mgmt, it, func() []metav1.Condition { return it.Status.Conditions }, convoyv1alpha1.ConditionReady, "ClustersNotReady", "was not made by convoy")
	for _, st := range it.Status.Clusters {
		cond := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionReady)
		if cond == nil || cond.Reason != "Conflict" || !strings.Contains(cond.Message, "ConfigMap "+ns+"/"+foreign) {
			t.Errorf("cluster %s: %+v, want a Conflict naming ConfigMap %s/%s", st.Name, cond, ns, foreign)
		}
		cm := &corev1.ConfigMap{}
		if err := env.ClusterClient(t, st.Name).Get(ctx, client.ObjectKey{Namespace: ns, Name: foreign}, cm); err != nil {
			t.Fatal(err)
		}
		if cm.Data["owner"] != "someone else" || cm.Labels[convoyv1alpha1.LabelRelease] != "" {
			t.Errorf("cluster %s: the foreign ConfigMap was changed: %+v", st.Name, cm)
		}
	}
}
