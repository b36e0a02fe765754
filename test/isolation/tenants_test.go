package isolation

import (
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/tenancy"
)

// goodTenant is the well-behaved tenant's rollout as it stood once
// complete: its Deployment and anchor in each cluster.
type goodTenant struct {
	app         *convoyv1alpha1.Application
	release     string
	deployments map[string]appsv1.Deployment
	anchors     map[string]types.UID
}

// rollOut creates app and waits until its first release is complete,
// returning the release and its clusters.
func (s *suite) rollOut(t *testing.T, app *convoyv1alpha1.Application) (*convoyv1alpha1.Release, []string) {
	t.Helper()
	if err := s.mgmt.Create(ctxFor(t), app); err != nil {
		t.Fatal(err)
	}
	rel := s.firstRelease(t, app)
	it := &convoyv1alpha1.InstallationTarget{}
	eventually(t, 2*time.Minute, func() error {
		if err := s.mgmt.Get(ctxFor(t), client.ObjectKeyFromObject(rel), rel); err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(rel.Status.Conditions, convoyv1alpha1.ConditionComplete) {
			return fmt.Errorf("release %s/%s not complete: waiting for %s; %+v", rel.Namespace, rel.Name, rel.Status.WaitingFor, rel.Status.Conditions)
		}
		return s.mgmt.Get(ctxFor(t), client.ObjectKeyFromObject(rel), it)
	})
	return rel, it.Spec.Clusters
}

// startGoodTenant rolls out the well-behaved tenant's web and records its
// objects.
func (s *suite) startGoodTenant(t *testing.T, repoURL string) goodTenant {
	app := helloApp(s.good, "web", repoURL)
	rel, clusters := s.rollOut(t, app)
	g := goodTenant{app: app, release: rel.Name, deployments: map[string]appsv1.Deployment{}, anchors: map[string]types.UID{}}
	for _, cl := range clusters {
		d, anchor := s.ownedDeployment(t, cl, tenancy.Owner{Namespace: s.good, Application: app.Name, Release: rel.Name})
		g.deployments[cl], g.anchors[cl] = d, anchor
	}
	return g
}

// ownedDeployment is owner's one Deployment in cluster, checked to carry
// owner's labels and be owned by owner's anchor, and the anchor's UID.
func (s *suite) ownedDeployment(t *testing.T, cluster string, owner tenancy.Owner) (appsv1.Deployment, types.UID) {
	t.Helper()
	c := s.env.ClusterClient(t, cluster)
	anchor := &corev1.ConfigMap{}
	if err := c.Get(ctxFor(t), client.ObjectKey{Namespace: owner.Namespace, Name: tenancy.AnchorName(owner.Release)}, anchor); err != nil {
		t.Fatalf("cluster %s: anchor of %s: %v", cluster, owner, err)
	}
	deps := &appsv1.DeploymentList{}
	if err := c.List(ctxFor(t), deps, client.MatchingLabels{convoyv1alpha1.LabelNamespace: owner.Namespace, convoyv1alpha1.LabelRelease: owner.Release}); err != nil {
		t.Fatal(err)
	}
	if len(deps.Items) != 1 {
		t.Fatalf("cluster %s: %d Deployments of %s, want 1", cluster, len(deps.Items), owner)
	}
	d := deps.Items[0]
	if got := tenancy.OwnerOf(&d); got != owner || d.Namespace != owner.Namespace || !tenancy.OwnedBy(&d, anchor.UID) {
		t.Errorf("cluster %s: Deployment %s/%s has owner %+v (owned by anchor %s/%s: %v), want %+v",
			cluster, d.Namespace, d.Name, got, anchor.Namespace, anchor.Name, tenancy.OwnedBy(&d, anchor.UID), owner)
	}
	return d, anchor.UID
}

