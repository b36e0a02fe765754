package rolloutmetrics

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

func TestCountWritesCountsWritesOnly(t *testing.T) {
	ctx := context.Background()
	c := CountWrites(fake.NewClientBuilder().Build())
	before := testutil.ToFloat64(writes.WithLabelValues("create")) + testutil.ToFloat64(writes.WithLabelValues("patch")) + testutil.ToFloat64(writes.WithLabelValues("delete"))
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cm"}}
	if err := c.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(cm), cm); err != nil {
		t.Fatal(err)
	}
	if err := c.List(ctx, &corev1.ConfigMapList{}); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cm.DeepCopy())
	cm.Data = map[string]string{"k": "v"}
	if err := c.Patch(ctx, cm, patch); err != nil {
		t.Fatal(err)
	}
	_ = c.Status().Patch(ctx, cm, patch) // ConfigMaps have no status; the attempt still counts
	if err := c.Delete(ctx, cm); err != nil {
		t.Fatal(err)
	}
	after := testutil.ToFloat64(writes.WithLabelValues("create")) + testutil.ToFloat64(writes.WithLabelValues("patch")) + testutil.ToFloat64(writes.WithLabelValues("delete"))
	if got := after - before; got != 4 {
		t.Errorf("%v writes counted for a create, two patches and a delete (and a get and a list), want 4", got)
	}
}
