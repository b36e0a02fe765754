package installation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/render"
)

// helmHookAnnotation marks a Helm hook in rendered chart output.
const helmHookAnnotation = "helm.sh/hook"

// clusterScoped are the cluster-scoped kinds a release may carry. Namespaces
// are created when missing and never deleted; anything else cluster-wide
// (RBAC, CRDs, webhooks) would be shared by every release of every
// application, so it is refused rather than fought over.
var clusterScoped = map[string]bool{
	"Namespace": true, "ClusterRole": true, "ClusterRoleBinding": true, "CustomResourceDefinition": true,
	"StorageClass": true, "PersistentVolume": true, "PriorityClass": true, "IngressClass": true,
	"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true, "APIService": true,
	"RuntimeClass": true, "CSIDriver": true, "VolumeAttachment": true,
}

// renderObjects renders the target's source, with the credentials its
// source's secretRef names, as the release's own objects.
func (r *Reconciler) renderObjects(ctx context.Context, it *convoyv1alpha1.InstallationTarget) ([]*unstructured.Unstructured, error) {
	creds, err := render.LoadCredentials(ctx, r.APIReader, it.Namespace, it.Spec.Source)
	if err != nil {
		return nil, err
	}
	return Objects(ctx, r.Renderer, r.Distinguish, it, creds)
}

// Objects renders an installation target's source and makes its objects
// the release's own, exactly as they are installed in every cluster:
// labelled with application and release, with per-release names unless
// the chart already derives every name from the release name, with every
// selector and pod template carrying the release label, and without Helm
// hooks and Namespaces. convoy render shows the same offline.
func Objects(ctx context.Context, renderer render.Renderer, distinguish Distinguisher, it *convoyv1alpha1.InstallationTarget, creds *render.Credentials) ([]*unstructured.Unstructured, error) {
	var values map[string]any
	if it.Spec.Values != nil {
		if err := json.Unmarshal(it.Spec.Values.Raw, &values); err != nil {
			return nil, render.Errorf(render.ReasonInvalidManifest, "spec.values: %v", err)
		}
	}
	out, err := renderer.Render(ctx, render.Request{
		ReleaseName: it.Name, Namespace: it.Namespace, Source: it.Spec.Source, Values: values, Credentials: creds,
	})
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, obj := range out.Objects {
		kind := obj.GetKind()
		switch {
		case kind == "Namespace":
			continue // created on demand, never owned by a release
		case obj.GetAnnotations()[helmHookAnnotation] != "":
			// Helm hooks run at points of Helm's own install and upgrade
			// lifecycle, which convoy does not have: a release is applied
			// continuously, so hooks (and chart tests) are not installed.
			continue
		case clusterScoped[kind]:
			return nil, render.Errorf(render.ReasonInvalidManifest, "%s %q is cluster-scoped: a release may only carry namespaced objects", kind, obj.GetName())
		case obj.GetNamespace() == "":
			obj.SetNamespace(it.Namespace)
		}
		objs = append(objs, obj)
	}
	suffix := ""
	if it.Spec.Source.Kustomize != nil || !allNamedAfter(objs, it.Name) {
		suffix = "-" + it.Name
	}
	objs, err = distinguish(objs, suffix, releaseLabels(it))
	if err != nil {
		return nil, render.Errorf(render.ReasonInvalidManifest, "making the objects distinct per release: %v", err)
	}
	return objs, nil
}

// allNamedAfter reports whether every unshared object's name contains the
// release name, as charts do that build names with their fullname helper.
func allNamedAfter(objs []*unstructured.Unstructured, release string) bool {
	for _, obj := range objs {
		if obj.GetAnnotations()[convoyv1alpha1.AnnotationShared] != "true" && !strings.Contains(obj.GetName(), release) {
			return false
		}
	}
	return true
}

func releaseLabels(it *convoyv1alpha1.InstallationTarget) map[string]string {
	return map[string]string{
		convoyv1alpha1.LabelApplication: it.Labels[convoyv1alpha1.LabelApplication],
		convoyv1alpha1.LabelRelease:     it.Name,
		convoyv1alpha1.LabelManagedBy:   convoyv1alpha1.ManagedByConvoy,
	}
}

func describe(obj *unstructured.Unstructured) string {
	return fmt.Sprintf("%s %s/%s", obj.GetKind(), obj.GetNamespace(), obj.GetName())
}
