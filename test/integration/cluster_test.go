package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Every Cluster is probed with convoy's own credentials for it: a live one
// reports Reachable with its Kubernetes version; one whose API server does
// not answer reports why, with an event, and the reachability metric
// follows. The dead cluster's region is one no application asks for.
func TestClusterHealth(t *testing.T) {
	env, ctx, mgmt, _ := begin(t)
	s := newScraper(t)
	live := &convoyv1alpha1.Cluster{}
	name := env.Clusters[0].Name
	eventually(t, time.Minute, func() error {
		if err := mgmt.Get(ctx, client.ObjectKey{Name: name}, live); err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(live.Status.Conditions, convoyv1alpha1.ConditionReachable) || !strings.HasPrefix(live.Status.ServerVersion, "v1.") || live.Status.LastProbeTime == nil {
			return fmt.Errorf("cluster %s status %+v, want Reachable with a version", name, live.Status)
		}
		return nil
	})

	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "convoy-system", Name: "cluster-health-dead"}, Data: map[string][]byte{"token": []byte("x")}}
	dead := &convoyv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "health-dead"}, Spec: convoyv1alpha1.ClusterSpec{
		APIServerURL: "https://127.0.0.1:9", Region: "test-health",
		CredentialsSecretRef: convoyv1alpha1.SecretReference{Namespace: "convoy-system", Name: secret.Name},
	}}
	for _, obj := range []client.Object{secret, dead} {
		if err := mgmt.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = mgmt.Delete(ctxFor(t), obj) })
	}
	eventually(t, time.Minute, func() error {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(dead), dead); err != nil {
			return err
		}
		c := meta.FindStatusCondition(dead.Status.Conditions, convoyv1alpha1.ConditionReachable)
		if c == nil || c.Status != metav1.ConditionFalse || c.Reason != "ClusterUnreachable" || !strings.Contains(c.Message, "127.0.0.1:9") {
			return fmt.Errorf("dead cluster Reachable %+v", c)
		}
		return nil
	})
	expectEvent(t, mgmt, "default", dead.Name, "ClusterUnreachable", "127.0.0.1:9")
	s.expectMetric(t, "convoy_cluster_reachable", map[string]string{"cluster": dead.Name}, 0)
	s.expectMetric(t, "convoy_cluster_reachable", map[string]string{"cluster": name}, 1)
}
