// Package tenancy holds the rules that keep one Application's release to
// what its namespace was given: every object of the release lands in the
// Application's namespace (Confine), and an object in an application
// cluster belongs to a release only when its namespace, application and
// release all match (Owner).
//
// The rules are decided here once and called from every place that
// renders: the release controller when it schedules, the installation
// controller before it applies, and convoy render and convoy lint offline,
// so all of them refuse the same release with the same message.
package tenancy

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

// Reasons a release is refused by confinement, for conditions.
const (
	// ReasonNamespaceNotAllowed: an object names a namespace other than
	// its Application's.
	ReasonNamespaceNotAllowed render.Reason = "NamespaceNotAllowed"
	// ReasonClusterScoped: an object of a cluster-scoped kind, which would
	// be shared by every tenant of the cluster.
	ReasonClusterScoped render.Reason = "ClusterScopedObject"
)

// clusterScoped are the built-in cluster-scoped kinds. Anything cluster-wide
// (RBAC, CRDs, webhooks, scheduling and storage classes) is shared by every
// release of every tenant, so a release may carry none of them. Kinds of
// custom resources are checked against each cluster's own discovery before
// anything is applied there (ClusterScopedError).
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "ComponentStatus": true,
	"ClusterRole": true, "ClusterRoleBinding": true,
	"CustomResourceDefinition": true, "APIService": true,
	"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true,
	"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
	"MutatingAdmissionPolicy": true, "MutatingAdmissionPolicyBinding": true,
	"PriorityClass": true, "RuntimeClass": true, "IngressClass": true,
	"StorageClass": true, "CSIDriver": true, "CSINode": true, "VolumeAttachment": true, "VolumeAttributesClass": true,
	"CertificateSigningRequest": true, "ClusterTrustBundle": true,
	"FlowSchema": true, "PriorityLevelConfiguration": true,
	"IPAddress": true, "ServiceCIDR": true,
	"DeviceClass": true, "ResourceSlice": true,
	"TokenReview": true, "SubjectAccessReview": true, "SelfSubjectAccessReview": true, "SelfSubjectRulesReview": true,
}

// Confine checks that every object of a release stays in namespace, the
// Application's, and returns the objects the release installs: objects
// without a namespace get it, and a Namespace object for the Application's
// own namespace is dropped, since the installer creates that namespace
// itself when missing.
//
// Anything else refuses the whole release, before anything is applied: an
// object naming another namespace (from a chart template or a
// kustomization's namespace field), a Namespace object for another
// namespace, and every cluster-scoped kind. The error lists each offending
// object, the namespace it asked for, the Application's namespace and the
// cause; its reason is that of the first.
func Confine(objs []*unstructured.Unstructured, namespace string) ([]*unstructured.Unstructured, error) {
	var kept []*unstructured.Unstructured
	var problems []string
	var reason render.Reason
	refuse := func(r render.Reason, msg string) {
		if reason == "" {
			reason = r
		}
		problems = append(problems, msg)
	}
	for _, obj := range objs {
		kind, name, ns := obj.GetKind(), obj.GetName(), obj.GetNamespace()
		switch {
		case kind == "Namespace" && obj.GroupVersionKind().Group == "":
			if name != namespace {
				refuse(ReasonNamespaceNotAllowed, fmt.Sprintf("Namespace %q: a release may create no namespace but its Application's own, %q", name, namespace))
			}
			continue
		case clusterScoped[kind]:
			refuse(ReasonClusterScoped, ClusterScopedError(kind, name, namespace).Error())
			continue
		case ns == "":
			obj.SetNamespace(namespace)
		case ns != namespace:
			refuse(ReasonNamespaceNotAllowed, fmt.Sprintf("%s %q asks for namespace %q, but a release installs only into its Application's namespace %q",
				kind, name, ns, namespace))
			continue
		}
		kept = append(kept, obj)
	}
	if len(problems) > 0 {
		return nil, render.Errorf(reason, "refused, nothing installed: %s", strings.Join(problems, "; "))
	}
	return kept, nil
}

// ClusterScopedError is the refusal of an object of a cluster-scoped kind,
// known from the built-in list or from a cluster's discovery.
func ClusterScopedError(kind, name, namespace string) error {
	return render.Errorf(ReasonClusterScoped, "%s %q is cluster-scoped: a release may only carry namespaced objects, in its Application's namespace %q",
		kind, name, namespace)
}
