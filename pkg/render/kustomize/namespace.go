package kustomize

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// defaultNamespace gives every namespaced object without a namespace the
// namespace ns, which is what `kubectl apply -n ns -k DIR` does and what a
// kustomization without a `namespace:` field expects. Objects with a
// namespace keep it; cluster-scoped objects get none.
//
// Render has no cluster to ask for the scope of a kind, so it is known from,
// in order:
//
//   - a CustomResourceDefinition among the objects (its spec.scope);
//   - kustomize's built-in Kubernetes OpenAPI data, which covers the
//     built-in kinds, the same data kustomize's namespace transformer uses;
//   - otherwise the kind is taken to be namespaced, as most custom
//     resources are. An installer that meets a cluster-scoped kind of a CRD
//     installed separately must clear the namespace (its RESTMapper knows).
func defaultNamespace(objs []*unstructured.Unstructured, ns string) error {
	if ns == "" {
		return nil
	}
	crdNamespaced := map[schema.GroupKind]bool{}
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" || o.GroupVersionKind().Group != "apiextensions.k8s.io" {
			continue
		}
		group, _, _ := unstructured.NestedString(o.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
		scope, _, _ := unstructured.NestedString(o.Object, "spec", "scope")
		crdNamespaced[schema.GroupKind{Group: group, Kind: kind}] = scope != "Cluster"
	}
	// kyaml's schema is global state: read it under the kustomize lock.
	return withKustomize(func() error {
		for _, o := range objs {
			if o.GetNamespace() != "" {
				continue
			}
			namespaced, known := crdNamespaced[o.GroupVersionKind().GroupKind()]
			if !known {
				namespaced, known = openapi.IsNamespaceScoped(yaml.TypeMeta{APIVersion: o.GetAPIVersion(), Kind: o.GetKind()})
			}
			if namespaced || !known {
				o.SetNamespace(ns)
			}
		}
		return nil
	})
}
