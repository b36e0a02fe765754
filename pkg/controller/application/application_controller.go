// Package application reconciles Applications: every change of an
// Application's template becomes a new Release (the contender), rollout
// blocks hold new Releases back, old Releases are pruned to the history
// limit, and the Application's status summarises its rollout.
package application

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/roles"
	"github.com/convoy-rollouts/convoy/pkg/statuspatch"
)

// Resolver pins a source's version (see render.Renderer).
type Resolver interface {
	Resolve(ctx context.Context, src convoyv1alpha1.Source, creds *render.Credentials) (convoyv1alpha1.Source, error)
}

// Reconciler reconciles Applications.
type Reconciler struct {
	client.Client
	// APIReader reads Secrets uncached: the manager never caches Secrets.
	APIReader client.Reader
	Resolver  Resolver
	Recorder  events.EventRecorder
	// GlobalBlockNamespace holds RolloutBlocks that apply everywhere.
	GlobalBlockNamespace string
}

// retryResolve is how soon a source that could not be resolved is tried
// again: a repository may publish the missing version at any time.
const retryResolve = time.Minute

// Reconcile creates a Release when the template changed, prunes history and
// writes the Application's status once.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	app := &convoyv1alpha1.Application{}
	if err := r.Get(ctx, req.NamespacedName, app); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !app.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil // the Releases go with it: they are owned
	}
	log.FromContext(ctx).V(1).Info("reconciling application")
	patcher := statuspatch.New(app)
	// Stalled is recomputed by every reconcile.
	meta.RemoveStatusCondition(&app.Status.Conditions, convoyv1alpha1.ConditionStalled)

	releases, err := r.releasesOf(ctx, app)
	if err != nil {
		return ctrl.Result{}, err
	}
	result, syncErr := r.syncContender(ctx, app, &releases)
	fetching := ""
	if render.IsPending(syncErr) {
		// The source is being fetched in the background: progress, not a
		// failure, so neither Stalled nor a Warning on every retry.
		fetching, result, syncErr = syncErr.Error(), ctrl.Result{RequeueAfter: render.PendingRetry}, nil
	}
	if syncErr == nil {
		syncErr = r.pruneHistory(ctx, app, releases)
	}
	summarize(app, releases, fetching)
	if _, err := patcher.Patch(ctx, r.Client, app); err != nil {
		return ctrl.Result{}, err
	}
	return result, syncErr
}

// syncContender makes the contender match the template: when the template
// changed since the newest Release and no rollout block applies, it creates
// a Release of the template with its source pinned.
func (r *Reconciler) syncContender(ctx context.Context, app *convoyv1alpha1.Application, releases *[]*convoyv1alpha1.Release) (ctrl.Result, error) {
	gen := app.Generation
	hash, err := templateHash(app.Spec.Template)
	if err != nil {
		conditions.MarkStalled(&app.Status.Conditions, gen, "InvalidTemplate", err.Error())
		return ctrl.Result{}, nil
	}
	contender := roles.Of(*releases).Contender
	if contender != nil && contender.Labels[convoyv1alpha1.LabelTemplateHash] == hash {
		conditions.Set(&app.Status.Conditions, gen, convoyv1alpha1.ConditionBlocked, metav1.ConditionFalse, "NotBlocked", "")
		return ctrl.Result{}, nil
	}

	blocks, err := r.activeBlocks(ctx, app)
	if err != nil {
		return ctrl.Result{}, err
	}
	if len(blocks) > 0 {
		msg := fmt.Sprintf("rollout blocked by %v: no new release until the blocks are removed or overridden with the %s annotation",
			blocks, convoyv1alpha1.AnnotationOverrideRolloutBlocks)
		conditions.Set(&app.Status.Conditions, gen, convoyv1alpha1.ConditionBlocked, metav1.ConditionTrue, "RolloutBlocked", msg)
		r.Recorder.Eventf(app, nil, corev1.EventTypeWarning, "RolloutBlocked", "CreateRelease", msg)
		return ctrl.Result{}, nil
	}
	conditions.Set(&app.Status.Conditions, gen, convoyv1alpha1.ConditionBlocked, metav1.ConditionFalse, "NotBlocked", "")

	env, err := r.pin(ctx, app)
	if render.IsPending(err) {
		return ctrl.Result{}, err // Reconcile comes back for it soon
	}
	if err != nil {
		reason := string(render.ReasonOf(err))
		conditions.MarkStalled(&app.Status.Conditions, gen, reason, "no new release: "+err.Error())
		r.Recorder.Eventf(app, nil, corev1.EventTypeWarning, reason, "CreateRelease", "no new release: %v", err)
		return ctrl.Result{RequeueAfter: retryResolve}, nil
	}

	nextGen := int64(1)
	if contender != nil {
		nextGen = max(generation(contender)+1, app.Status.ReleaseGeneration+1)
	}
	iter := nextIteration(*releases, hash)
	rel := newRelease(app, releaseName(app.Name, hash, iter), hash, nextGen, iter, env)
	if err := r.Create(ctx, rel); err != nil {
		if apierrors.IsInvalid(err) {
			conditions.MarkStalled(&app.Status.Conditions, gen, "InvalidRelease", err.Error())
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("creating release %s: %w", rel.Name, err)
	}
	app.Status.ReleaseGeneration = nextGen
	*releases = append(*releases, rel)
	r.Recorder.Eventf(app, rel, corev1.EventTypeNormal, "ReleaseCreated", "CreateRelease",
		"created release %s (generation %d) from template %s", rel.Name, nextGen, hash)
	return ctrl.Result{}, nil
}
