package statuspatch

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Pure logic: whether and what Patch writes. A fake client counts the
// writes; the real API server is exercised by every controller's tests.
func TestPatchWritesOnceAndOnlyOnChange(t *testing.T) {
	scheme := runtime.NewScheme()
	_ = convoyv1alpha1.AddToScheme(scheme)
	ct := &convoyv1alpha1.CapacityTarget{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns", Generation: 3}}
	writes := 0
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(ct).WithStatusSubresource(ct).
		WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			writes++
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		}}).Build()
	ctx := context.Background()
	if err := c.Get(ctx, client.ObjectKeyFromObject(ct), ct); err != nil {
		t.Fatal(err)
	}

	// observedGeneration alone is a change, set here.
	p := New(ct)
	if wrote, err := p.Patch(ctx, c, ct); err != nil || !wrote || ct.Status.ObservedGeneration != 3 {
		t.Fatalf("first patch: wrote %v, err %v, observedGeneration %d", wrote, err, ct.Status.ObservedGeneration)
	}
	// Nothing changed: no write.
	p = New(ct)
	if wrote, err := p.Patch(ctx, c, ct); err != nil || wrote {
		t.Fatalf("idle patch: wrote %v, err %v", wrote, err)
	}
	if writes != 1 {
		t.Fatalf("%d writes, want 1", writes)
	}
	// A stale copy loses with the optimistic lock.
	stale := ct.DeepCopy()
	p = New(ct)
	ct.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "R", LastTransitionTime: metav1.Now()}}
	if _, err := p.Patch(ctx, c, ct); err != nil {
		t.Fatal(err)
	}
	p = New(stale)
	stale.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "S", LastTransitionTime: metav1.Now()}}
	if _, err := p.Patch(ctx, c, stale, WithOptimisticLock()); err == nil {
		t.Fatal("a stale write with the optimistic lock went through")
	}
}
