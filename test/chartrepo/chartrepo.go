// Package chartrepo serves a real Helm chart repository on 127.0.0.1 for
// tests: charts are packaged from directories with the Helm SDK, indexed
// with Helm's own index type, and served as index.yaml and .tgz files over
// HTTP or HTTPS, with optional basic auth. Knobs let a test break it:
// a status code for any path, a malformed index, an index request that
// blocks until the test releases it, a repository that answers every
// request late.
//
// Like pkg/render/helm, it imports helm.sh/helm/v3: a test fixture that
// packages charts the way `helm package` does.
package chartrepo

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"
)

// Chart is a chart directory to publish, in one or more versions.
type Chart struct {
	Dir string
	// Versions to publish, each packaged with Chart.yaml's version
	// replaced. Empty publishes the version in Chart.yaml.
	Versions []string
}

// Options configure a Server.
type Options struct {
	Charts []Chart
	// Username and Password, when set, are required as basic auth on
	// every request.
	Username, Password string
	// TLS, when set, serves HTTPS with a certificate for 127.0.0.1 issued
	// by this CA.
	TLS *CA
	// RequireClientCert asks clients for a certificate from TLS.
	RequireClientCert bool
	// AbsoluteURLs writes absolute chart URLs into the index instead of
	// relative ones (charts/NAME-VERSION.tgz).
	AbsoluteURLs bool
	// Delay makes every response wait this long, as a slow repository's
	// do; at most MaxDelay. A client that gives up, or the end of the
	// test, cuts the wait short.
	Delay time.Duration
}

// MaxDelay bounds Options.Delay: a test server never holds a request
// longer.
const MaxDelay = time.Minute

// Server is a running chart repository.
type Server struct {
	// URL is the repository URL, http(s)://127.0.0.1:PORT.
	URL string

	opts Options
	srv  *httptest.Server

	mu       sync.Mutex
	archives map[string][]byte // URL path → archive
	entries  []entry           // published versions, in order
	requests map[string]int    // URL path → count
	status   map[string]int    // URL path → forced status
	rawIndex []byte            // replaces the generated index when set
	hold     chan struct{}     // index requests wait for it to close
	arrived  chan struct{}     // receives when an index request is held
	answered map[string]int    // URL path → responses written
	closing  chan struct{}     // closed when the test ends
}

type entry struct {
	file   string // NAME-VERSION.tgz
	digest string // hex sha256
}

// Start packages opts.Charts and serves them until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{
		opts:     opts,
		archives: map[string][]byte{},
		requests: map[string]int{},
		status:   map[string]int{},
		answered: map[string]int{},
		closing:  make(chan struct{}),
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if opts.TLS != nil {
		s.srv.TLS = opts.TLS.ServerConfig(t, opts.RequireClientCert)
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	t.Cleanup(s.srv.Close)
	// Runs before Close (cleanups run last-in first-out), which waits for
	// the requests a Delay holds.
	t.Cleanup(func() { close(s.closing) })
	s.URL = s.srv.URL
	for _, c := range opts.Charts {
		if len(c.Versions) == 0 {
			s.Publish(t, c.Dir, "")
		}
		for _, v := range c.Versions {
			s.Publish(t, c.Dir, v)
		}
	}
	return s
}

