// Package helm renders Helm charts for convoy. It implements render.Renderer
// for chart sources in HTTP(S) chart repositories and OCI registries, and it
// is the only package of convoy that imports helm.sh/helm/v3.
//
// Resolve pins a chart version: an exact version or a semver constraint
// becomes the newest matching version in the repository's index (or the
// registry's tags). Render downloads the chart, caches the archive on disk by
// its sha256 digest, and renders it the way `helm template` does in its
// default, client-only mode: the same Capabilities, value coalescing, hooks
// and install order. The objects it returns are exactly those `helm template`
// prints, parsed; the package's tests check that against the helm CLI.
//
// A Renderer is safe for concurrent use. Every render gets its own Helm
// action configuration, and no Helm package variable is changed after
// start-up. Every network call has a timeout, and chart archives and
// repository indexes have size limits, so one bad repository cannot stall or
// exhaust the manager.
package helm
