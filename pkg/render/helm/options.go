package helm

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"helm.sh/helm/v3/pkg/chartutil"
)

// Options configure a Renderer. The zero value is usable: New fills in the
// defaults documented on each field.
type Options struct {
	// CacheDir holds downloaded chart archives, named by digest. Default:
	// the user's cache directory, convoy/charts.
	CacheDir string
	// MaxCacheSize bounds the archives kept in CacheDir; the least recently
	// used are removed first. Default 256 MiB.
	MaxCacheSize int64

	// MaxChartSize bounds a chart archive's download. Default 10 MiB, as
	// Flux's source-controller.
	MaxChartSize int64
	// MaxIndexSize bounds a repository index.yaml. Default 32 MiB: big
	// public repositories have indexes of several MiB.
	MaxIndexSize int64
	// MaxCachedIndexes bounds how many repository indexes are kept in
	// memory; the least recently used is dropped first. Default 64.
	MaxCachedIndexes int

	// IndexRefreshInterval is the age after which a cached index (or OCI tag
	// list) is refreshed in the background on its next use. Default 1m.
	IndexRefreshInterval time.Duration
	// IndexTimeout bounds one fetch of an index or tag list. Default 30s.
	IndexTimeout time.Duration
	// ChartTimeout bounds one chart download. Default 60s.
	ChartTimeout time.Duration
	// RenderTimeout bounds the template execution of one render. Default 30s.
	RenderTimeout time.Duration

	// PlainHTTPRegistries lists OCI registries (host or host:port) reached
	// over plain HTTP instead of HTTPS, like Docker's insecure registries.
	PlainHTTPRegistries []string

	// KubeVersion and APIVersions are `helm template`'s --kube-version and
	// --api-versions. Empty means helm template's client-only defaults.
	KubeVersion string
	APIVersions []string
	// IncludeCRDs adds the charts' crds/ files to the output, as helm
	// template's --include-crds. Off by default, as in helm template.
	IncludeCRDs bool
}

const (
	mib = 1 << 20

	defaultMaxCacheSize         = 256 * mib
	defaultMaxChartSize         = 10 * mib
	defaultMaxIndexSize         = 32 * mib
	defaultMaxCachedIndexes     = 64
	defaultIndexRefreshInterval = time.Minute
	defaultIndexTimeout         = 30 * time.Second
	defaultChartTimeout         = 60 * time.Second
	defaultRenderTimeout        = 30 * time.Second
)

// withDefaults returns o with every unset field at its default, and the
// parsed kube version.
func (o Options) withDefaults() (Options, *chartutil.KubeVersion, error) {
	if o.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		o.CacheDir = filepath.Join(base, "convoy", "charts")
	}
	setDefault(&o.MaxCacheSize, defaultMaxCacheSize)
	setDefault(&o.MaxChartSize, defaultMaxChartSize)
	setDefault(&o.MaxIndexSize, defaultMaxIndexSize)
	setDefault(&o.MaxCachedIndexes, defaultMaxCachedIndexes)
	setDefault(&o.IndexRefreshInterval, defaultIndexRefreshInterval)
	setDefault(&o.IndexTimeout, defaultIndexTimeout)
	setDefault(&o.ChartTimeout, defaultChartTimeout)
	setDefault(&o.RenderTimeout, defaultRenderTimeout)

	var kv *chartutil.KubeVersion
	if o.KubeVersion != "" {
		parsed, err := chartutil.ParseKubeVersion(o.KubeVersion)
		if err != nil {
			return o, nil, fmt.Errorf("invalid KubeVersion %q: %w", o.KubeVersion, err)
		}
		kv = parsed
	}
	return o, kv, nil
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
