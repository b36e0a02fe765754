package application

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
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
	steps, err := strategies.Steps(env.Strategy)
	if err != nil {
		return env, render.Errorf("InvalidStrategy", "spec.template.strategy: %v", err)
	}
	env.Strategy = convoyv1alpha1.Strategy{Steps: steps}
	creds, err := render.LoadCredentials(ctx, r.APIReader, app.Namespace, env.Source)
	if err != nil {
		return env, err
	}
	env.Source, err = r.Resolver.Resolve(ctx, env.Source, creds)
	return env, err
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
