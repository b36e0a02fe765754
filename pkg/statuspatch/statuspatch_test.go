package statuspatch

import (
	"context"
	"testing"
	"time"

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

// Progress is written at most once a window; milestones at once; what is
// held back says when to come back.
func TestCoalescerHoldsBackProgressOnly(t *testing.T) {
	scheme := runtime.NewScheme()
	_ = convoyv1alpha1.AddToScheme(scheme)
	ct := &convoyv1alpha1.CapacityTarget{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns", UID: "u1"}}
	writes := 0
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(ct).WithStatusSubresource(ct).
		WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			writes++
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		}}).Build()
	ctx := context.Background()
	now := time.Unix(1000, 0)
	co := NewCoalescer(3 * time.Second)
	co.now = func() time.Time { return now }

	step := func(message string, progressOnly bool) (bool, time.Duration) {
		t.Helper()
		if err := c.Get(ctx, client.ObjectKeyFromObject(ct), ct); err != nil {
			t.Fatal(err)
		}
		p := New(ct)
		ct.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "R", Message: message, LastTransitionTime: metav1.NewTime(now)}}
		wrote, err := p.Patch(ctx, c, ct, Coalesce(co, progressOnly))
		if err != nil {
			t.Fatal(err)
		}
		return wrote, p.Deferred()
	}
	// Never written: progress goes out at once.
	if wrote, d := step("1/3", true); !wrote || d != 0 {
		t.Fatalf("first progress: wrote %v, deferred %s", wrote, d)
	}
	now = now.Add(time.Second)
	if wrote, d := step("2/3", true); wrote || d != 2*time.Second {
		t.Fatalf("progress 1s after a write: wrote %v, deferred %s; want held back 2s", wrote, d)
	}
	// A milestone is not held back, whatever the window.
	if wrote, d := step("lost a pod", false); !wrote || d != 0 {
		t.Fatalf("milestone: wrote %v, deferred %s", wrote, d)
	}
	now = now.Add(3 * time.Second)
	if wrote, d := step("3/3", true); !wrote || d != 0 {
		t.Fatalf("progress a window after the last write: wrote %v, deferred %s", wrote, d)
	}
	if writes != 3 {
		t.Fatalf("%d writes, want 3", writes)
	}
	// Objects whose window has passed are forgotten.
	now = now.Add(time.Hour)
	co.wrote("u2")
	if _, ok := co.lastWrite["u1"]; ok || len(co.lastWrite) != 1 {
		t.Fatalf("the coalescer still remembers %v", co.lastWrite)
	}
}
