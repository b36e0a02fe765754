package helm

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/chartutil"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/render"
)

// Renderer resolves and renders Helm charts. Create it with New; it is safe
// for concurrent use.
type Renderer struct {
	opts        Options
	kubeVersion *chartutil.KubeVersion

	transports transports
	indexes    *indexCache
	cache      *diskCache
	ociDigests ociDigests
}

var _ render.Renderer = (*Renderer)(nil)

// New returns a Renderer with the given options (see Options for defaults).
func New(opts Options) (*Renderer, error) {
	opts, kv, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	cache, err := openDiskCache(opts.CacheDir, opts.MaxCacheSize)
	if err != nil {
		return nil, err
	}
	return &Renderer{
		opts:        opts,
		kubeVersion: kv,
		indexes:     newIndexCache(opts.IndexRefreshInterval, opts.IndexTimeout, opts.MaxCachedIndexes),
		cache:       cache,
	}, nil
}

// Resolve implements render.Renderer: it returns src with the chart's
// version pinned to the newest version that the requested version or
// constraint matches. Once a repository's index is cached, Resolve answers
// from the cache without waiting for the network (see indexCache).
func (r *Renderer) Resolve(ctx context.Context, src convoyv1alpha1.Source, creds *render.Credentials) (convoyv1alpha1.Source, error) {
	if src.Chart == nil {
		return src, render.Errorf(render.ReasonUnsupportedSource, "the Helm renderer resolves chart sources only")
	}
	v, _, err := r.resolve(ctx, src.Chart, creds)
	if err != nil {
		return src, aboutChart(err, src.Chart.Name, src.Chart.Version)
	}
	out := *src.DeepCopy()
	out.Chart.Version = v.Version
	return out, nil
}

// resolve finds the version of a chart source in its cached catalog, and
// returns the catalog too.
func (r *Renderer) resolve(ctx context.Context, cs *convoyv1alpha1.ChartSource, creds *render.Credentials) (chartVersion, indexView, error) {
	if isOCI(cs.RepoURL) {
		o, err := parseOCIChart(cs.RepoURL, cs.Name, creds)
		if err != nil {
			return chartVersion{}, indexView{}, err
		}
		view, err := r.indexes.get(ctx, "oci\x00"+o.ref+"\x00"+fingerprint(creds), func(ctx context.Context) (*catalog, error) {
			return r.fetchTags(ctx, o)
		})
		if err != nil {
			return chartVersion{}, view, contextError(ctx, o.what(), err)
		}
		v, err := pickFrom(view, o.what(), cs.Name, cs.Version)
		return v, view, err
	}
	h, err := r.httpRepo(cs.RepoURL, creds)
	if err != nil {
		return chartVersion{}, indexView{}, err
	}
	view, err := r.indexes.get(ctx, indexKey(h), func(ctx context.Context) (*catalog, error) {
		return r.fetchIndex(ctx, h)
	})
	if err != nil {
		return chartVersion{}, view, contextError(ctx, "chart repository "+h.url, err)
	}
	v, err := pickFrom(view, "chart repository "+h.url, cs.Name, cs.Version)
	return v, view, err
}

func indexKey(h *httpRepo) string {
	return "http\x00" + h.indexURL() + "\x00" + fingerprint(h.creds)
}

func isOCI(repoURL string) bool {
	return strings.HasPrefix(repoURL, "oci://")
}

// pickFrom resolves a version in a cached catalog, or explains why not.
func pickFrom(view indexView, what, name, request string) (chartVersion, error) {
	versions, ok := view.cat.charts[name]
	if !ok || len(versions) == 0 {
		return chartVersion{}, chartNotFound(view, what, name)
	}
	v, ok, err := pickVersion(versions, request)
	if err != nil {
		return chartVersion{}, render.Errorf(render.ReasonVersionNotFound, "chart %s in %s: %v", name, what, err)
	}
	if !ok {
		return chartVersion{}, versionNotFound(what, name, request, versions, view)
	}
	return v, nil
}

// minIndexAgeToRefetch is how old a cached index must be before Render,
// missing a version in it, fetches it again at once.
const minIndexAgeToRefetch = 10 * time.Second

// Render implements render.Renderer. It accepts an unpinned version too and
// resolves it first, as `helm template --version` does.
func (r *Renderer) Render(ctx context.Context, req render.Request) (*render.Output, error) {
	cs := req.Source.Chart
	if cs == nil {
		return nil, render.Errorf(render.ReasonUnsupportedSource, "the Helm renderer renders chart sources only")
	}
	data, version, err := r.fetchChart(ctx, cs, req.Credentials)
	if err != nil {
		return nil, aboutChart(err, cs.Name, cs.Version)
	}
	objs, err := r.template(ctx, data, req, fmt.Sprintf("chart %s %s from %s", cs.Name, version, cs.RepoURL))
	if err != nil {
		return nil, err
	}
	return &render.Output{Objects: objs, Digest: "sha256:" + sha256Hex(data)}, nil
}

// fetchChart returns the archive of the chart a source names, and the exact
// version it is.
func (r *Renderer) fetchChart(ctx context.Context, cs *convoyv1alpha1.ChartSource, creds *render.Credentials) ([]byte, string, error) {
	if isOCI(cs.RepoURL) {
		o, err := parseOCIChart(cs.RepoURL, cs.Name, creds)
		if err != nil {
			return nil, "", err
		}
		version := cs.Version
		if !isExactVersion(version) {
			v, _, err := r.resolve(ctx, cs, creds)
			if err != nil {
				return nil, "", err
			}
			version = v.Version
		}
		data, err := r.pullChart(ctx, o, version)
		if err != nil {
			return nil, "", err
		}
		return data, version, nil
	}

	h, err := r.httpRepo(cs.RepoURL, creds)
	if err != nil {
		return nil, "", err
	}
	v, view, err := r.resolve(ctx, cs, creds)
	if err != nil {
		// The cached index may predate the version: look again, this time
		// waiting for the repository, unless the index is so fresh that
		// every failing reconcile would download it again.
		if !hasReason(err, render.ReasonChartNotFound, render.ReasonVersionNotFound) || view.age < minIndexAgeToRefetch {
			return nil, "", err
		}
		view, ferr := r.indexes.refreshNow(ctx, indexKey(h), func(ctx context.Context) (*catalog, error) {
			return r.fetchIndex(ctx, h)
		})
		if ferr != nil {
			return nil, "", ferr
		}
		if v, err = pickFrom(view, "chart repository "+h.url, cs.Name, cs.Version); err != nil {
			return nil, "", err
		}
	}
	if v.Digest != "" {
		if data, ok := r.cache.get(v.Digest); ok {
			return data, v.Version, nil
		}
	}
	// Without a digest in the index there is nothing to look up the cache
	// by, so the archive is downloaded every time.
	data, err := r.downloadChart(ctx, h, cs.Name, v)
	if err != nil {
		return nil, "", err
	}
	r.storeInCache(data)
	return data, v.Version, nil
}

// storeInCache keeps an archive for the next render. Failing to cache is
// not failing to render, so the error is dropped.
func (r *Renderer) storeInCache(data []byte) {
	_ = r.cache.put(sha256Hex(data), data)
}
