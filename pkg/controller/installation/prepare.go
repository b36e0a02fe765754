package installation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/tenancy"
)

// helmHookAnnotation marks a Helm hook in rendered chart output.
const helmHookAnnotation = "helm.sh/hook"

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
// confined to the target's namespace (tenancy.Confine: an object that asks
// for another namespace, or of a cluster-scoped kind, refuses the whole
// release), labelled with its owner (namespace, application and release),
// with per-release names unless the chart already derives every name from
// the release name, with every selector and pod template carrying the
// release label, and without Helm hooks. convoy render shows the same
// offline.
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
	// Hooks are confined too: what a source asks for is judged whole.
	confined, err := tenancy.Confine(out.Objects, it.Namespace)
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, obj := range confined {
		// Helm hooks run at points of Helm's own install and upgrade
		// lifecycle, which convoy does not have: a release is applied
		// continuously, so hooks (and chart tests) are not installed.
		if obj.GetAnnotations()[helmHookAnnotation] == "" {
			objs = append(objs, obj)
		}
	}
	suffix := ""
	if it.Spec.Source.Kustomize != nil || !allNamedAfter(objs, it.Name) {
		suffix = "-" + it.Name
	}
	owner := tenancy.OwnerOfTarget(it)
	objs, err = distinguish(objs, suffix, owner.SelectorLabels())
	if err != nil {
		return nil, render.Errorf(render.ReasonInvalidManifest, "making the objects distinct per release: %v", err)
	}
	for _, obj := range objs {
		owner.Stamp(obj)
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

func describe(obj *unstructured.Unstructured) string {
	return fmt.Sprintf("%s %s/%s", obj.GetKind(), obj.GetNamespace(), obj.GetName())
}
