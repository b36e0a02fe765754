package traffic

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
)

// Reasons of a hostname the application no longer publishes (I8).
const (
	ReasonHostnameRetiring = "HostnameRetiring"
	ReasonHostnameRetired  = "HostnameRetired"
)

// retire reports the targets of a retired hostname (see hostGroup.retired),
// whose records prune removes. Each target's clusters have weight 0 there:
// Ready once the records are gone and one TTL has passed, so the release
// controller removes capacity only once resolvers no longer hold answers
// naming it, as for any traffic that leaves. It returns how soon to look
// again.
func (r *Reconciler) retire(ctx context.Context, namespace, app string, g *hostGroup) (time.Duration, error) {
	existing, err := r.recordSet(ctx, namespace, app, g.hostname)
	if err != nil {
		return 0, err
	}
	ttl := time.Duration(g.dns.TTLSeconds) * time.Second
	now := r.now()
	var after time.Duration
	for _, t := range g.targets {
		after = sooner(after, retireTarget(t.tt, g.hostname, existing != nil, ttl, now))
	}
	return after, nil
}

// retireTarget writes one target's status for its retired hostname. The
// per-cluster Ready condition turns False with reason HostnameRetiring in
// the reconcile that removes the records, which stamps when they went.
func retireTarget(tt *convoyv1alpha1.TrafficTarget, hostname string, removing bool, ttl time.Duration, now time.Time) time.Duration {
	gen := tt.Generation
	previous := conditions.ByCluster(tt.Status.Clusters, func(s *convoyv1alpha1.ClusterTrafficStatus) *convoyv1alpha1.ClusterConditions {
		return &s.ClusterConditions
	})
	tt.Status.Clusters = nil
	var after time.Duration
	waiting := false
	for _, c := range tt.Spec.Clusters {
		st := convoyv1alpha1.ClusterTrafficStatus{ClusterConditions: convoyv1alpha1.ClusterConditions{Name: c.Name, Conditions: previous[c.Name]}}
		ready := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionReady)
		switch {
		case removing:
			meta.RemoveStatusCondition(&st.Conditions, convoyv1alpha1.ConditionReady)
			conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionReady, metav1.ConditionFalse, ReasonHostnameRetiring,
				fmt.Sprintf("the records of %s are being removed: the application's newest release no longer publishes it", hostname))
			waiting, after = true, sooner(after, ttl+time.Second/10)
		case ready != nil && ready.Reason == ReasonHostnameRetiring && now.Before(ready.LastTransitionTime.Add(ttl)):
			conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionReady, metav1.ConditionFalse, ReasonHostnameRetiring,
				fmt.Sprintf("the records of %s were removed at %s; resolvers may hold them for the %s TTL", hostname, ready.LastTransitionTime.UTC().Format(time.RFC3339), ttl))
			waiting, after = true, sooner(after, ready.LastTransitionTime.Add(ttl).Sub(now)+time.Second/10)
		default:
			conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionReady, metav1.ConditionTrue, ReasonHostnameRetired,
				fmt.Sprintf("hostname %s is retired: the application's newest release no longer publishes it", hostname))
		}
		tt.Status.Clusters = append(tt.Status.Clusters, st)
	}
	if waiting {
		conditions.MarkReconciling(&tt.Status.Conditions, gen, ReasonHostnameRetiring, fmt.Sprintf("removing the records of %s, which the application no longer publishes", hostname))
	} else {
		conditions.MarkReady(&tt.Status.Conditions, gen, ReasonHostnameRetired, fmt.Sprintf("hostname %s is retired: no weight is published there", hostname))
	}
	return after
}
