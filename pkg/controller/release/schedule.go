package release

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/placement"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/roles"
	"github.com/convoy-rollouts/convoy/pkg/tenancy"
	"github.com/convoy-rollouts/convoy/pkg/workload"
)

// schedule chooses the Release's clusters, unless its targets already
// record them (placement is sticky for a Release's life), checks that the
// source renders, and creates the targets.
func (r *Reconciler) schedule(ctx context.Context, rel *convoyv1alpha1.Release) error {
	it := &convoyv1alpha1.InstallationTarget{}
	err := r.Get(ctx, client.ObjectKeyFromObject(rel), it)
	if err == nil {
		if !metav1.IsControlledBy(it, rel) {
			return render.Errorf("WrongOwner", "InstallationTarget %s exists but belongs to another object", it.Name)
		}
		markScheduled(rel, it.Spec.Clusters)
		if err := r.formWaves(ctx, rel, it.Spec.Clusters); err != nil {
			return err
		}
		// A target lost since (deleted by hand, or never created because
		// the manager died half-way) is re-created on every reconcile (I4),
		// and the strategy moves it from there.
		return r.createMissingTargets(ctx, rel, it.Spec.Clusters, false)
	}
	if !apierrors.IsNotFound(err) {
		return err
	}

	clusters, err := r.place(ctx, rel)
	if err != nil {
		return err
	}
	// Waves that cannot be formed stop the release before anything is
	// installed.
	if err := r.formWaves(ctx, rel, clusters); err != nil {
		return err
	}
	if err := r.createMissingTargets(ctx, rel, clusters, true); err != nil {
		return err
	}
	r.Recorder.Eventf(rel, nil, corev1.EventTypeNormal, "ClustersSelected", "Schedule", "scheduled on %s", strings.Join(clusters, ", "))
	markScheduled(rel, clusters)
	return nil
}

