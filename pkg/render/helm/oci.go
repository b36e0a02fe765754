package helm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"helm.sh/helm/v3/pkg/registry"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

// ociChart is one chart repository in an OCI registry: repoURL
// oci://host/path plus the chart name.
type ociChart struct {
	repoURL string // as written in the source, for messages
	host    string // host[:port]
	ref     string // host/path/name, without tag
	name    string
	creds   *render.Credentials
}

func parseOCIChart(repoURL, name string, creds *render.Credentials) (*ociChart, error) {
	rest, ok := strings.CutPrefix(repoURL, "oci://")
	rest = strings.TrimSuffix(rest, "/")
	host, _, _ := strings.Cut(rest, "/")
	if !ok || host == "" {
		return nil, render.Errorf(render.ReasonRepositoryNotFound, "OCI repository URL %q is not of the form oci://host/path", repoURL)
	}
	return &ociChart{repoURL: repoURL, host: host, ref: rest + "/" + name, name: name, creds: creds}, nil
}

func (o *ociChart) hasCreds() bool {
	return o.creds != nil && (o.creds.Username != "" || o.creds.Password != "")
}

func (o *ociChart) what() string {
	return fmt.Sprintf("OCI registry %s", o.repoURL)
}

// tagRef is the reference of one chart version. OCI tags cannot hold "+",
// so Helm pushes a version's build metadata with "_" instead.
func (o *ociChart) tagRef(version string) string {
	return o.ref + ":" + strings.ReplaceAll(version, "+", "_")
}

