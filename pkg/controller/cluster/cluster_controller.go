// Package cluster checks the health of application clusters: every Cluster
// is probed periodically with convoy's own credentials for it, and its
// status says whether it is reachable, its Kubernetes version and, when
// not, why. A cluster turning unreachable or reachable again gets an event,
// and the cluster_reachable metric follows it.
package cluster

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/logging"
	"github.com/convoy-rollouts/convoy/pkg/rolloutmetrics"
)

// DefaultInterval is how often a cluster is probed.
const DefaultInterval = 30 * time.Second

// probeRefresh is how often LastProbeTime is written when nothing else
// changed: often enough to show the checks run, rarely enough that idle
// clusters cost no writes worth counting.
const probeRefresh = 5 * time.Minute

// Reasons of a Cluster's conditions.
const (
	ReasonReachable = "Reachable"
)

// Reconciler probes Clusters.
type Reconciler struct {
	client.Client
	Clusters *clusters.Store
	Recorder events.EventRecorder
	// Interval between probes; DefaultInterval when zero.
	Interval time.Duration
}

// Reconcile probes one cluster and writes its status when it changed.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cluster := &convoyv1alpha1.Cluster{}
	if err := r.Get(ctx, req.NamespacedName, cluster); err != nil {
		rolloutmetrics.ForgetCluster(req.Name)
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := cluster.DeepCopy()
	wasReachable := conditions.IsTrue(cluster.Status.Conditions, convoyv1alpha1.ConditionReachable)
	hadStatus := len(cluster.Status.Conditions) > 0

	probeCtx, cancel := context.WithTimeout(ctx, clusters.RequestTimeout)
	version, err := r.Clusters.ServerVersion(probeCtx, cluster.Name)
	cancel()
	st, gen := &cluster.Status, cluster.Generation
	if err == nil {
		st.ServerVersion = version
		conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionReachable, metav1.ConditionTrue, ReasonReachable, "the API server answers, Kubernetes "+version)
		conditions.MarkReady(&st.Conditions, gen, ReasonReachable, "reachable with convoy's credentials, Kubernetes "+version)
	} else {
		reason := string(clusters.ReasonOf(err))
		conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionReachable, metav1.ConditionFalse, reason, err.Error())
		conditions.MarkReconciling(&st.Conditions, gen, reason, err.Error())
	}
	st.ObservedGeneration = gen
	reachable := err == nil
	rolloutmetrics.SetClusterReachable(cluster.Name, reachable)
	switch {
	case reachable && hadStatus && !wasReachable:
		ctrl.LoggerFrom(ctx).Info("cluster reachable again", "version", version)
		r.Recorder.Eventf(cluster, nil, corev1.EventTypeNormal, "ClusterReachable", "Probe", "cluster %s is reachable again (Kubernetes %s)", cluster.Name, version)
	case !reachable && (wasReachable || !hadStatus):
		ctrl.LoggerFrom(ctx).Info("cluster unreachable", "error", err.Error())
		r.Recorder.Eventf(cluster, nil, corev1.EventTypeWarning, "ClusterUnreachable", "Probe", "cluster %s is unreachable: %v", cluster.Name, err)
	}

	now := metav1.Now()
	changed := !equality.Semantic.DeepEqual(before.Status, cluster.Status)
	if changed || st.LastProbeTime == nil || now.Sub(st.LastProbeTime.Time) >= probeRefresh {
		st.LastProbeTime = &now
		if err := r.Status().Patch(ctx, cluster, client.MergeFrom(before)); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	return ctrl.Result{RequeueAfter: r.interval()}, nil
}

func (r *Reconciler) interval() time.Duration {
	if r.Interval > 0 {
		return r.Interval
	}
	return DefaultInterval
}

// SetupWithManager registers the reconciler on Clusters.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	// Status writes are not changes to probe for: the probe itself requeues.
	return ctrl.NewControllerManagedBy(mgr).Named("cluster").
		WithLogConstructor(logging.Constructor(mgr, "cluster", "cluster")).
		For(&convoyv1alpha1.Cluster{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Complete(r)
}
