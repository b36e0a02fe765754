// Package traffic reconciles TrafficTargets. A Release whose environment
// has no traffic section is reached some other way (a Service per release,
// a mesh): convoy moves its capacity only, and its traffic targets are
// achieved as soon as they are current. Publishing weighted DNS records for
// releases that ask for it is this package's next part.
package traffic

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
)

// Reasons of a traffic target's conditions.
const (
	ReasonNotManaged     = "TrafficNotManaged"
	ReasonNotImplemented = "DNSNotAvailable"
)

// Reconciler reconciles TrafficTargets.
type Reconciler struct {
	client.Client
}

// Reconcile reports each cluster's weight and whether it is in effect.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	tt := &convoyv1alpha1.TrafficTarget{}
	if err := r.Get(ctx, req.NamespacedName, tt); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	rel := &convoyv1alpha1.Release{}
	if err := r.Get(ctx, req.NamespacedName, rel); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := tt.DeepCopy()
	managed := rel.Spec.Environment.Traffic != nil && rel.Spec.Environment.Traffic.DNS != nil
	reason, message := ReasonNotManaged, "the release has no traffic section: convoy moves its capacity only"
	status := metav1.ConditionTrue
	if managed {
		reason, status = ReasonNotImplemented, metav1.ConditionFalse
		message = fmt.Sprintf("weighted DNS for %s is not published by this version of convoy", rel.Spec.Environment.Traffic.DNS.Hostname)
	}
	previous := conditions.ByCluster(tt.Status.Clusters, func(s *convoyv1alpha1.ClusterTrafficStatus) *convoyv1alpha1.ClusterConditions {
		return &s.ClusterConditions
	})
	tt.Status.Clusters = nil
	for _, c := range tt.Spec.Clusters {
		st := convoyv1alpha1.ClusterTrafficStatus{
			ClusterConditions: convoyv1alpha1.ClusterConditions{Name: c.Name, Conditions: previous[c.Name]},
			DesiredWeight:     c.Weight,
		}
		conditions.Set(&st.Conditions, tt.Generation, convoyv1alpha1.ConditionReady, status, reason, message)
		tt.Status.Clusters = append(tt.Status.Clusters, st)
	}
	if managed {
		conditions.MarkStalled(&tt.Status.Conditions, tt.Generation, reason, message)
	} else {
		conditions.MarkReady(&tt.Status.Conditions, tt.Generation, reason, message)
	}
	tt.Status.ObservedGeneration = tt.Generation
	if equality.Semantic.DeepEqual(before.Status, tt.Status) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.Status().Patch(ctx, tt, client.MergeFrom(before))
}

// SetupWithManager registers the reconciler on TrafficTargets.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).Named("traffic").For(&convoyv1alpha1.TrafficTarget{}).Complete(r)
}
