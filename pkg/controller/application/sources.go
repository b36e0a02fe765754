package application

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/analysis"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/roles"
	"github.com/convoy-rollouts/convoy/pkg/rolloutblock"
	"github.com/convoy-rollouts/convoy/strategies"
)

// pin returns the Release environment for the Application's template: the
// source resolved to an exact chart version or git commit, and a preset
// expanded into its steps, so the Release never changes under a rollout.
func (r *Reconciler) pin(ctx context.Context, app *convoyv1alpha1.Application) (convoyv1alpha1.ReleaseEnvironment, error) {
	env := *app.Spec.Template.DeepCopy()
	strategy, err := strategies.Pin(env.Strategy, env.ClusterRequirements.RegionNames())
	if err != nil {
		return env, render.Errorf("InvalidStrategy", "spec.template.strategy: %v", err)
	}
	env.Strategy = strategy
	if err := env.ClusterRequirements.Selector.Validate("spec.template.clusterRequirements.selector"); err != nil {
		return env, render.Errorf("InvalidClusterRequirements", "%v", err)
	}
	if err := r.resolveChecks(ctx, app.Namespace, env.Strategy.Steps); err != nil {
		return env, err
	}
	creds, err := render.LoadCredentials(ctx, r.APIReader, app.Namespace, env.Source)
	if err != nil {
		return env, fmt.Errorf("resolving the source: %w", err)
	}
	env.Source, err = r.Resolver.Resolve(ctx, env.Source, creds)
	if err != nil {
		return env, fmt.Errorf("resolving the source: %w", err)
	}
	return env, nil
}

// Reasons an Application's analysis checks stop a new release.
const (
	ReasonAnalysisTemplateNotFound = "AnalysisTemplateNotFound"
	ReasonInvalidAnalysis          = "InvalidAnalysis"
)

// resolveChecks inlines in each check the spec of the AnalysisTemplate it
// names, from the Application's namespace only, so the Release keeps its
// checks as they were when it was made; then it checks every check as the
// release controller will run it (pkg/analysis.Validate).
func (r *Reconciler) resolveChecks(ctx context.Context, ns string, steps []convoyv1alpha1.StrategyStep) error {
	for i := range steps {
		for j := range steps[i].Analysis {
			check := &steps[i].Analysis[j]
			field := fmt.Sprintf("spec.template.strategy.steps[%d].analysis[%d] (%s)", i, j, check.Name)
			if check.TemplateRef != "" {
				tmpl := &convoyv1alpha1.AnalysisTemplate{}
				if err := r.Get(ctx, client.ObjectKey{Namespace: ns, Name: check.TemplateRef}, tmpl); err != nil {
					if apierrors.IsNotFound(err) {
						return render.Errorf(ReasonAnalysisTemplateNotFound, "%s: AnalysisTemplate %s not found in namespace %s", field, check.TemplateRef, ns)
					}
					return fmt.Errorf("%s: AnalysisTemplate %s/%s: %w", field, ns, check.TemplateRef, err)
				}
				check.AnalysisCheckSpec = tmpl.Spec.AnalysisCheckSpec
			}
			if err := analysis.Validate(check.AnalysisCheckSpec); err != nil {
				return render.Errorf(ReasonInvalidAnalysis, "%s: %v", field, err)
			}
		}
	}
	return nil
}

// releasesOf lists the Application's Releases, oldest first.
func (r *Reconciler) releasesOf(ctx context.Context, app *convoyv1alpha1.Application) ([]*convoyv1alpha1.Release, error) {
	list := &convoyv1alpha1.ReleaseList{}
	if err := r.List(ctx, list, client.InNamespace(app.Namespace), client.MatchingLabels{convoyv1alpha1.LabelApplication: app.Name}); err != nil {
		return nil, fmt.Errorf("listing releases: %w", err)
	}
	var rels []*convoyv1alpha1.Release
	for i := range list.Items {
		rel := &list.Items[i]
		if metav1.IsControlledBy(rel, app) {
			rels = append(rels, rel)
		}
	}
	roles.Sort(rels)
	return rels, nil
}

// activeBlocks are the RolloutBlocks that stop the Application.
func (r *Reconciler) activeBlocks(ctx context.Context, app *convoyv1alpha1.Application) ([]string, error) {
	var blocks []convoyv1alpha1.RolloutBlock
	for _, ns := range []string{app.Namespace, r.GlobalBlockNamespace} {
		list := &convoyv1alpha1.RolloutBlockList{}
		if err := r.List(ctx, list, client.InNamespace(ns)); err != nil {
			return nil, fmt.Errorf("listing rollout blocks in %s: %w", ns, err)
		}
		blocks = append(blocks, list.Items...)
		if ns == r.GlobalBlockNamespace {
			break
		}
	}
	return rolloutblock.Active(blocks, app.Namespace, r.GlobalBlockNamespace, rolloutblock.Overrides(app.Annotations, app.Namespace)), nil
}

// pruneHistory deletes the Releases history no longer needs, oldest first.
func (r *Reconciler) pruneHistory(ctx context.Context, app *convoyv1alpha1.Application, releases []*convoyv1alpha1.Release) error {
	rr := roles.Of(releases)
	contender, incumbent := rr.Contender, rr.Incumbent
	limit := 20
	if app.Spec.RevisionHistoryLimit != nil {
		limit = int(*app.Spec.RevisionHistoryLimit)
	}
	for _, rel := range expired(releases, contender, incumbent, limit) {
		if err := r.Delete(ctx, rel); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting expired release %s: %w", rel.Name, err)
		}
		r.Recorder.Eventf(app, rel, corev1.EventTypeNormal, "ReleaseDeleted", "PruneHistory", "deleted release %s: beyond the history limit of %d", rel.Name, limit)
	}
	return nil
}