// registryClient returns a Helm registry client for one call. It is built
// per call because Helm's registry client has no context parameter: the
// call's context rides on the HTTP client instead (boundTransport), which
// also caps every response at limit bytes.
//
// Credentials come only from the source's secret, never from the manager's
// Docker or Helm credential files: the authorizer is convoy's, and the
// credentials file Helm insists on is a path in the cache directory that
// nothing writes.
func (r *Renderer) registryClient(ctx context.Context, o *ociChart, limit int64) (*registry.Client, error) {
	t, err := r.transports.get(o.creds)
	if err != nil {
		return nil, render.Errorf(render.ReasonRepositoryUnreachable, "%s: invalid TLS settings in the source's secretRef: %v", o.what(), err)
	}
	hc := &http.Client{Transport: &boundTransport{base: t, ctx: ctx, limit: limit}}
	cred := auth.EmptyCredential
	if o.hasCreds() {
		cred = auth.Credential{Username: o.creds.Username, Password: o.creds.Password}
	}
	authorizer := auth.Client{
		Client: hc,
		// StaticCredential hands the password to this registry host only,
		// not to hosts it redirects blob downloads to.
		Credential: auth.StaticCredential(o.host, cred),
		Cache:      auth.NewCache(),
	}
	authorizer.SetUserAgent("convoy")
	opts := []registry.ClientOption{
		registry.ClientOptHTTPClient(hc),
		registry.ClientOptAuthorizer(authorizer),
		registry.ClientOptCredentialsFile(filepath.Join(r.opts.CacheDir, "registry-config-unused.json")),
	}
	if slices.Contains(r.opts.PlainHTTPRegistries, o.host) {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	c, err := registry.NewClient(opts...)
	if err != nil {
		return nil, render.Errorf(render.ReasonRepositoryUnreachable, "%s: cannot create a registry client: %v", o.what(), err)
	}
	return c, nil
}

// fetchTags lists the chart's versions: the tags that are semver versions.
func (r *Renderer) fetchTags(ctx context.Context, o *ociChart) (*catalog, error) {
	// A tag list is small; the index limit is the right order of size.
	c, err := r.registryClient(ctx, o, r.opts.MaxIndexSize)
	if err != nil {
		return nil, err
	}
	tags, err := c.Tags(o.ref)
	if err != nil {
		if isNotFound(err) {
			return nil, render.Errorf(render.ReasonChartNotFound, "chart %s not found in %s (no repository %s): %v", o.name, o.what(), o.ref, err)
		}
		return nil, unreachable(o.what(), r.opts.IndexTimeout, o.hasCreds(), err)
	}
	vs := make([]chartVersion, len(tags))
	for i, t := range tags {
		vs[i] = newChartVersion(t)
	}
	sortVersions(vs)
	return &catalog{charts: map[string][]chartVersion{o.name: vs}}, nil
}

// ociDigests remembers which chart archive an OCI manifest points at, so a
// render of a cached chart costs one manifest request (the tag may have
// moved) and no blob download. Manifests are immutable, so entries never
// go stale; the map is only bounded.
type ociDigests struct {
	mu sync.Mutex
	m  map[string]string // manifest digest → chart layer hex sha256
}

const maxOCIDigests = 4096

// maxManifestSize is the OCI distribution spec's recommended manifest size
// limit, which registries and oras enforce too.
const maxManifestSize = 4 * mib

func (d *ociDigests) get(manifest string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.m[manifest]
	return v, ok
}

func (d *ociDigests) put(manifest, chart string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil || len(d.m) >= maxOCIDigests {
		d.m = map[string]string{}
	}
	d.m[manifest] = chart
}

// pullChart returns the archive of one chart version from the registry,
// from the disk cache when the tag still points at a cached chart.
func (r *Renderer) pullChart(ctx context.Context, o *ociChart, version string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.ChartTimeout)
	defer cancel()
	what := fmt.Sprintf("chart %s %s from %s", o.name, version, o.what())
	c, err := r.registryClient(ctx, o, maxManifestSize)
	if err != nil {
		return nil, err
	}
	ref := o.tagRef(version)
	desc, err := c.Resolve(ref)
	if err != nil {
		if isNotFound(err) {
			return nil, r.ociVersionNotFound(ctx, o, version, err)
		}
		return nil, unreachable(o.what(), r.opts.ChartTimeout, o.hasCreds(), err)
	}
	if hexDigest, ok := r.ociDigests.get(desc.Digest.String()); ok {
		if data, ok := r.cache.get(hexDigest); ok {
			return data, nil
		}
	}
	// The pull fetches the manifest, the config and the chart layer; the
	// chart is by far the largest, so the chart limit bounds them all.
	if c, err = r.registryClient(ctx, o, r.opts.MaxChartSize); err != nil {
		return nil, err
	}
	res, err := c.Pull(ref)
	if err != nil {
		var tooLarge *errTooLarge
		switch {
		case errors.As(err, &tooLarge):
			return nil, render.Errorf(render.ReasonInvalidManifest, "%s: the archive is larger than the limit of %s", what, formatBytes(tooLarge.limit))
		case isNotFound(err):
			return nil, render.Errorf(render.ReasonChartNotFound, "%s: %v", what, err)
		}
		return nil, unreachable(o.what(), r.opts.ChartTimeout, o.hasCreds(), err)
	}
	data := res.Chart.Data
	hexDigest := sha256Hex(data)
	if want := strings.TrimPrefix(res.Chart.Digest, "sha256:"); want != hexDigest {
		return nil, render.Errorf(render.ReasonInvalidManifest, "%s: the chart layer has digest sha256:%s, but the manifest says %s", what, hexDigest, res.Chart.Digest)
	}
	r.storeInCache(data)
	// The manifest pulled, not the one resolved above: the tag may have
	// moved in between.
	r.ociDigests.put(res.Manifest.Digest, hexDigest)
	return data, nil
}

// ociVersionNotFound explains a missing tag with the versions that exist.
func (r *Renderer) ociVersionNotFound(ctx context.Context, o *ociChart, version string, cause error) error {
	cat, err := r.fetchTags(ctx, o)
	if hasReason(err, render.ReasonChartNotFound) {
		return err
	}
	if err != nil {
		return render.Errorf(render.ReasonVersionNotFound, "chart %s version %s not found in %s: %v", o.name, version, o.what(), cause)
	}
	return versionNotFound(o.what(), o.name, version, cat.charts[o.name], indexView{})
}
