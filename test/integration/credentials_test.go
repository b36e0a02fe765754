package integration

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

// A private chart repository is reached with the credentials in the Secret
// the source names; a missing Secret is reported by name.
func TestPrivateRepositoryWithSecretRef(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: helloChart}}, Username: "convoy", Password: "s3cret"})

	missing := helloApplication(ns, "no-secret", repo.URL, "", nil)
	missing.Spec.Template.Source.Chart.SecretRef = &convoyv1alpha1.LocalObjectReference{Name: "repo-credentials"}
	if err := mgmt.Create(ctx, missing); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, mgmt, missing, func() []metav1.Condition { return missing.Status.Conditions },
		convoyv1alpha1.ConditionStalled, "CredentialsNotFound", ns+"/repo-credentials")

	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "repo-credentials"},
		StringData: map[string]string{"username": "convoy", "password": "s3cret"},
	}
	if err := mgmt.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	app := helloApplication(ns, "private", repo.URL, "", nil)
	app.Spec.Template.Source.Chart.SecretRef = &convoyv1alpha1.LocalObjectReference{Name: "repo-credentials"}
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, app, 1)[0]
	waitInstalled(t, mgmt, ns, rel.Name)
}
