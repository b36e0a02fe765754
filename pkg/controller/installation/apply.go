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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
)

const (
	// anchorSuffix names the per-release, per-namespace ConfigMap that owns
	// a release's objects in an application cluster: deleting it lets the
	// cluster's garbage collector remove them.
	anchorSuffix = "-anchor"
	// labelAnchor marks anchors.
	labelAnchor = "convoy.dev/anchor"
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

// installIn applies the objects to one cluster: namespaces first, then each
// namespace's anchor, then every object in install order.
func (r *Reconciler) installIn(ctx context.Context, it *convoyv1alpha1.InstallationTarget, cluster string, objs []*unstructured.Unstructured) clusterResult {
	c, err := r.Clusters.Client(ctx, cluster)
	if err != nil {
		var cerr *clusters.Error
		if errors.As(err, &cerr) {
			return clusterResult{reason: string(cerr.Reason), message: err.Error()}
		}
		return clusterResult{reason: string(clusters.ReasonClusterUnreachable), message: err.Error()}
	}
	anchors := map[string]*corev1.ConfigMap{}
	for _, obj := range objs {
		ns := obj.GetNamespace()
		if anchors[ns] == nil {
			anchor, err := ensureAnchor(ctx, c, it, ns)
			if err != nil {
				return failure(err)
			}
			anchors[ns] = anchor
		}
		if err := applyObject(ctx, c, it, obj.DeepCopy(), anchors[ns]); err != nil {
			return failure(fmt.Errorf("%s: %w", describe(obj), err))
		}
	}
	return clusterResult{reason: ReasonInstalled, message: fmt.Sprintf("%d objects installed", len(objs)), objects: len(objs)}
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

// ensureAnchor creates the namespace when missing and the release's anchor
// in it.
func ensureAnchor(ctx context.Context, c client.Client, it *convoyv1alpha1.InstallationTarget, ns string) (*corev1.ConfigMap, error) {
	if err := c.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}); apierrors.IsNotFound(err) {
		namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
			Labels: map[string]string{convoyv1alpha1.LabelManagedBy: convoyv1alpha1.ManagedByConvoy}}}
		if err := c.Create(ctx, namespace); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("creating namespace %s: %w", ns, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("reading namespace %s: %w", ns, err)
	}
	anchor := &corev1.ConfigMap{}
	key := client.ObjectKey{Namespace: ns, Name: it.Name + anchorSuffix}
	err := c.Get(ctx, key, anchor)
	if apierrors.IsNotFound(err) {
		labels := releaseLabels(it)
		labels[labelAnchor] = "true"
		anchor = &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: key.Name, Labels: labels},
			Data:       map[string]string{"installationTargetUID": string(it.UID)},
		}
		err = c.Create(ctx, anchor)
	}
	if err != nil {
		return nil, fmt.Errorf("anchor ConfigMap %s: %w", key, err)
	}
	return anchor, nil
}

// applyObject server-side applies one object owned by the anchor. An
// existing object of another application, of another release, or not made
// by convoy is left alone and reported as a conflict.
func applyObject(ctx context.Context, c client.Client, it *convoyv1alpha1.InstallationTarget, obj *unstructured.Unstructured, anchor *corev1.ConfigMap) error {
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(obj.GroupVersionKind())
	err := c.Get(ctx, client.ObjectKeyFromObject(obj), live)
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	shared := obj.GetAnnotations()[convoyv1alpha1.AnnotationShared] == "true"
	if exists {
		if err := checkOwnership(it, live, shared); err != nil {
			return err
		}
	}
	if exists && shared && live.GetLabels()[convoyv1alpha1.LabelRelease] != it.Name && ownedBy(live, anchor) {
		return nil // a newer release took the shared object over from this one
	}
	obj.SetOwnerReferences(owners(live, exists && shared, anchor))
	digest, err := appliedDigest(obj)
	if err != nil {
		return err
	}
	if exists && live.GetAnnotations()[AnnotationAppliedDigest] == digest {
		return nil // applied before, unchanged: nothing to write
	}
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[AnnotationAppliedDigest] = digest
	obj.SetAnnotations(annotations)
	if isDeployment(obj) {
		if !exists {
			// Created at 0 replicas by the capacity controller's field
			// manager, which from then on alone owns spec.replicas.
			if err := unstructured.SetNestedField(obj.Object, int64(0), "spec", "replicas"); err != nil {
				return err
			}
			return c.Create(ctx, obj, client.FieldOwner(clusters.CapacityFieldManager))
		}
		unstructured.RemoveNestedField(obj.Object, "spec", "replicas")
	}
	return c.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner(clusters.InstallerFieldManager), client.ForceOwnership)
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
// a shared object also the anchors of the other releases that applied it,
// so it is handed from release to release and only goes when the last of
// them does.
func owners(live *unstructured.Unstructured, shared bool, anchor *corev1.ConfigMap) []metav1.OwnerReference {
	refs := []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: anchor.Name, UID: anchor.UID}}
	if !shared {
		return refs
	}
	for _, ref := range live.GetOwnerReferences() {
		if ref.Kind == "ConfigMap" && ref.UID != anchor.UID && strings.HasSuffix(ref.Name, anchorSuffix) {
			refs = append(refs, ref)
		}
	}
	slices.SortFunc(refs, func(a, b metav1.OwnerReference) int { return strings.Compare(a.Name, b.Name) })
	return refs
}

func ownedBy(obj *unstructured.Unstructured, anchor *corev1.ConfigMap) bool {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.UID == anchor.UID {
			return true
		}
	}
	return false
}

func checkOwnership(it *convoyv1alpha1.InstallationTarget, live *unstructured.Unstructured, shared bool) error {
	labels := live.GetLabels()
	app := it.Labels[convoyv1alpha1.LabelApplication]
	switch {
	case labels[convoyv1alpha1.LabelManagedBy] != convoyv1alpha1.ManagedByConvoy:
		return &conflictError{fmt.Sprintf("%s exists and was not made by convoy: it is left alone", describe(live))}
	case labels[convoyv1alpha1.LabelApplication] != app:
		return &conflictError{fmt.Sprintf("%s belongs to application %q: it is left alone", describe(live), labels[convoyv1alpha1.LabelApplication])}
	case labels[convoyv1alpha1.LabelRelease] != it.Name && !shared:
		return &conflictError{fmt.Sprintf("%s belongs to release %q of the same application: it is left alone", describe(live), labels[convoyv1alpha1.LabelRelease])}
	}
	return nil
}

func isDeployment(obj *unstructured.Unstructured) bool {
	return obj.GetKind() == "Deployment" && obj.GroupVersionKind().Group == appsv1.GroupName
}
