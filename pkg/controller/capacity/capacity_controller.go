// Package capacity reconciles CapacityTargets: in each cluster it scales the
// release's Deployment to its share of the full replica count and judges
// whether the pods are there and healthy, saying why not in terms a person
// can act on.
package capacity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/health"
	"github.com/convoy-rollouts/convoy/pkg/statuspatch"
	"github.com/convoy-rollouts/convoy/pkg/tenancy"
	"github.com/convoy-rollouts/convoy/strategies"
)

// recheck is how soon a target that is not ready yet is looked at again
// when no event from its clusters arrives first.
const recheck = 30 * time.Second

// Reconciler reconciles CapacityTargets.
type Reconciler struct {
	client.Client
	Clusters *clusters.Store
	// Tenancy says which ServiceAccount each release's scaling impersonates.
	Tenancy clusters.Tenancy

	// progress spaces out the status writes that only report progress
	// (SetupWithManager makes it; without it every change is written).
	progress *statuspatch.Coalescer
}

type clusterCapacity struct {
	desired, available int32
	verdict            verdict
	autoscaler         *convoyv1alpha1.AutoscalerStatus
}

// Reconcile scales and judges the target's release in every cluster at
// once, each cluster bounded by its own timeout, and writes the status once.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ct := &convoyv1alpha1.CapacityTarget{}
	if err := r.Get(ctx, req.NamespacedName, ct); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !ct.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	patcher := statuspatch.New(ct)
	results := make([]clusterCapacity, len(ct.Spec.Clusters))
	var wg sync.WaitGroup
	for i, target := range ct.Spec.Clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 2*clusters.RequestTimeout)
			defer cancel()
			results[i] = r.scaleIn(cctx, ct, target)
		}()
	}
	wg.Wait()

	allReady := summarize(ct, results)
	logChanges(ctrl.LoggerFrom(ctx), patcher.Before().(*convoyv1alpha1.CapacityTarget), ct)
	before := patcher.Before().(*convoyv1alpha1.CapacityTarget)
	if _, err := patcher.Patch(ctx, r.Client, ct, statuspatch.Coalesce(r.progress, progressOnly(before, ct))); err != nil {
		return ctrl.Result{}, err
	}
	if deferred := patcher.Deferred(); deferred > 0 {
		return ctrl.Result{RequeueAfter: min(deferred, recheck)}, nil
	}
	if allReady {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{RequeueAfter: recheck}, nil
}

// scaleIn sets the release's Deployment in one cluster to the desired
// replicas and judges it.
func (r *Reconciler) scaleIn(ctx context.Context, ct *convoyv1alpha1.CapacityTarget, target convoyv1alpha1.ClusterCapacityTarget) (res clusterCapacity) {
	desired := strategies.Replicas(target.TotalReplicaCount, target.Percent)
	res = clusterCapacity{desired: desired}
	// The cluster's cache keeps answering from memory when the cluster
	// is gone: its health probe is what tells.
	if down := r.unreachable(ctx, target.Name); down != nil {
		res.verdict = *down
		return res
	}
	cache, err := r.Clusters.Cache(ctx, target.Name)
	if err != nil {
		res.verdict = unreachable(err)
		return res
	}
	dep, anchor, foreign, notFound := r.releaseDeployment(ctx, cache, ct)
	// Whatever the verdict, it names the Deployments ignored.
	defer func() { res.verdict.message += foreign }()
	if notFound != nil {
		res.verdict = *notFound
		return res
	}

	res.available = dep.Status.AvailableReplicas
	if target.Autoscaler != nil && target.Percent > 0 {
		var v *verdict
		res.desired, res.autoscaler, v = r.autoscaled(ctx, cache, ct, target, dep, anchor)
		if v != nil {
			res.verdict = *v
			return res
		}
		desired = res.desired
	} else if dep.Spec.Replicas == nil || *dep.Spec.Replicas != desired {
		res.verdict = r.scale(ctx, ct, target.Name, dep, desired)
		return res
	}
	pods := &corev1.PodList{}
	if err := cache.List(ctx, pods, client.InNamespace(dep.Namespace), clusters.OfRelease(ct.Name)); err != nil {
		res.verdict = unreachable(err)
		return res
	}
	res.verdict = judge(dep, pods.Items, desired)
	return res
}

