package installation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/tenancy"
	"github.com/convoy-rollouts/convoy/pkg/workload"
)

// Reasons a cluster's installation is not ready.
const (
	ReasonInstalled   = "Installed"
	ReasonConflict    = "Conflict"
	ReasonApplyFailed = "ApplyFailed"
)

type clusterResult struct {
	reason  string
	message string
	objects int
}

// conflictError is an object in the way that convoy must not overwrite.
type conflictError struct{ msg string }

func (e *conflictError) Error() string { return e.msg }

// clusterInstall is one reconcile's installation in one cluster: its
// client for writes and reads the cache cannot answer, and its cache of
// convoy's objects, which answers most reads without a request.
type clusterInstall struct {
	*Reconciler
	it      *convoyv1alpha1.InstallationTarget
	owner   tenancy.Owner
	cluster string
	// id is who client acts as: the release's ServiceAccount.
	id     clusters.Identity
	client client.Client
	cache  cache.Cache
	// corrected are the objects found changed and applied again.
	corrected []string
}

// installIn applies the objects to one cluster: a release new to the
// cluster is first tried whole as a dry run (tryWhole), then the namespace
// is made if needed, then the release's anchor, then every object in
// install order. An object of a
// kind the cluster knows as cluster-scoped (a custom resource's, which
// tenancy.Confine cannot know offline) refuses the release in the cluster
// before anything is applied there.
func (r *Reconciler) installIn(ctx context.Context, it *convoyv1alpha1.InstallationTarget, cluster string, objs []*unstructured.Unstructured) clusterResult {
	// Writes act as the release's ServiceAccount: the cluster's RBAC and
	// admission decide what it may install. Reads of convoy's objects
	// come from the agent's label-filtered cache.
	id, err := r.Tenancy.Identity(it.Namespace, it.Spec.ServiceAccountName)
	if err != nil {
		return clusterResult{reason: clusters.ReasonServiceAccountRequired, message: err.Error()}
	}
	c, err := r.Clusters.ClientAs(ctx, cluster, id)
	if err != nil {
		return clusterResult{reason: string(clusters.ReasonOf(err)), message: err.Error()}
	}
	objects, err := r.Clusters.Cache(ctx, cluster)
	if err != nil {
		return clusterResult{reason: string(clusters.ReasonOf(err)), message: err.Error()}
	}
	for _, obj := range objs {
		namespaced, err := c.IsObjectNamespaced(obj)
		if err != nil {
			return failure(fmt.Errorf("%s: %w", describe(obj), err))
		}
		if !namespaced {
			return clusterResult{reason: string(tenancy.ReasonClusterScoped), message: tenancy.ClusterScopedError(obj.GetKind(), obj.GetName(), it.Namespace).Error()}
		}
	}
	ci := &clusterInstall{Reconciler: r, it: it, owner: tenancy.OwnerOfTarget(it), cluster: cluster, id: id, client: c, cache: objects}
	if err := ci.tryWhole(ctx, objs); err != nil {
		return failure(err)
	}
	defer ci.reportDrift()
	anchors := map[string]*corev1.ConfigMap{}
	for _, obj := range objs {
		ns := obj.GetNamespace()
		if anchors[ns] == nil {
			anchor, err := ci.ensureAnchor(ctx, ns)
			if err != nil {
				return failure(err)
			}
			anchors[ns] = anchor
		}
		if err := ci.applyObject(ctx, obj.DeepCopy(), anchors[ns]); err != nil {
			return failure(fmt.Errorf("%s, as %s: %w", describe(obj), ci.id, err))
		}
	}
	message := fmt.Sprintf("%d objects installed", len(objs))
	if it.Spec.Idle {
		message += ", idle: nothing runs and no load balancer is held"
	}
	return clusterResult{reason: ReasonInstalled, message: message, objects: len(objs)}
}

func failure(err error) clusterResult {
	var conflict *conflictError
	if errors.As(err, &conflict) {
		return clusterResult{reason: ReasonConflict, message: err.Error()}
	}
	if clusters.IsUnreachable(err) {
		return clusterResult{reason: string(clusters.ReasonClusterUnreachable), message: err.Error()}
	}
	return clusterResult{reason: ReasonApplyFailed, message: err.Error()}
}

