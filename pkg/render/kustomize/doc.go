// Package kustomize renders kustomize sources: a kustomization directory in a
// git repository. It is the only package of convoy that imports
// sigs.k8s.io/kustomize/api; everything else sees render.Renderer.
//
// Resolve pins a source with `git ls-remote`: a branch, a tag (annotated
// tags peeled to their commit), a full or abbreviated commit, or the remote's
// default branch becomes a full commit SHA. Render fetches exactly that commit
// (a shallow fetch into a cache keyed by repository and commit, shared by all
// later renders of it) and builds the kustomization in-process with krusty,
// the library behind `kustomize build`, so a Release renders the same objects
// as the CLI would from the same checkout.
//
// Builds are locked down, because a kustomization is input from an
// application team while the renderer runs inside the manager:
//
//   - The build sees the checkout through a read-only filesystem that ends at
//     the repository root: files outside it, through `..` or a symlink, do not
//     exist for kustomize, and nothing can be written into the shared cache.
//     Within the repository any file may be used
//     (kustomize's LoadRestrictionsNone), as Flux allows.
//   - Remote bases and remote files are refused before the build starts,
//     because kustomize would otherwise clone or download them itself.
//   - Plugins, KRM functions (exec or container) and helmCharts inflation are
//     disabled: nothing is executed.
//   - kustomize is not safe for concurrent builds
//     (kubernetes-sigs/kustomize#3659) and keeps its OpenAPI schema in a
//     global, so every build (and every Distinguish) holds one package mutex
//     and turns panics into errors. A build that sets a schema with an
//     `openapi:` field runs from a reset schema and resets it afterwards, so
//     no kustomization's schema reaches another's build (see withKustomize).
//
// Render returns the objects in Helm's install order and defaults the
// namespace of namespaced objects that have none to the request's namespace,
// as `kubectl apply -n NAMESPACE` would.
//
// Distinguish runs kustomize's own name-suffix and label transformers over
// rendered objects so that several releases of one application can run side
// by side in a cluster without sharing or selecting each other's objects.
package kustomize