// releaseDeployment finds the release's Deployment (and the anchor that
// owns it) in one cluster through
// the release's anchor there: the Deployment owned by the anchor that the
// release's InstallationTarget made, in the release's namespace. Labels
// alone prove nothing, since anyone who may label objects in the cluster
// can copy them: a Deployment labelled as the release's but not owned by
// its anchor is neither scaled nor counted, and foreign names it for the
// condition. A nil verdict means dep was found.
func (r *Reconciler) releaseDeployment(ctx context.Context, c cache.Cache, ct *convoyv1alpha1.CapacityTarget) (dep *appsv1.Deployment, anchor *corev1.ConfigMap, foreign string, v *verdict) {
	waiting := &verdict{reason: health.ReasonDeploymentNotFound, message: fmt.Sprintf("no Deployment of release %s in the cluster yet: waiting for its installation", ct.Name)}
	it := &convoyv1alpha1.InstallationTarget{}
	if err := r.Get(ctx, client.ObjectKeyFromObject(ct), it); err != nil {
		return nil, nil, "", waiting
	}
	owner := tenancy.OwnerOfTarget(it)
	anchor = &corev1.ConfigMap{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: owner.Namespace, Name: tenancy.AnchorName(ct.Name)}, anchor); err != nil || !owner.IsAnchor(anchor, it.UID) {
		return nil, nil, "", waiting
	}
	deps := &appsv1.DeploymentList{}
	if err := c.List(ctx, deps, clusters.OfRelease(ct.Name)); err != nil {
		u := unreachable(err)
		return nil, nil, "", &u
	}
	var owned, ignored []string
	for i := range deps.Items {
		d := &deps.Items[i]
		name := d.Namespace + "/" + d.Name
		if d.Namespace != owner.Namespace || !tenancy.OwnedBy(d, anchor.UID) {
			ignored = append(ignored, name)
			continue
		}
		owned = append(owned, name)
		dep = d
	}
	if len(ignored) > 0 {
		slices.Sort(ignored)
		foreign = fmt.Sprintf("; ignored %s labelled as release %s's but not owned by its anchor %s/%s",
			strings.Join(ignored, ", "), ct.Name, anchor.Namespace, anchor.Name)
	}
	switch len(owned) {
	case 0:
		return nil, nil, foreign, waiting
	case 1:
		return dep, anchor, foreign, nil
	}
	slices.Sort(owned)
	return nil, nil, foreign, &verdict{reason: health.ReasonTooManyDeployments, message: fmt.Sprintf("release %s has %d Deployments (%s): convoy scales exactly one", ct.Name, len(owned), strings.Join(owned, ", "))}
}

// scale patches spec.replicas as the capacity field manager, the one owner
// of that field.
func (r *Reconciler) scale(ctx context.Context, ct *convoyv1alpha1.CapacityTarget, cluster string, dep *appsv1.Deployment, desired int32) verdict {
	c, v := r.clientFor(ctx, ct, cluster)
	if v != nil {
		return *v
	}
	from := int32(1)
	if dep.Spec.Replicas != nil {
		from = *dep.Spec.Replicas
	}
	patched := dep.DeepCopy()
	patched.Spec.Replicas = &desired
	if err := c.Patch(ctx, patched, client.MergeFrom(dep), client.FieldOwner(clusters.CapacityFieldManager)); err != nil {
		if clusters.IsUnreachable(err) {
			return unreachable(err)
		}
		return verdict{reason: health.ReasonScaling, message: fmt.Sprintf("scaling Deployment %s from %d to %d: %v", dep.Name, from, desired, err)}
	}
	return verdict{reason: health.ReasonScaling, message: fmt.Sprintf("scaling Deployment %s from %d to %d replicas", dep.Name, from, desired)}
}

// clientFor is a client of the cluster acting as the release's
// ServiceAccount, in the release's own namespace, as installing does.
func (r *Reconciler) clientFor(ctx context.Context, ct *convoyv1alpha1.CapacityTarget, cluster string) (client.Client, *verdict) {
	id, err := r.Tenancy.Identity(ct.Namespace, ct.Spec.ServiceAccountName)
	if err != nil {
		return nil, &verdict{reason: clusters.ReasonServiceAccountRequired, message: err.Error()}
	}
	c, err := r.Clusters.ClientAs(ctx, cluster, id)
	if err != nil {
		u := unreachable(err)
		return nil, &u
	}
	return c, nil
}

