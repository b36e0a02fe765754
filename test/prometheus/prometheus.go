// Package prometheus runs, for tests, a real Prometheus server (built from
// the Go module proxy by hack/tools.sh) on 127.0.0.1, scraping a small
// exporter of its own whose samples the test sets: an error ratio per
// cluster and release, say. Analysis checks query it as they would a
// production Prometheus; nothing about it is faked but the numbers.
package prometheus

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/convoy-rollouts/convoy/pkg/devenv"
)

// ScrapeInterval is how often the server scrapes: a sample set by the test
// is queryable within about this long.
const ScrapeInterval = time.Second

// Server is a running Prometheus and its exporter.
type Server struct {
	// URL of the query API, such as http://127.0.0.1:41234.
	URL      string
	Exporter *Exporter
	cmd      *exec.Cmd
	dir      string
	opts     Options
	client   *http.Client
}

// Start runs Prometheus until tb's cleanup, scraping its exporter and the
// extra targets (host:port of other /metrics), once ready and with the
// exporter scraped.
func Start(tb testing.TB, extraTargets ...string) *Server {
	tb.Helper()
	s, err := New(extraTargets...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// Options secure a server: TLS with a certificate and key (PEM), and
// basic auth for one user. The zero value serves plain HTTP to anyone.
type Options struct {
	CertPEM, KeyPEM []byte
	// CAPEM signed CertPEM: the harness trusts it to see the server ready.
	CAPEM              []byte
	Username, Password string
}

// New runs Prometheus until Stop, or until the process that started it
// dies: a test binary's suite keeps one for all its tests.
func New(extraTargets ...string) (*Server, error) { return NewWith(Options{}, extraTargets...) }

// NewWith is New with options.
func NewWith(opts Options, extraTargets ...string) (*Server, error) {
	bin, err := devenv.FindPrometheus(devenv.DefaultToolsDir())
	if err != nil {
		return nil, err
	}
	exp, err := StartExporter()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "convoy-prometheus-")
	if err != nil {
		exp.Close()
		return nil, err
	}
	s := &Server{Exporter: exp, dir: dir, opts: opts}
	if err := s.start(bin, append([]string{exp.Addr}, extraTargets...)); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(bin string, targets []string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	config := fmt.Sprintf("global:\n  scrape_interval: %s\n  evaluation_interval: %s\nscrape_configs:\n- job_name: test\n  static_configs:\n  - targets: [%s]\n",
		ScrapeInterval, ScrapeInterval, strings.Join(quoted(targets), ", "))
	if err := os.WriteFile(filepath.Join(s.dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		return err
	}
	logPath := filepath.Join(s.dir, "prometheus.log")
	log, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer log.Close()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := []string{"--config.file=" + filepath.Join(s.dir, "prometheus.yml"), "--storage.tsdb.path=" + filepath.Join(s.dir, "data"),
		"--web.listen-address=" + addr, "--log.level=warn"}
	scheme := "http"
	s.client = http.DefaultClient
	if web, err := s.webConfig(); err != nil {
		return err
	} else if web != "" {
		args = append(args, "--web.config.file="+web)
		if len(s.opts.CertPEM) > 0 {
			scheme = "https"
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(s.opts.CAPEM)
			s.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
		}
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.URL = scheme + "://" + addr
	if err := s.waitReady(30 * time.Second); err != nil {
		out, _ := os.ReadFile(logPath)
		return fmt.Errorf("prometheus on %s: %w\n%s", addr, err, out)
	}
	return nil
}

// webConfig writes Prometheus' web config for TLS and basic auth, and
// returns its path; "" when neither is asked for.
func (s *Server) webConfig() (string, error) {
	var b strings.Builder
	if len(s.opts.CertPEM) > 0 {
		for name, pem := range map[string][]byte{"server.crt": s.opts.CertPEM, "server.key": s.opts.KeyPEM} {
			if err := os.WriteFile(filepath.Join(s.dir, name), pem, 0o600); err != nil {
				return "", err
			}
		}
		fmt.Fprintf(&b, "tls_server_config:\n  cert_file: %s\n  key_file: %s\n", filepath.Join(s.dir, "server.crt"), filepath.Join(s.dir, "server.key"))
	}
	if s.opts.Username != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(s.opts.Password), bcrypt.MinCost)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "basic_auth_users:\n  %s: %s\n", strconv.Quote(s.opts.Username), strconv.Quote(string(hash)))
	}
	if b.Len() == 0 {
		return "", nil
	}
	path := filepath.Join(s.dir, "web.yml")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

// Stop kills the server and its exporter and removes its data.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
	s.Exporter.Close()
	_ = os.RemoveAll(s.dir)
}

// waitReady waits for /-/ready and for the exporter's first scrape.
func (s *Server) waitReady(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		if s.ready(ctx) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready, with the exporter scraped, after %s", timeout)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (s *Server) ready(ctx context.Context) bool {
	for _, path := range []string{"/-/ready", "/api/v1/query?query=" + "up%3D%3D1"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
		if s.opts.Username != "" {
			req.SetBasicAuth(s.opts.Username, s.opts.Password)
		}
		resp, err := s.client.Do(req)
		if err != nil {
			return false
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.Contains(path, "query") && !strings.Contains(string(body), `"value"`) {
			return false
		}
	}
	return true
}

func quoted(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Exporter serves gauges the test sets, in Prometheus' text format, on
// 127.0.0.1.
type Exporter struct {
	// Addr is its host:port.
	Addr    string
	mu      sync.Mutex
	samples map[string]float64 // by series: name{labels}
	server  *http.Server
}

// StartExporter serves an empty exporter.
func StartExporter() (*Exporter, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e := &Exporter{Addr: l.Addr().String(), samples: map[string]float64{}}
	e.server = &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = e.server.Serve(l) }()
	return e, nil
}

// Close stops serving.
func (e *Exporter) Close() { _ = e.server.Close() }

// Set sets the gauge name with labels (name, value pairs, in order) to v.
func (e *Exporter) Set(name string, v float64, labels ...string) {
	var pairs []string
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, labels[i]+"="+strconv.Quote(labels[i+1]))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.samples[name+"{"+strings.Join(pairs, ",")+"}"] = v
}

// ServeHTTP writes every sample, one per line.
func (e *Exporter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	series := make([]string, 0, len(e.samples))
	for s := range e.samples {
		series = append(series, s)
	}
	slices.Sort(series)
	var b strings.Builder
	for _, s := range series {
		fmt.Fprintf(&b, "%s %s\n", s, strconv.FormatFloat(e.samples[s], 'g', -1, 64))
	}
	e.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = io.WriteString(w, b.String())
}
