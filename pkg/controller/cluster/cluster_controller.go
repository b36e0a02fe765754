// Package cluster checks the health of application clusters: every Cluster
// is probed periodically with convoy's own credentials for it, and its
// status says whether it is reachable, its Kubernetes version and, when
// not, why. A cluster turning unreachable or reachable again gets an event,
// and the cluster_reachable metric follows it.
//
// A cluster counts as unreachable only after UnreachableThreshold
// consecutive failed probes (status.consecutiveProbeFailures): a probe is
// evidence about the control plane, and a kube-apiserver that is slow for
// one probe, restarted by a managed upgrade or cut off by a network blip
// says nothing about the pods serving traffic. Below the threshold the
// Reachable condition keeps its status and says, with reason ProbeFailing,
// that probes fail. What unreachable then means for traffic (frozen
// weights, not zeroed ones) is the traffic package's rule.
package cluster

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
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
	"github.com/convoy-rollouts/convoy/pkg/statuspatch"
)

// DefaultInterval is how often a cluster is probed.
const DefaultInterval = 30 * time.Second

// probeRefresh is how often LastProbeTime is written when nothing else
// changed: an idle manager writes nothing, so this is rare; each probe is
// seen in convoy_cluster_reachable, and a failed one in events.
const probeRefresh = time.Hour

// DefaultUnreachableThreshold is how many consecutive probes must fail
// before a cluster counts as unreachable.
const DefaultUnreachableThreshold = 3

// Reasons of a Cluster's conditions.
const (
	ReasonReachable = "Reachable"
	// ReasonProbeFailing: the last probes failed, fewer than the threshold.
	ReasonProbeFailing = "ProbeFailing"
)

// Reconciler probes Clusters.
type Reconciler struct {
	client.Client
	Clusters *clusters.Store
	Recorder events.EventRecorder
	// Interval between probes; DefaultInterval when zero.
	Interval time.Duration
	// UnreachableThreshold is how many consecutive probes must fail before
	// the cluster counts as unreachable; DefaultUnreachableThreshold when
	// zero.
	UnreachableThreshold int32
}

// Reconcile probes one cluster and writes its status when it changed.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cluster := &convoyv1alpha1.Cluster{}
	if err := r.Get(ctx, req.NamespacedName, cluster); err != nil {
		rolloutmetrics.ForgetCluster(req.Name)
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	patcher := statuspatch.New(cluster)
	wasReachable := conditions.IsTrue(cluster.Status.Conditions, convoyv1alpha1.ConditionReachable)
	hadStatus := len(cluster.Status.Conditions) > 0

	probeCtx, cancel := context.WithTimeout(ctx, clusters.RequestTimeout)
	version, err := r.Clusters.ServerVersion(probeCtx, cluster.Name)
	cancel()
	st := &cluster.Status
	reachable := record(st, cluster.Generation, version, err, r.threshold())
	rolloutmetrics.SetClusterReachable(cluster.Name, reachable)
	log := ctrl.LoggerFrom(ctx)
	switch {
	case err == nil && hadStatus && !wasReachable:
		log.Info("cluster reachable again", "version", version)
		r.Recorder.Eventf(cluster, nil, corev1.EventTypeNormal, "ClusterReachable", "Probe", "cluster %s is reachable again (Kubernetes %s)", cluster.Name, version)
	case err != nil && st.ConsecutiveProbeFailures == r.threshold():
		log.Info("cluster unreachable", "failures", st.ConsecutiveProbeFailures, "error", err.Error())
		r.Recorder.Eventf(cluster, nil, corev1.EventTypeWarning, "ClusterUnreachable", "Probe", "cluster %s is unreachable after %d failed probes: %v", cluster.Name, st.ConsecutiveProbeFailures, err)
	case err != nil && st.ConsecutiveProbeFailures < r.threshold():
		log.Info("cluster probe failed", "failures", st.ConsecutiveProbeFailures, "threshold", r.threshold(), "error", err.Error())
		r.Recorder.Eventf(cluster, nil, corev1.EventTypeWarning, "ProbeFailed", "Probe", "probe %d of %d before cluster %s counts as unreachable failed: %v", st.ConsecutiveProbeFailures, r.threshold(), cluster.Name, err)
	}

	now := metav1.Now()
	if patcher.Changed(cluster) || st.LastProbeTime == nil || now.Sub(st.LastProbeTime.Time) >= probeRefresh {
		st.LastProbeTime = &now
		if _, err := patcher.Patch(ctx, r.Client, cluster); client.IgnoreNotFound(err) != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{RequeueAfter: r.interval()}, nil
}

// record writes one probe's outcome into the status and says whether the
// cluster counts as reachable: a failed probe counts, and only threshold
// failures in a row turn Reachable False. Below it Reachable keeps its
// status (True, or Unknown for a cluster never seen) with the failure in
// its message, and Ready is left as it was.
func record(st *convoyv1alpha1.ClusterStatus, gen int64, version string, err error, threshold int32) bool {
	if err == nil {
		st.ConsecutiveProbeFailures = 0
		st.ServerVersion = version
		conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionReachable, metav1.ConditionTrue, ReasonReachable, "the API server answers, Kubernetes "+version)
		conditions.MarkReady(&st.Conditions, gen, ReasonReachable, "reachable with convoy's credentials, Kubernetes "+version)
		return true
	}
	st.ConsecutiveProbeFailures++
	if st.ConsecutiveProbeFailures >= threshold {
		reason := string(clusters.ReasonOf(err))
		message := fmt.Sprintf("%d consecutive probes failed, the last: %v", st.ConsecutiveProbeFailures, err)
		conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionReachable, metav1.ConditionFalse, reason, message)
		conditions.MarkReconciling(&st.Conditions, gen, reason, message)
		return false
	}
	status := metav1.ConditionUnknown
	if c := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionReachable); c != nil && c.Status == metav1.ConditionTrue {
		status = metav1.ConditionTrue
	}
	conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionReachable, status, ReasonProbeFailing,
		fmt.Sprintf("%d of %d probes failed before the cluster counts as unreachable, the last: %v", st.ConsecutiveProbeFailures, threshold, err))
	return status == metav1.ConditionTrue
}

func (r *Reconciler) threshold() int32 {
	if r.UnreachableThreshold > 0 {
		return r.UnreachableThreshold
	}
	return DefaultUnreachableThreshold
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