// unreachable is the verdict for a cluster whose last health probe failed,
// nil for one that answered (or was not probed yet).
func (r *Reconciler) unreachable(ctx context.Context, name string) *verdict {
	cluster := &convoyv1alpha1.Cluster{}
	if err := r.Get(ctx, client.ObjectKey{Name: name}, cluster); err != nil {
		return nil // Clusters.Cache says what is wrong with it
	}
	c := meta.FindStatusCondition(cluster.Status.Conditions, convoyv1alpha1.ConditionReachable)
	if c == nil || c.Status != metav1.ConditionFalse {
		return nil
	}
	return &verdict{reason: string(clusters.ReasonClusterUnreachable), message: fmt.Sprintf("cluster %s is unreachable since %s: %s", name, c.LastTransitionTime.UTC().Format(time.RFC3339), c.Message)}
}

func unreachable(err error) verdict {
	return verdict{reason: string(clusters.ReasonOf(err)), message: err.Error()}
}

// logChanges logs each cluster whose capacity verdict changed, with the
// cluster and the step's percent, for people reading logs rather than
// status.
func logChanges(log logr.Logger, before, after *convoyv1alpha1.CapacityTarget) {
	was := map[string]string{}
	for _, st := range before.Status.Clusters {
		if c := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionReady); c != nil {
			was[st.Name] = c.Reason
		}
	}
	for i, st := range after.Status.Clusters {
		c := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionReady)
		if c == nil || was[st.Name] == c.Reason {
			continue
		}
		log.Info("capacity "+strings.ToLower(string(c.Status)), "cluster", st.Name, "percent", after.Spec.Clusters[i].Percent,
			"available", st.AvailableReplicas, "desired", st.DesiredReplicas, "reason", c.Reason, "message", c.Message)
	}
}

// summarize writes each cluster's capacity and the target's conditions, and
// reports whether every cluster is ready.
func summarize(ct *convoyv1alpha1.CapacityTarget, results []clusterCapacity) bool {
	gen := ct.Generation
	previous := conditions.ByCluster(ct.Status.Clusters, func(s *convoyv1alpha1.ClusterCapacityStatus) *convoyv1alpha1.ClusterConditions {
		return &s.ClusterConditions
	})
	lastSeen := map[string]int32{}
	for _, st := range ct.Status.Clusters {
		lastSeen[st.Name] = st.AvailableReplicas
	}
	ct.Status.Clusters = nil
	var pending []string
	for i, target := range ct.Spec.Clusters {
		res := results[i]
		if health.Blind(res.verdict.reason) && res.available == 0 {
			// convoy cannot see the cluster, not its pods gone: keep the
			// count last seen, which the traffic gate's freeze relies on
			// (see the traffic package) rather than a 0 nobody measured.
			res.available = lastSeen[target.Name]
			res.verdict.message += fmt.Sprintf(" (%d pods available when last seen)", res.available)
		}
		st := convoyv1alpha1.ClusterCapacityStatus{
			ClusterConditions: convoyv1alpha1.ClusterConditions{Name: target.Name, Conditions: previous[target.Name]},
			DesiredReplicas:   res.desired,
			AvailableReplicas: res.available,
			Autoscaler:        res.autoscaler,
		}
		if target.TotalReplicaCount > 0 {
			// Rounded up, like the replica count it mirrors.
			st.AchievedPercent = min(100, (res.available*100+target.TotalReplicaCount-1)/target.TotalReplicaCount)
		}
		status := metav1.ConditionFalse
		if res.verdict.ready {
			status = metav1.ConditionTrue
		} else {
			pending = append(pending, target.Name+": "+res.verdict.message)
		}
		conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionReady, status, res.verdict.reason, res.verdict.message)
		ct.Status.Clusters = append(ct.Status.Clusters, st)
	}
	if len(pending) == 0 {
		conditions.MarkReady(&ct.Status.Conditions, gen, health.ReasonAvailable, fmt.Sprintf("capacity achieved in %d/%d clusters", len(results), len(results)))
		return true
	}
	conditions.MarkReconciling(&ct.Status.Conditions, gen, health.ReasonClustersNotReady,
		fmt.Sprintf("capacity achieved in %d/%d clusters; %s", len(results)-len(pending), len(results), strings.Join(pending, "; ")))
	return false
}