// createMissingTargets creates those of the release's three targets that do
// not exist (all of them when scheduling), rendering the source only when
// a CapacityTarget has to be made.
func (r *Reconciler) createMissingTargets(ctx context.Context, rel *convoyv1alpha1.Release, clusters []string, all bool) error {
	var missing []client.Object
	needReplicas := false
	for _, target := range targetsFor(rel, clusters) {
		if !all {
			err := r.Get(ctx, client.ObjectKeyFromObject(target), target.DeepCopyObject().(client.Object))
			if err == nil {
				continue
			}
			if !apierrors.IsNotFound(err) {
				return err
			}
		}
		_, isCapacity := target.(*convoyv1alpha1.CapacityTarget)
		needReplicas = needReplicas || isCapacity
		missing = append(missing, target)
	}
	if len(missing) == 0 {
		return nil
	}
	sets, err := r.valueSets(ctx, rel, clusters)
	if err != nil {
		return err
	}
	var replicas map[string]fullSize
	if needReplicas {
		var err error
		if replicas, err = r.replicasIn(ctx, rel, clusters, sets); err != nil {
			return err
		}
	}
	// The targets are created at once: three round trips one after the
	// other were most of a new release's first reconcile.
	errs := make([]error, len(missing))
	var wg sync.WaitGroup
	for i, target := range missing {
		if it, ok := target.(*convoyv1alpha1.InstallationTarget); ok {
			it.Spec.ClusterValues = sets
		}
		if ct, ok := target.(*convoyv1alpha1.CapacityTarget); ok {
			for c := range ct.Spec.Clusters {
				size := replicas[ct.Spec.Clusters[c].Name]
				ct.Spec.Clusters[c].TotalReplicaCount, ct.Spec.Clusters[c].Autoscaler = size.replicas, size.autoscaler
				if !all {
					// A lost CapacityTarget comes back at full capacity, not
					// at zero: its Deployments may be serving, and a
					// re-creation must never take running pods away. The
					// strategy lowers it in the safe order.
					ct.Spec.Clusters[c].Percent = 100
				}
			}
		}
		if err := controllerutil.SetControllerReference(rel, target, r.Scheme()); err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.createTarget(ctx, rel, target, all)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// createTarget creates one missing target; one that exists already was
// not missing, only not in the cache yet.
func (r *Reconciler) createTarget(ctx context.Context, rel *convoyv1alpha1.Release, target client.Object, all bool) error {
	err := r.Create(ctx, target)
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating %T %s: %w", target, target.GetName(), err)
	}
	if !all {
		r.Recorder.Eventf(rel, target, corev1.EventTypeWarning, ReasonTargetMissing, "Schedule", "re-created the missing %T %s", target, target.GetName())
	}
	return nil
}

func markScheduled(rel *convoyv1alpha1.Release, clusters []string) {
	conditions.Set(&rel.Status.Conditions, rel.Generation, convoyv1alpha1.ConditionScheduled, metav1.ConditionTrue, "ClustersSelected",
		"scheduled on "+strings.Join(clusters, ", "))
}

// candidates are the registered Clusters as placement sees them.
func (r *Reconciler) candidates(ctx context.Context) ([]placement.Candidate, error) {
	list := &convoyv1alpha1.ClusterList{}
	if err := r.List(ctx, list); err != nil {
		return nil, fmt.Errorf("listing clusters: %w", err)
	}
	candidates := make([]placement.Candidate, 0, len(list.Items))
	for _, c := range list.Items {
		weight := int32(0)
		if c.Spec.Scheduling.Weight != nil {
			weight = *c.Spec.Scheduling.Weight
		}
		candidates = append(candidates, placement.Candidate{
			Name: c.Name, Region: c.Spec.Region, Capabilities: c.Spec.Capabilities, Labels: c.Labels,
			Unschedulable: c.Spec.Scheduling.Unschedulable || !c.DeletionTimestamp.IsZero(), Weight: weight,
		})
	}
	return candidates, nil
}

// place runs placement over the registered Clusters.
func (r *Reconciler) place(ctx context.Context, rel *convoyv1alpha1.Release) ([]string, error) {
	candidates, err := r.candidates(ctx)
	if err != nil {
		return nil, err
	}
	reqs := rel.Spec.Environment.ClusterRequirements
	regions := make([]placement.Requirement, 0, len(reqs.Regions))
	for _, region := range reqs.Regions {
		n := 1
		if region.Clusters != nil {
			n = int(*region.Clusters)
		}
		regions = append(regions, placement.Requirement{Region: region.Name, Clusters: n})
	}
	app := rel.Labels[convoyv1alpha1.LabelApplication]
	return placement.Place(rel.Namespace+"/"+app, regions, reqs.Capabilities, reqs.Selector, candidates)
}

// ReasonInvalidOverrides: the Application's values overrides cannot be
// merged (values that are not an object).
const ReasonInvalidOverrides = "InvalidOverrides"

// valueSets are the release's values in the clusters its overrides give
// other values (placement.ValueSets).
func (r *Reconciler) valueSets(ctx context.Context, rel *convoyv1alpha1.Release, clusters []string) ([]convoyv1alpha1.ClusterValues, error) {
	env := rel.Spec.Environment
	if len(env.Overrides) == 0 {
		return nil, nil
	}
	candidates, err := r.candidates(ctx)
	if err != nil {
		return nil, err
	}
	sets, err := placement.ValueSets("spec.environment.overrides", env.Values, env.Overrides, clusters, candidates)
	if err != nil {
		return nil, render.Errorf(ReasonInvalidOverrides, "%v", err)
	}
	return sets, nil
}

// fullSize is a release's size at full capacity in one cluster.
type fullSize struct {
	replicas   int32
	autoscaler *convoyv1alpha1.AutoscalerBounds
}

// replicasIn is each cluster's size at full capacity: the workload's own
// in every cluster (rendered once per set of values), or the Application's
// spread of a total by cluster weight. A workload with an autoscaler is as
// big as the incumbent's autoscaler asks for when the rollout starts
// (reference), or its minimum for a first release.
func (r *Reconciler) replicasIn(ctx context.Context, rel *convoyv1alpha1.Release, clusters []string, sets []convoyv1alpha1.ClusterValues) (map[string]fullSize, error) {
	size, err := r.renderedSize(ctx, rel, rel.Spec.Environment.Values)
	if err != nil {
		return nil, err
	}
	out := make(map[string]fullSize, len(clusters))
	if spread := rel.Spec.Environment.ClusterRequirements.Spread; spread != nil {
		if size.autoscaler != nil {
			return nil, render.Errorf(ReasonInvalidAutoscaler, "spec.environment.clusterRequirements.spread sizes the release by a replica count and its HorizontalPodAutoscaler by load: use one of them")
		}
		candidates, err := r.candidates(ctx)
		if err != nil {
			return nil, err
		}
		replicas, err := placement.Spread(spread.TotalReplicas, clusters, candidates)
		if err != nil {
			return nil, err
		}
		for c, n := range replicas {
			out[c] = fullSize{replicas: n}
		}
		return out, nil
	}
	for _, c := range clusters {
		out[c] = size
	}
	for _, set := range sets {
		size, err := r.renderedSize(ctx, rel, set.Values)
		if err != nil {
			return nil, fmt.Errorf("in %s: %w", strings.Join(set.Clusters, ", "), err)
		}
		for _, c := range set.Clusters {
			out[c] = size
		}
	}
	return out, r.referenceSizes(ctx, rel, out)
}

// referenceSizes sets the full size of an autoscaled release in each
// cluster to what the incumbent's autoscaler asks for there now, within
// the new release's bounds: the rollout then moves the load the incumbent
// carries, not the minimum the chart names.
func (r *Reconciler) referenceSizes(ctx context.Context, rel *convoyv1alpha1.Release, sizes map[string]fullSize) error {
	siblings, err := r.siblingsOf(ctx, rel)
	if err != nil {
		return err
	}
	incumbent := roles.Of(siblings).Incumbent
	if incumbent == nil || incumbent.Name == rel.Name {
		return nil
	}
	ct := &convoyv1alpha1.CapacityTarget{}
	if err := r.Get(ctx, client.ObjectKeyFromObject(incumbent), ct); err != nil {
		return client.IgnoreNotFound(err)
	}
	for _, st := range ct.Status.Clusters {
		size, ok := sizes[st.Name]
		if !ok || size.autoscaler == nil || st.Autoscaler == nil || st.Autoscaler.DesiredReplicas == 0 {
			continue
		}
		size.replicas = min(max(st.Autoscaler.DesiredReplicas, size.autoscaler.MinReplicas), size.autoscaler.MaxReplicas)
		sizes[st.Name] = size
	}
	return nil
}

// renderedSize renders the source and reads the size of its workload at
// full capacity: its Deployment's replicas, or its autoscaler's bounds
// with the minimum as the replicas. A source that does not render, or
// renders an object outside the Application's namespace (tenancy.Confine),
// stops here, before anything is installed anywhere.
func (r *Reconciler) renderedSize(ctx context.Context, rel *convoyv1alpha1.Release, values *apiextensionsv1.JSON) (fullSize, error) {
	creds, err := render.LoadCredentials(ctx, r.APIReader, rel.Namespace, rel.Spec.Environment.Source)
	if err != nil {
		return fullSize{}, err
	}
	out, err := r.Renderer.Render(ctx, render.Request{
		ReleaseName: rel.Name, Namespace: rel.Namespace,
		Source: rel.Spec.Environment.Source, Values: valuesOf(values),
		Credentials: creds,
	})
	if err != nil {
		return fullSize{}, err
	}
	objs, err := tenancy.Confine(out.Objects, rel.Namespace)
	if err != nil {
		return fullSize{}, err
	}
	var workloads []*unstructured.Unstructured
	for _, obj := range objs {
		if workload.IsDeployment(obj) {
			workloads = append(workloads, obj)
		}
	}
	if len(workloads) == 0 {
		return fullSize{}, render.Errorf("NoWorkload", "the source renders no apps/v1 Deployment: convoy needs one to scale")
	}
	if len(workloads) > 1 {
		names := make([]string, 0, len(workloads))
		for _, obj := range workloads {
			names = append(names, obj.GetName())
		}
		slices.Sort(names)
		return fullSize{}, render.Errorf("TooManyWorkloads", "the source renders %d Deployments (%s): convoy scales exactly one per release",
			len(workloads), strings.Join(names, ", "))
	}
	dep := workloads[0]
	hpa, err := workload.AutoscalerOf(objs, dep.GetName())
	if err != nil {
		return fullSize{}, render.Errorf(ReasonInvalidAutoscaler, "%v", err)
	}
	if hpa != nil {
		return fullSize{replicas: hpa.MinReplicas, autoscaler: &convoyv1alpha1.AutoscalerBounds{MinReplicas: hpa.MinReplicas, MaxReplicas: hpa.MaxReplicas}}, nil
	}
	replicas, found, _ := unstructured.NestedInt64(dep.Object, "spec", "replicas")
	if !found {
		replicas = 1 // the Deployment default
	}
	return fullSize{replicas: int32(replicas)}, nil
}

// ReasonInvalidAutoscaler: the source's HorizontalPodAutoscalers of its
// Deployment cannot size it (several of them, or bounds out of order).
const ReasonInvalidAutoscaler = "InvalidAutoscaler"
