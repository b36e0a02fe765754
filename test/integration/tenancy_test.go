package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/tenancy"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

// A chart whose template puts a ConfigMap in another tenant's namespace is
// refused whole: the Release is not scheduled, its condition names the
// object, both namespaces and the cause, no InstallationTarget is made, and
// nothing of the release reaches any cluster, in any namespace.
func TestObjectInAnotherNamespaceRefusesTheRelease(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	// Another tenant's namespace, never granted to this one: it must not
	// even be created for the refused release.
	victim := ns + "-victim"
	hostile := chartrepo.CopyChart(t, helloChart)
	escape := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: escape\n  namespace: " + victim + "\ndata:\n  stolen: \"yes\"\n"
	if err := os.WriteFile(filepath.Join(hostile, "templates", "escape.yaml"), []byte(escape), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: hostile}}})
	app := helloApplication(ns, "escaper", repo.URL, "", nil)
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, app, 1)[0]
	want := fmt.Sprintf(`ConfigMap "escape" asks for namespace %q, but a release installs only into its Application's namespace %q`, victim, ns)
	waitCondition(t, mgmt, &rel, func() []metav1.Condition { return rel.Status.Conditions }, convoyv1alpha1.ConditionScheduled,
		string(tenancy.ReasonNamespaceNotAllowed), want)
	t.Logf("Release %s: %s", rel.Name, meta.FindStatusCondition(rel.Status.Conditions, convoyv1alpha1.ConditionScheduled).Message)
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&rel), &convoyv1alpha1.InstallationTarget{}); !apierrors.IsNotFound(err) {
		t.Errorf("an InstallationTarget of the refused release: %v", err)
	}
	sel := client.MatchingLabels{convoyv1alpha1.LabelRelease: rel.Name}
	for _, cl := range env.Clusters {
		c := env.ClusterClient(t, cl.Name)
		for _, list := range []client.ObjectList{&corev1.ConfigMapList{}, &appsv1.DeploymentList{}, &corev1.ServiceList{}} {
			if err := c.List(ctx, list, sel); err != nil {
				t.Fatal(err)
			}
			if n := meta.LenList(list); n > 0 {
				t.Errorf("cluster %s holds %d %T of the refused release", cl.Name, n, list)
			}
		}
		if err := c.Get(ctx, client.ObjectKey{Name: victim}, &corev1.Namespace{}); !apierrors.IsNotFound(err) {
			t.Errorf("cluster %s: namespace %s was created for a refused release: %v", cl.Name, victim, err)
		}
	}
}

// Two tenants' applications named web, in two namespaces, with the same
// template and so the same release name, both roll out; each one's objects
// carry its own namespace as owner and are owned by its own anchor.
func TestSameApplicationNameInTwoNamespaces(t *testing.T) {
	env, ctx, mgmt, nsA := begin(t)
	nsB := env.Namespace(t)
	repo := helloRepo(t)
	appA, appB := helloApplication(nsA, "web", repo.URL, "", nil), helloApplication(nsB, "web", repo.URL, "", nil)
	for _, app := range []*convoyv1alpha1.Application{appA, appB} {
		if err := mgmt.Create(ctx, app); err != nil {
			t.Fatal(err)
		}
	}
	relA, relB := waitForReleases(t, mgmt, appA, 1)[0], waitForReleases(t, mgmt, appB, 1)[0]
	if relA.Name != relB.Name {
		t.Logf("release names differ (%s, %s): the test still checks ownership", relA.Name, relB.Name)
	}
	clustersA := waitInstalled(t, mgmt, nsA, relA.Name)
	clustersB := waitInstalled(t, mgmt, nsB, relB.Name)
	waitComplete(t, mgmt, &relA)
	waitComplete(t, mgmt, &relB)
	for _, side := range []struct {
		ns, release string
		clusters    []string
	}{{nsA, relA.Name, clustersA}, {nsB, relB.Name, clustersB}} {
		want := tenancy.Owner{Namespace: side.ns, Application: "web", Release: side.release}
		for _, cl := range side.clusters {
			c := env.ClusterClient(t, cl)
			anchor := &corev1.ConfigMap{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: side.ns, Name: tenancy.AnchorName(side.release)}, anchor); err != nil {
				t.Fatalf("cluster %s: anchor of %s: %v", cl, want, err)
			}
			deps := &appsv1.DeploymentList{}
			if err := c.List(ctx, deps, client.MatchingLabels{convoyv1alpha1.LabelNamespace: side.ns, convoyv1alpha1.LabelRelease: side.release}); err != nil {
				t.Fatal(err)
			}
			if len(deps.Items) != 1 {
				t.Fatalf("cluster %s: %d Deployments owned by %s, want 1", cl, len(deps.Items), want)
			}
			d := &deps.Items[0]
			if got := tenancy.OwnerOf(d); got != want || d.Namespace != side.ns || !tenancy.OwnedBy(d, anchor.UID) {
				t.Errorf("cluster %s: Deployment %s/%s has owner %+v (anchor owned: %v), want %+v owned by %s/%s",
					cl, d.Namespace, d.Name, got, tenancy.OwnedBy(d, anchor.UID), want, anchor.Namespace, anchor.Name)
			}
		}
	}
}

// A Deployment someone else made, labelled as a release's, in the
// release's namespace: convoy neither scales nor counts it, and the
// CapacityTarget names it as ignored.
func TestForeignDeploymentLabelledAsTheReleasesIsIgnored(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := helloApplication(ns, "target", repo.URL, "", nil)
	rel, clusters := completeFirstRelease(t, mgmt, app)
	cluster := clusters[0]
	c := env.ClusterClient(t, cluster)
	labels := tenancy.Owner{Namespace: ns, Application: app.Name, Release: rel.Name}.Labels()
	zero := int32(0)
	foreign := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "impostor", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &zero,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"impostor": "yes"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"impostor": "yes"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}},
			},
		},
	}
	if err := c.Create(ctx, foreign); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctxFor(t), foreign) })

	ct := &convoyv1alpha1.CapacityTarget{}
	var message string
	eventually(t, time.Minute, func() error {
		if err := mgmt.Get(ctxFor(t), client.ObjectKeyFromObject(&rel), ct); err != nil {
			return err
		}
		for _, st := range ct.Status.Clusters {
			ready := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionReady)
			if st.Name == cluster && ready != nil && strings.Contains(ready.Message, "ignored "+ns+"/impostor") {
				if ready.Status != metav1.ConditionTrue {
					return fmt.Errorf("cluster %s not ready beside the impostor: %s", cluster, ready.Message)
				}
				message = ready.Message
				return nil
			}
		}
		return fmt.Errorf("capacity status %+v does not name the impostor", ct.Status.Clusters)
	})
	t.Logf("cluster %s: %s", cluster, message)
	if err := c.Get(ctx, client.ObjectKeyFromObject(foreign), foreign); err != nil {
		t.Fatal(err)
	}
	if *foreign.Spec.Replicas != 0 {
		t.Errorf("the impostor was scaled to %d", *foreign.Spec.Replicas)
	}
	for _, st := range ct.Status.Clusters {
		if st.Name == cluster && st.DesiredReplicas == 0 {
			t.Errorf("cluster %s: desired replicas %d: the impostor's zero was taken for the release's", cluster, st.DesiredReplicas)
		}
	}
}
