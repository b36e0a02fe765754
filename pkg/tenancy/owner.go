package tenancy

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Owner is the key by which an object in an application cluster belongs
// to a release: the Application's namespace in the management cluster, the
// Application's name and the Release's name. Application and release names
// are unique only within a namespace, so two tenants' applications named
// "web" have different owners.
type Owner struct {
	Namespace, Application, Release string
}

// OwnerOfTarget is the owner of the objects a release's target (an
// InstallationTarget or CapacityTarget, named after the release and
// labelled with the application) installs or scales.
func OwnerOfTarget(target metav1.Object) Owner {
	return Owner{Namespace: target.GetNamespace(), Application: target.GetLabels()[convoyv1alpha1.LabelApplication], Release: target.GetName()}
}

// OwnerOf reads the owner convoy stamped on an object in an application
// cluster; the zero Owner for an object not made by convoy. An object
// stamped before convoy recorded the namespace has none: its owner's
// namespace is its own, where convoy wrote it.
func OwnerOf(obj metav1.Object) Owner {
	labels := obj.GetLabels()
	if labels[convoyv1alpha1.LabelManagedBy] != convoyv1alpha1.ManagedByConvoy {
		return Owner{}
	}
	ns := labels[convoyv1alpha1.LabelNamespace]
	if ns == "" {
		ns = obj.GetNamespace()
	}
	return Owner{Namespace: ns, Application: labels[convoyv1alpha1.LabelApplication], Release: labels[convoyv1alpha1.LabelRelease]}
}

// Labels are the labels that name o on an object, the namespace included.
func (o Owner) Labels() map[string]string {
	labels := o.SelectorLabels()
	labels[convoyv1alpha1.LabelNamespace] = o.Namespace
	return labels
}

// SelectorLabels are the labels a release puts on its selectors and pod
// templates as well as on metadata. The namespace is not among them: a
// Deployment's selector cannot change, and one made before convoy
// recorded the namespace must still apply.
func (o Owner) SelectorLabels() map[string]string {
	return map[string]string{
		convoyv1alpha1.LabelApplication: o.Application,
		convoyv1alpha1.LabelRelease:     o.Release,
		convoyv1alpha1.LabelManagedBy:   convoyv1alpha1.ManagedByConvoy,
	}
}

// Stamp puts o's labels on obj's metadata.
func (o Owner) Stamp(obj metav1.Object) {
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	for k, v := range o.Labels() {
		labels[k] = v
	}
	obj.SetLabels(labels)
}

// SameApplication reports whether other belongs to the same Application
// as o, whatever the release.
func (o Owner) SameApplication(other Owner) bool {
	return o.Namespace == other.Namespace && o.Application == other.Application
}

// String names the owner for people: "release web-1a2b of application team-a/web".
func (o Owner) String() string {
	return fmt.Sprintf("release %s of application %s/%s", o.Release, o.Namespace, o.Application)
}

// Conflict tells whether the live object obj in an application cluster
// may be written as o's: nil when it is o's own, or, when shared (an
// object the releases of an application hand from one to the next), any
// release's of o's application. Otherwise it says whose it is. An object
// outside o's namespace is never o's, whatever its labels claim.
func (o Owner) Conflict(obj metav1.Object, shared bool) error {
	owner := OwnerOf(obj)
	what := fmt.Sprintf("%s/%s", obj.GetNamespace(), obj.GetName())
	switch {
	case owner == Owner{}:
		return fmt.Errorf("%s exists and was not made by convoy: it is left alone", what)
	case obj.GetNamespace() != o.Namespace || !o.SameApplication(owner):
		return fmt.Errorf("%s belongs to application %s/%s, not %s/%s: it is left alone", what, owner.Namespace, owner.Application, o.Namespace, o.Application)
	case owner.Release != o.Release && !shared:
		return fmt.Errorf("%s belongs to release %q of the same application: it is left alone", what, owner.Release)
	}
	return nil
}

// Anchors: each release has one ConfigMap per cluster in its namespace,
// its anchor, which owns every object of the release there, so that
// deleting it lets the cluster's garbage collector remove them all. An
// object belongs to a release when an ownerReference names the release's
// anchor with the anchor's UID: labels alone can be copied by anyone who
// may label objects in the cluster.
const (
	anchorSuffix = "-anchor"
	// AnchorTargetUIDKey is the anchor's data key holding the UID of the
	// InstallationTarget that made it, telling it from a namesake of an
	// earlier life of the release name.
	AnchorTargetUIDKey = "installationTargetUID"
)

// AnchorName is the name of a release's anchor.
func AnchorName(release string) string { return release + anchorSuffix }

// IsAnchorRef reports whether ref names an anchor ConfigMap.
func IsAnchorRef(ref metav1.OwnerReference) bool {
	return ref.Kind == "ConfigMap" && ref.APIVersion == "v1" && strings.HasSuffix(ref.Name, anchorSuffix)
}

// IsAnchor reports whether anchor is the anchor of o's release made by
// the InstallationTarget with UID targetUID.
func (o Owner) IsAnchor(anchor *corev1.ConfigMap, targetUID types.UID) bool {
	return anchor.Labels[convoyv1alpha1.LabelAnchor] == "true" && anchor.Name == AnchorName(o.Release) &&
		OwnerOf(anchor) == o && anchor.Namespace == o.Namespace && anchor.Data[AnchorTargetUIDKey] == string(targetUID)
}

// OwnedBy reports whether obj has an ownerReference to the object with uid.
func OwnedBy(obj metav1.Object, uid types.UID) bool {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.UID == uid {
			return true
		}
	}
	return false
}