// tryWhole dry-runs a release new to the cluster, its anchor and every
// object, as the release's ServiceAccount: what the cluster's RBAC or
// admission refuses (a RoleBinding beyond the tenant's rights, a Pod its
// namespace's Pod Security level forbids) then refuses the release before
// any of it is written, so that a refused release leaves nothing behind.
// A release whose anchor exists was tried already. Acting as the agent
// (legacy clusters), the namespace may not exist yet, and nothing is tried.
func (ci *clusterInstall) tryWhole(ctx context.Context, objs []*unstructured.Unstructured) error {
	if ci.id.ServiceAccount == "" {
		return nil
	}
	key := client.ObjectKey{Namespace: ci.owner.Namespace, Name: tenancy.AnchorName(ci.it.Name)}
	if err := ci.cache.Get(ctx, key, &corev1.ConfigMap{}); err == nil {
		return nil
	}
	if err := ci.client.Create(ctx, ci.newAnchor(key), client.DryRunAll); err != nil && !apierrors.IsAlreadyExists(err) {
		return ci.anchorError(key, err)
	}
	for _, obj := range objs {
		obj = obj.DeepCopy()
		if workload.IsDeployment(obj) {
			if err := unstructured.SetNestedField(obj.Object, int64(0), "spec", "replicas"); err != nil {
				return err
			}
		}
		err := ci.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner(clusters.InstallerFieldManager), client.ForceOwnership, client.DryRunAll)
		if err != nil {
			return fmt.Errorf("%s, as %s, tried before installing anything: %w", describe(obj), ci.id, err)
		}
	}
	return nil
}

// newAnchor is the release's anchor ConfigMap, named key.
func (ci *clusterInstall) newAnchor(key client.ObjectKey) *corev1.ConfigMap {
	labels := ci.owner.Labels()
	labels[convoyv1alpha1.LabelAnchor] = "true"
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name, Labels: labels},
		Data:       map[string]string{tenancy.AnchorTargetUIDKey: string(ci.it.UID)},
	}
}

// anchorError says why the anchor named key could not be written; acting
// as a ServiceAccount, a refusal most likely means the namespace was not
// granted, and says how to grant it.
func (ci *clusterInstall) anchorError(key client.ObjectKey, err error) error {
	if ci.id.ServiceAccount != "" && (apierrors.IsForbidden(err) || apierrors.IsNotFound(err)) {
		return fmt.Errorf("anchor ConfigMap %s in cluster %s, as %s: %w (is %s granted to convoy there? convoy tenants grant %s --service-account %s)",
			key, ci.cluster, ci.id, err, ci.id, key.Namespace, ci.id.ServiceAccount)
	}
	return fmt.Errorf("anchor ConfigMap %s: %w", key, err)
}

// ensureAnchor creates the namespace when missing and the release's anchor
// in it. An anchor in the cache proves both exist. The only namespace
// convoy creates is the Application's own (tenancy.Confine keeps every
// object there); a ConfigMap of the anchor's name that is not this
// release's anchor is left alone, and the release is not installed.
func (ci *clusterInstall) ensureAnchor(ctx context.Context, ns string) (*corev1.ConfigMap, error) {
	if ns != ci.owner.Namespace {
		return nil, fmt.Errorf("namespace %s is not the Application's namespace %s: convoy creates no other", ns, ci.owner.Namespace)
	}
	anchor := &corev1.ConfigMap{}
	key := client.ObjectKey{Namespace: ns, Name: tenancy.AnchorName(ci.it.Name)}
	if err := ci.cache.Get(ctx, key, anchor); err == nil {
		return anchor, ci.checkAnchor(anchor)
	}
	c := ci.client
	// A tenant's namespace is the platform's to create, with its
	// ServiceAccount (convoy tenants grant): a namespace missing, or not
	// granted, fails the anchor below. Only acting as the agent (legacy
	// clusters, --require-service-account=false) creates it.
	if ci.id.ServiceAccount == "" {
		if err := ensureNamespace(ctx, c, ns); err != nil {
			return nil, err
		}
	}
	// Created first and read only when it exists: a new release, the
	// common case at scale, costs one request here rather than two.
	anchor = ci.newAnchor(key)
	err := c.Create(ctx, anchor)
	if apierrors.IsAlreadyExists(err) {
		anchor = &corev1.ConfigMap{}
		err = c.Get(ctx, key, anchor)
	}
	if err != nil {
		return nil, ci.anchorError(key, err)
	}
	return anchor, ci.checkAnchor(anchor)
}

// checkAnchor refuses a ConfigMap named as the release's anchor that is
// not labelled as the release's anchor: owning objects by it would hand
// them to whoever made it.
func (ci *clusterInstall) checkAnchor(anchor *corev1.ConfigMap) error {
	if anchor.Labels[convoyv1alpha1.LabelAnchor] != "true" {
		return &conflictError{fmt.Sprintf("ConfigMap %s/%s is not an anchor of convoy's: it is left alone", anchor.Namespace, anchor.Name)}
	}
	if err := ci.owner.Conflict(anchor, false); err != nil {
		return &conflictError{"anchor ConfigMap " + err.Error()}
	}
	return nil
}

func ensureNamespace(ctx context.Context, c client.Client, ns string) error {
	err := c.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{})
	if apierrors.IsNotFound(err) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
			Labels: map[string]string{convoyv1alpha1.LabelManagedBy: convoyv1alpha1.ManagedByConvoy}}}
		if err := c.Create(ctx, namespace); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s: %w", ns, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading namespace %s: %w", ns, err)
	}
	return nil
}

