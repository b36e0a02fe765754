package helm

import (
	"bytes"
	"context"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

// defaultNamespace is what helm template renders into without --namespace.
const defaultNamespace = "default"

// template renders a chart archive the way `helm template` does and parses
// the result. what names the chart in messages.
//
// What `helm template` prints, and so what Output.Objects holds, in order:
//
//   - the chart's manifests, sorted by Helm's InstallOrder kind sorter
//     (releaseutil.SortManifests), which keeps file and document order
//     within a kind;
//   - then its hooks, in Helm's hook order, with their helm.sh/hook
//     annotations, so the installer can tell them apart. Test hooks are
//     included: helm template prints them unless --skip-tests.
//
// NOTES.txt is not an object and helm template does not print it. CRDs in
// crds/ are left out unless Options.IncludeCRDs, as without
// --include-crds.
func (r *Renderer) template(ctx context.Context, archive []byte, req render.Request, what string) ([]*unstructured.Unstructured, error) {
	ch, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		return nil, render.Errorf(render.ReasonInvalidManifest, "%s is not a valid chart archive: %v", what, err)
	}
	// The checks helm template makes before rendering (cmd/helm/install.go).
	switch ch.Metadata.Type {
	case "", "application":
	default:
		return nil, render.Errorf(render.ReasonInvalidManifest, "%s is a %s chart, which cannot be installed", what, ch.Metadata.Type)
	}
	if deps := ch.Metadata.Dependencies; deps != nil {
		if err := action.CheckDependencies(ch, deps); err != nil {
			return nil, render.Errorf(render.ReasonInvalidManifest, "%s: %v; package the chart with its dependencies (helm dependency build)", what, err)
		}
	}

	ns := req.Namespace
	if ns == "" {
		ns = defaultNamespace
	}
	// Helm may write into the values while coalescing them with the
	// chart's and its subcharts'; the caller's map is shared across
	// clusters, so Helm gets a copy.
	vals := copyValues(req.Values)

	type result struct {
		rel *release.Release
		err error
	}
	done := make(chan result, 1)
	go func() {
		rel, err := r.install(ns, req.ReleaseName).RunWithContext(ctx, ch, vals)
		done <- result{rel, err}
	}()
	// Template execution does not watch a context. A template that runs
	// away is abandoned after RenderTimeout: its goroutine finishes on its
	// own, but the caller is not held.
	timer := time.NewTimer(r.opts.RenderTimeout)
	defer timer.Stop()
	var res result
	select {
	case res = <-done:
	case <-timer.C:
		return nil, render.Errorf(render.ReasonTemplateError, "rendering %s did not finish within %s", what, r.opts.RenderTimeout)
	case <-ctx.Done():
		return nil, render.Errorf(render.ReasonTemplateError, "rendering %s was cancelled: %v", what, ctx.Err())
	}
	if res.err != nil {
		if isYAMLParseError(res.err) {
			return nil, render.Errorf(render.ReasonInvalidManifest, "%s rendered invalid YAML: %v", what, res.err)
		}
		return nil, render.Errorf(render.ReasonTemplateError, "rendering %s: %v", what, res.err)
	}
	return parseRelease(res.rel, what)
}

// install returns an install action set up exactly as `helm template` sets
// up its own (cmd/helm/template.go), on a fresh Configuration: Install
// fills the configuration in (capabilities, a printing kube client, memory
// storage), so sharing one between renders would race.
func (r *Renderer) install(namespace, releaseName string) *action.Install {
	cfg := &action.Configuration{Log: func(string, ...any) {}}
	inst := action.NewInstall(cfg)
	inst.DryRun = true
	inst.DryRunOption = "true"
	inst.Replace = true // helm template: skip the name check
	inst.ClientOnly = true
	inst.Namespace = namespace
	inst.ReleaseName = releaseName
	inst.KubeVersion = r.kubeVersion
	inst.APIVersions = chartutil.VersionSet(r.opts.APIVersions)
	inst.IncludeCRDs = r.opts.IncludeCRDs
	// Templates may not resolve DNS names (getHostByName), as in
	// helm-controller: rendering must not depend on the manager's network
	// and must not probe it. This is also helm template's default.
	inst.EnableDNS = false
	return inst
}

// parseRelease splits what helm template would print for rel into objects.
func parseRelease(rel *release.Release, what string) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	add := func(source, doc string) error {
		obj, err := parseObject(doc)
		if err != nil {
			return render.Errorf(render.ReasonInvalidManifest, "%s: template %s rendered an invalid object: %v", what, source, err)
		}
		if obj != nil {
			objs = append(objs, obj)
		}
		return nil
	}
	for _, d := range splitManifest(rel.Manifest) {
		if err := add(d.source, d.content); err != nil {
			return nil, err
		}
	}
	for _, h := range rel.Hooks {
		if err := add(h.Path, h.Manifest); err != nil {
			return nil, err
		}
	}
	return objs, nil
}

type sourcedDoc struct {
	source, content string
}

// sourceMarker starts every document of a release manifest: Helm writes
// each as "---\n# Source: <template>\n<document>\n" (action.renderResources).
const sourceMarker = "---\n# Source: "

// splitManifest cuts a release manifest at its source markers. Helm has
// already split every template's output into single documents, so no
// document contains another "---" line and no YAML stream splitting is
// needed here.
func splitManifest(manifest string) []sourcedDoc {
	var docs []sourcedDoc
	for _, part := range strings.Split("\n"+manifest, "\n"+sourceMarker) {
		source, content, ok := strings.Cut(part, "\n")
		if !ok && strings.TrimSpace(part) == "" {
			continue
		}
		if source == "" && strings.TrimSpace(content) == "" {
			continue
		}
		docs = append(docs, sourcedDoc{source: source, content: content})
	}
	return docs
}

// parseObject parses one YAML document into an object; a document that is
// empty or only comments gives nil, as kubectl skips it.
func parseObject(doc string) (*unstructured.Unstructured, error) {
	js, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		return nil, err
	}
	if s := string(bytes.TrimSpace(js)); s == "null" || s == "" {
		return nil, nil
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(js); err != nil {
		return nil, err
	}
	return obj, nil
}

// copyValues deep-copies a values tree of maps and slices.
func copyValues(v map[string]any) map[string]any {
	out := make(map[string]any, len(v))
	for k, x := range v {
		out[k] = copyValue(x)
	}
	return out
}

func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return copyValues(x)
	case chartutil.Values:
		return copyValues(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}
