package release

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/roles"
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
	roles.Sort(rels)
	return rels, nil
}

// drive moves a scheduled Release according to its role (pkg/roles). The
// contender executes its strategy, which drives the incumbent and every
// superseded release too: a superseded release keeps its capacity and
// traffic until the releases taking its traffic have the capacity for it,
// and then gives them up in the safe order, traffic first (I3). Nothing
// but the contender's strategy moves them, so no release ever leaves
// traffic where capacity is not.
func (r *Reconciler) drive(ctx context.Context, rel *convoyv1alpha1.Release) error {
	siblings, err := r.siblingsOf(ctx, rel)
	if err != nil {
		return err
	}
	rr := roles.Of(siblings)
	if rr.Contender.Name == rel.Name {
		meta.RemoveStatusCondition(&rel.Status.Conditions, convoyv1alpha1.ConditionSuperseded)
		if err := r.executeStrategy(ctx, rel, rr); err != nil {
			return err
		}
		// An aborted release back at zero runs nothing until it is retried.
		return r.syncIdle(ctx, rel, rel.Spec.Aborted != nil)
	}
	if rr.Incumbent != nil && rr.Incumbent.Name == rel.Name {
		return r.syncIdle(ctx, rel, false)
	}
	conditions.Set(&rel.Status.Conditions, rel.Generation, convoyv1alpha1.ConditionSuperseded, metav1.ConditionTrue, ReasonNewerRelease,
		fmt.Sprintf("superseded by %s: its strategy moves this release's traffic and capacity from now on", rr.Contender.Name))
	return r.syncIdle(ctx, rel, true)
}

// syncIdle idles a release that holds no traffic and no capacity anywhere
// any more, when it should (I9: retired means idle: it runs nothing and
// holds no load-balancer address), and wakes one that should not be idle.
// Idling waits until the strategy has taken both to zero, traffic settled,
// so nothing that serves is idled.
func (r *Reconciler) syncIdle(ctx context.Context, rel *convoyv1alpha1.Release, retired bool) error {
	t, err := r.targetsOf(ctx, rel)
	if err != nil {
		return client.IgnoreNotFound(err)
	}
	capacity, traffic := observeCapacity(t.capacity), observeTraffic(t.traffic)
	idle := retired && allZero(capacity.Values) && allZero(traffic.Values) && traffic.Achieved && capacity.Achieved
	if t.installation.Spec.Idle == idle || retired && !idle {
		return nil // waking happens at once, idling only once settled
	}
	return r.Patch(ctx, t.installation, client.RawPatch(types.MergePatchType, fmt.Appendf(nil, `{"spec":{"idle":%t}}`, idle)))
}

// ReasonNewerRelease is the Superseded condition's reason.
const ReasonNewerRelease = "NewerRelease"