// live reads the object as the cluster has it: from the cache when convoy
// watches its kind, else, and when the cache lacks it (an object not made
// by convoy is not in it, and must be seen to be left alone), from the API
// server.
func (ci *clusterInstall) live(ctx context.Context, obj *unstructured.Unstructured) (*unstructured.Unstructured, bool, error) {
	gvk := obj.GroupVersionKind()
	key := client.ObjectKeyFromObject(obj)
	if installedGVKs[gvk] {
		typed, err := ci.Clusters.Scheme.New(gvk)
		if err != nil {
			return nil, false, err
		}
		cached := typed.(client.Object)
		switch err := ci.cache.Get(ctx, key, cached); {
		case err == nil:
			content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(cached)
			if err != nil {
				return nil, false, err
			}
			live := &unstructured.Unstructured{Object: content}
			live.SetGroupVersionKind(gvk)
			return live, true, nil
		case !apierrors.IsNotFound(err):
			return nil, false, err
		}
	}
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(gvk)
	if err := ci.client.Get(ctx, key, live); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return live, true, nil
}

// applyObject server-side applies one object owned by the anchor, unless
// the cluster already holds it as applied. An existing object of another
// application, of another release, or not made by convoy is left alone and
// reported as a conflict. An object changed by someone else since it was
// applied is applied again: drift is corrected.
func (ci *clusterInstall) applyObject(ctx context.Context, obj *unstructured.Unstructured, anchor *corev1.ConfigMap) error {
	live, exists, err := ci.live(ctx, obj)
	if err != nil {
		return err
	}
	shared := obj.GetAnnotations()[convoyv1alpha1.AnnotationShared] == "true"
	if exists {
		if err := ci.owner.Conflict(live, shared); err != nil {
			return &conflictError{live.GetKind() + " " + err.Error()}
		}
	}
	if exists && shared && live.GetLabels()[convoyv1alpha1.LabelRelease] != ci.it.Name && tenancy.OwnedBy(live, anchor.UID) {
		return nil // a newer release took the shared object over from this one
	}
	obj.SetOwnerReferences(ci.owners(ctx, live, exists && shared, anchor))
	digest, err := appliedDigest(obj)
	if err != nil {
		return err
	}
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[AnnotationAppliedDigest] = digest
	obj.SetAnnotations(annotations)
	if fields := workload.CapacityFields(obj); fields != nil {
		if !exists {
			// Created by the capacity controller's field manager, which
			// from then on alone owns these fields; a Deployment at 0
			// replicas, which its autoscaler leaves alone.
			if workload.IsDeployment(obj) {
				if err := unstructured.SetNestedField(obj.Object, int64(0), "spec", "replicas"); err != nil {
					return err
				}
			}
			return ci.client.Create(ctx, obj, client.FieldOwner(clusters.CapacityFieldManager))
		}
		for _, field := range fields {
			unstructured.RemoveNestedField(obj.Object, field...)
		}
	}
	appliedBefore := exists && live.GetAnnotations()[AnnotationAppliedDigest] == digest
	if appliedBefore && inSync(live, obj) {
		return nil // applied before, unchanged since: nothing to write
	}
	if err := ci.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner(clusters.InstallerFieldManager), client.ForceOwnership); err != nil {
		return err
	}
	// The apply answers with the object as stored: a new version means
	// it restored something; the same version means the cluster only
	// writes a value differently from the chart (0.5 CPU as 500m, say).
	if appliedBefore && obj.GetResourceVersion() != live.GetResourceVersion() {
		ci.driftCorrected(ctx, live)
	}
	return nil
}

// AnnotationAppliedDigest records what the installer last applied to an
// object, so that an unchanged object is not written again.
const AnnotationAppliedDigest = "convoy.dev/applied-digest"

func appliedDigest(obj *unstructured.Unstructured) (string, error) {
	data, err := json.Marshal(obj.Object) // map keys are sorted: stable
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16]), nil
}

// owners are the object's owner references: the release's anchor, and for
// a shared object also the anchors of the application's other releases
// that applied it, so it is handed from release to release and only goes
// when the last of them does. A reference to anything else, such as an
// anchor of another application's, is dropped: it would let that
// application's uninstall keep or take the object.
func (ci *clusterInstall) owners(ctx context.Context, live *unstructured.Unstructured, shared bool, anchor *corev1.ConfigMap) []metav1.OwnerReference {
	refs := []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: anchor.Name, UID: anchor.UID}}
	if !shared {
		return refs
	}
	for _, ref := range live.GetOwnerReferences() {
		if ref.UID == anchor.UID || !tenancy.IsAnchorRef(ref) {
			continue
		}
		other := &corev1.ConfigMap{}
		if err := ci.cache.Get(ctx, client.ObjectKey{Namespace: live.GetNamespace(), Name: ref.Name}, other); err != nil || other.UID != ref.UID {
			continue // gone, or not the anchor referred to
		}
		if other.Labels[convoyv1alpha1.LabelAnchor] == "true" && ci.owner.SameApplication(tenancy.OwnerOf(other)) {
			refs = append(refs, ref)
		}
	}
	slices.SortFunc(refs, func(a, b metav1.OwnerReference) int { return strings.Compare(a.Name, b.Name) })
	return refs
}