// Package packages the chart in dir as `helm package --version` would and
// returns the archive. An empty version keeps Chart.yaml's.
func Package(t testing.TB, dir, version string) []byte {
	t.Helper()
	ch, err := loader.LoadDir(dir)
	if err != nil {
		t.Fatalf("load chart %s: %v", dir, err)
	}
	if version != "" {
		ch.Metadata.Version = version
	}
	out := t.TempDir()
	path, err := chartutil.Save(ch, out)
	if err != nil {
		t.Fatalf("package chart %s: %v", dir, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read packaged chart: %v", err)
	}
	return data
}

// Publish packages the chart in dir at version (empty: Chart.yaml's),
// adds it to the index, and returns the archive's hex sha256.
func (s *Server) Publish(t testing.TB, dir, version string) string {
	t.Helper()
	return s.PublishArchive(t, Package(t, dir, version))
}

// PublishArchive adds a packaged chart to the index and returns its hex
// sha256.
func (s *Server) PublishArchive(t testing.TB, data []byte) string {
	t.Helper()
	ch, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("load packaged chart: %v", err)
	}
	sum := sha256.Sum256(data)
	e := entry{
		file:   ch.Metadata.Name + "-" + ch.Metadata.Version + ".tgz",
		digest: hex.EncodeToString(sum[:]),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.archives["/charts/"+e.file] = data
	s.entries = append(s.entries, e)
	return e.digest
}

// ChartPath is the URL path of a published archive.
func ChartPath(name, version string) string {
	return "/charts/" + name + "-" + version + ".tgz"
}

// Requests returns how many requests reached path, such as "/index.yaml"
// or ChartPath("hello", "0.1.0").
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// Answered returns how many responses to path were written, after any
// Delay: a slow repository that Requests counts but Answered does not is
// still keeping its client waiting.
func (s *Server) Answered(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answered[path]
}

// SetStatus makes requests for path fail with code; 0 restores normal
// service.
func (s *Server) SetStatus(path string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.status, path)
		return
	}
	s.status[path] = code
}

// SetIndex serves raw as index.yaml instead of the generated index; nil
// restores the generated one.
func (s *Server) SetIndex(raw []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rawIndex = raw
}

// HoldIndex makes index requests block: the repository turns slow. Every
// held request sends on arrived; release lets them (and later ones) through.
// The hold is released when the test ends, at the latest.
func (s *Server) HoldIndex(t testing.TB) (arrived <-chan struct{}, release func()) {
	s.mu.Lock()
	hold := make(chan struct{})
	s.hold = hold
	s.arrived = make(chan struct{}, 16)
	arr := s.arrived
	s.mu.Unlock()
	var once sync.Once
	release = func() {
		once.Do(func() {
			s.mu.Lock()
			if s.hold == hold {
				s.hold = nil
			}
			s.mu.Unlock()
			close(hold)
		})
	}
	// Cleanups run last-in first-out: this runs before the server closes,
	// which waits for held requests.
	t.Cleanup(release)
	return arr, release
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	code := s.status[r.URL.Path]
	hold, arrived := s.hold, s.arrived
	s.mu.Unlock()
	if !s.delay(r) {
		return
	}
	defer func() {
		s.mu.Lock()
		s.answered[r.URL.Path]++
		s.mu.Unlock()
	}()

	if s.opts.Username != "" || s.opts.Password != "" {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(s.opts.Username)) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(s.opts.Password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="chartrepo"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	if r.URL.Path == "/index.yaml" && hold != nil {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	if code != 0 {
		http.Error(w, http.StatusText(code), code)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/index.yaml" {
		index, err := s.index()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/x-yaml")
		_, _ = w.Write(index)
		return
	}
	s.mu.Lock()
	data, ok := s.archives[r.URL.Path]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	_, _ = w.Write(data)
}

// delay waits out Options.Delay; false when the client or the test gave up
// first.
func (s *Server) delay(r *http.Request) bool {
	if s.opts.Delay <= 0 {
		return true
	}
	timer := time.NewTimer(min(s.opts.Delay, MaxDelay))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
	case <-s.closing:
	}
	return false
}

// index builds index.yaml with Helm's index type from what is published.
func (s *Server) index() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rawIndex != nil {
		return s.rawIndex, nil
	}
	baseURL := "charts"
	if s.opts.AbsoluteURLs {
		baseURL = s.URL + "/charts"
	}
	idx := repo.NewIndexFile()
	for _, e := range s.entries {
		ch, err := loader.LoadArchive(bytes.NewReader(s.archives["/charts/"+e.file]))
		if err != nil {
			return nil, err
		}
		if err := idx.MustAdd(ch.Metadata, filepath.Base(e.file), baseURL, e.digest); err != nil {
			return nil, err
		}
	}
	idx.SortEntries()
	return yaml.Marshal(idx)
}
