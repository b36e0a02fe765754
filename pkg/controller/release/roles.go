package release

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/strategies"
)

// siblingsOf lists the Releases of rel's Application, oldest first.
func (r *Reconciler) siblingsOf(ctx context.Context, rel *convoyv1alpha1.Release) ([]*convoyv1alpha1.Release, error) {
	list := &convoyv1alpha1.ReleaseList{}
	app := rel.Labels[convoyv1alpha1.LabelApplication]
	if err := r.List(ctx, list, client.InNamespace(rel.Namespace), client.MatchingLabels{convoyv1alpha1.LabelApplication: app}); err != nil {
		return nil, fmt.Errorf("listing the releases of %s: %w", app, err)
	}
	rels := make([]*convoyv1alpha1.Release, 0, len(list.Items))
	for i := range list.Items {
		rels = append(rels, &list.Items[i])
	}
	slices.SortStableFunc(rels, func(a, b *convoyv1alpha1.Release) int {
		return cmp.Compare(a.ReleaseGeneration(), b.ReleaseGeneration())
	})
	return rels, nil
}

// incumbentOf is the newest completed Release older than head.
func incumbentOf(siblings []*convoyv1alpha1.Release, head *convoyv1alpha1.Release) *convoyv1alpha1.Release {
	for i := len(siblings) - 1; i >= 0; i-- {
		s := siblings[i]
		if s.ReleaseGeneration() < head.ReleaseGeneration() && conditions.IsTrue(s.Status.Conditions, convoyv1alpha1.ConditionComplete) {
			return s
		}
	}
	return nil
}

// drive moves a scheduled Release according to its place among its
// siblings. The newest Release (the head) executes its strategy, driving
// its incumbent too. The incumbent follows the head and does nothing of
// its own. Every other Release is retired: driven to no traffic, then to no
// capacity, so no old release keeps stray pods or traffic.
func (r *Reconciler) drive(ctx context.Context, rel *convoyv1alpha1.Release) error {
	siblings, err := r.siblingsOf(ctx, rel)
	if err != nil {
		return err
	}
	head := siblings[len(siblings)-1]
	if head.Name == rel.Name {
		meta.RemoveStatusCondition(&rel.Status.Conditions, convoyv1alpha1.ConditionSuperseded)
		return r.executeStrategy(ctx, rel, incumbentOf(siblings, rel))
	}
	conditions.Set(&rel.Status.Conditions, rel.Generation, convoyv1alpha1.ConditionSuperseded, metav1.ConditionTrue, "NewerRelease",
		fmt.Sprintf("superseded by %s: this release no longer moves on its own", head.Name))
	if inc := incumbentOf(siblings, head); inc != nil && inc.Name == rel.Name {
		return nil // the head's strategy drives it
	}
	return r.retire(ctx, rel)
}

// retire takes a historical Release's traffic to zero, then its capacity.
func (r *Reconciler) retire(ctx context.Context, rel *convoyv1alpha1.Release) error {
	t, err := r.targetsOf(ctx, rel)
	if err != nil {
		return client.IgnoreNotFound(err)
	}
	zero := func(kind strategies.Kind) *strategies.Patch {
		values := map[string]int32{}
		for _, c := range t.installation.Spec.Clusters {
			values[c] = 0
		}
		return &strategies.Patch{Target: strategies.Target{Role: strategies.Incumbent, Kind: kind}, Values: values}
	}
	traffic := observeTraffic(t.traffic)
	if !allZero(traffic.Values) {
		return r.patchTarget(ctx, t, zero(strategies.Traffic))
	}
	if !traffic.Achieved {
		return nil // traffic leaves first
	}
	capacity := observeCapacity(t.capacity)
	if !allZero(capacity.Values) {
		return r.patchTarget(ctx, t, zero(strategies.Capacity))
	}
	// BEGIN I9 (drift helper; the lead re-homes this call): with no
	// traffic and no capacity left anywhere, the retired release goes idle:
	// it runs nothing and holds no load-balancer address.
	if capacity.Achieved && !t.installation.Spec.Idle {
		return r.Patch(ctx, t.installation, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"idle":true}}`)))
	}
	// END I9
	return nil
}

func allZero(values map[string]int32) bool {
	for _, v := range values {
		if v != 0 {
			return false
		}
	}
	return true
}