// checkGoodTenant checks that the good tenant's release is still its only
// one, complete, and that its objects are the ones it made, unchanged.
func (s *suite) checkGoodTenant(t *testing.T, g goodTenant) {
	ctx := ctxFor(t)
	app := &convoyv1alpha1.Application{}
	if err := s.mgmt.Get(ctx, client.ObjectKeyFromObject(g.app), app); err != nil {
		t.Fatal(err)
	}
	if len(app.Status.History) != 1 || app.Status.History[0] != g.release {
		t.Errorf("good tenant's history %v, want only %s", app.Status.History, g.release)
	}
	rel := &convoyv1alpha1.Release{}
	if err := s.mgmt.Get(ctx, client.ObjectKey{Namespace: s.good, Name: g.release}, rel); err != nil {
		t.Fatal(err)
	}
	if !meta.IsStatusConditionTrue(rel.Status.Conditions, convoyv1alpha1.ConditionComplete) {
		t.Errorf("good tenant's release %s is no longer complete: %+v", rel.Name, rel.Status.Conditions)
	}
	for cl, before := range g.deployments {
		after, anchor := s.ownedDeployment(t, cl, tenancy.Owner{Namespace: s.good, Application: g.app.Name, Release: g.release})
		if after.UID != before.UID || anchor != g.anchors[cl] || *after.Spec.Replicas != *before.Spec.Replicas {
			t.Errorf("cluster %s: good tenant's Deployment %s/%s (uid %s, anchor %s, %d replicas) was %s, %s, %d replicas",
				cl, after.Namespace, after.Name, after.UID, anchor, *after.Spec.Replicas, before.UID, g.anchors[cl], *before.Spec.Replicas)
		}
		t.Logf("cluster %s: good tenant's Deployment %s/%s intact, %d replicas", cl, after.Namespace, after.Name, *after.Spec.Replicas)
	}
}

// sameNameAndImpostor: the hostile tenant names its application web too,
// from the same chart, so its release has the good tenant's release name;
// both are complete and neither owns the other's objects. Then a
// Deployment the tenant made itself, labelled as its release's, is
// neither scaled nor counted: the CapacityTarget names it as ignored.
func (s *suite) sameNameAndImpostor(t *testing.T, g goodTenant, repoURL string) {
	ctx := ctxFor(t)
	app := helloApp(s.tenant, g.app.Name, repoURL)
	rel, clusters := s.rollOut(t, app)
	if rel.Name != g.release {
		t.Logf("release names differ (%s, %s): ownership is still checked", rel.Name, g.release)
	}
	owner := tenancy.Owner{Namespace: s.tenant, Application: app.Name, Release: rel.Name}
	for _, cl := range clusters {
		s.ownedDeployment(t, cl, owner)
	}
	t.Logf("same-application-name: %s and %s/%s both complete, each owning only its own objects", owner, s.good, g.app.Name)

	cluster := clusters[0]
	c := s.env.ClusterClient(t, cluster)
	zero := int32(0)
	impostor := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.tenant, Name: "impostor", Labels: owner.Labels()},
		Spec: appsv1.DeploymentSpec{
			Replicas: &zero,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"impostor": "yes"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"impostor": "yes"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}},
			},
		},
	}
	if err := c.Create(ctx, impostor); err != nil {
		t.Fatal(err)
	}
	ct := &convoyv1alpha1.CapacityTarget{}
	var message string
	eventually(t, time.Minute, func() error {
		if err := s.mgmt.Get(ctx, client.ObjectKeyFromObject(rel), ct); err != nil {
			return err
		}
		for _, st := range ct.Status.Clusters {
			ready := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionReady)
			if st.Name == cluster && ready != nil && strings.Contains(ready.Message, "ignored ") && strings.Contains(ready.Message, s.tenant+"/impostor") {
				if ready.Status != metav1.ConditionTrue {
					return fmt.Errorf("cluster %s not ready beside the impostor: %s", cluster, ready.Message)
				}
				message = ready.Message
				return nil
			}
		}
		return fmt.Errorf("capacity status %+v does not name the impostor", ct.Status.Clusters)
	})
	t.Logf("foreign-deployment: CapacityTarget %s/%s, cluster %s: %s", ct.Namespace, ct.Name, cluster, message)
	if err := c.Get(ctx, client.ObjectKeyFromObject(impostor), impostor); err != nil {
		t.Fatal(err)
	}
	if *impostor.Spec.Replicas != 0 {
		t.Errorf("the impostor was scaled to %d", *impostor.Spec.Replicas)
	}
	for _, st := range ct.Status.Clusters {
		if st.Name == cluster && st.DesiredReplicas == 0 {
			t.Errorf("cluster %s: desired replicas 0: the impostor's zero was taken for the release's", cluster)
		}
	}
}
