package helm

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/repo"
)

// Repository is an HTTP chart repository of chart directories, packaged
// as `helm package` and indexed as `helm repo index` would, for convoy dev
// and the demo: a local source that needs no registry account.
type Repository struct {
	// URL the repository answers on.
	URL      string
	server   *http.Server
	listener net.Listener
}

// ServeRepository packages each chart directory into dir and serves dir as
// a chart repository on addr (such as 127.0.0.1:8879) until Close.
func ServeRepository(addr, dir string, charts ...string) (*Repository, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, c := range charts {
		ch, err := loader.LoadDir(c)
		if err != nil {
			return nil, fmt.Errorf("loading chart %s: %w", c, err)
		}
		if _, err := chartutil.Save(ch, dir); err != nil {
			return nil, fmt.Errorf("packaging chart %s: %w", c, err)
		}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	url := "http://" + l.Addr().String()
	index, err := repo.IndexDirectory(dir, url)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("indexing %s: %w", dir, err)
	}
	index.SortEntries()
	if err := index.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		l.Close()
		return nil, err
	}
	r := &Repository{URL: url, listener: l, server: &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = r.server.Serve(l) }()
	return r, nil
}

// Close stops serving.
func (r *Repository) Close() error { return r.server.Close() }
