package gitserver

import (
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"log"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// HTTPOptions configure a smart-HTTP server.
type HTTPOptions struct {
	// Username and Password, when Username is set, are required as HTTP
	// basic auth on every request.
	Username, Password string
	// TLS serves https with a certificate for 127.0.0.1 signed by the
	// server's own CA (HTTPServer.CACert).
	TLS bool
	// RequireClientCert makes the TLS server demand a client certificate
	// signed by the CA whose certificate and key HTTPServer.ClientCert
	// returns. Implies TLS.
	RequireClientCert bool
	// ProtocolV0 hides the client's Git-Protocol header from the backend,
	// so the server speaks only git's original protocol, which refuses to
	// fetch a commit that no branch or tag points at, as older servers do.
	ProtocolV0 bool
}

// HTTPServer serves every repository of a Root over git's smart HTTP
// protocol with `git http-backend`, on 127.0.0.1. It stops when the test
// ends.
type HTTPServer struct {
	srv        *httptest.Server
	requests   atomic.Int64
	clientCert []byte
	clientKey  []byte
}

// StartHTTP starts a server for the repositories of r.
func (r *Root) StartHTTP(opts HTTPOptions) *HTTPServer {
	r.t.Helper()
	exe := backendPath(r.t)
	s := &HTTPServer{}
	backend := func(w http.ResponseWriter, req *http.Request) {
		env := append(Env(),
			"GIT_PROJECT_ROOT="+r.Dir,
			"GIT_HTTP_EXPORT_ALL=1",
		)
		if opts.ProtocolV0 {
			// net/http/cgi passes the header on as HTTP_GIT_PROTOCOL,
			// which git http-backend turns into GIT_PROTOCOL.
			req.Header.Del("Git-Protocol")
		}
		h := &cgi.Handler{Path: exe, Root: "/", Env: env, Stderr: logWriter{r.t, "git http-backend: "}}
		h.ServeHTTP(w, req)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.requests.Add(1)
		if opts.Username != "" && !authorized(req, opts.Username, opts.Password) {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend(w, req)
	})

	srv := httptest.NewUnstartedServer(handler)
	// Refused TLS handshakes are expected in tests of bad credentials.
	srv.Config.ErrorLog = log.New(logWriter{r.t, ""}, "gitserver: ", 0)
	// httptest would fall back to [::1]; the brief is 127.0.0.1 only.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		r.t.Fatal(err)
	}
	srv.Listener.Close()
	srv.Listener = ln
	if opts.TLS || opts.RequireClientCert {
		if opts.RequireClientCert {
			ca := newCA(r.t)
			s.clientCert, s.clientKey = ca.issueClient(r.t)
			pool := x509.NewCertPool()
			pool.AddCert(ca.cert)
			srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
		}
		srv.StartTLS()
	} else {
		srv.Start()
	}
	s.srv = srv
	r.t.Cleanup(srv.Close)
	return s
}

// RepoURL is the http(s) URL of repo on this server.
func (s *HTTPServer) RepoURL(repo *Repo) string { return s.srv.URL + "/" + repo.Name + ".git" }

// URL is the server's base URL.
func (s *HTTPServer) URL() string { return s.srv.URL }

// Requests counts the HTTP requests the server has received, including
// those it rejected for lack of credentials.
func (s *HTTPServer) Requests() int64 { return s.requests.Load() }

// CACert is the PEM certificate that verifies a TLS server; nil for plain
// HTTP.
func (s *HTTPServer) CACert() []byte {
	if s.srv.TLS == nil || s.srv.Certificate() == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// ClientCert returns the PEM certificate and key a client must present
// when the server was started with RequireClientCert.
func (s *HTTPServer) ClientCert() (cert, key []byte) { return s.clientCert, s.clientKey }

// logWriter sends a server's diagnostics to the test log, where they show
// with the test that caused them, rather than to the process's stderr.
type logWriter struct {
	t      testing.TB
	prefix string
}

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(w.prefix + strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func authorized(req *http.Request, username, password string) bool {
	u, p, ok := req.BasicAuth()
	if !ok {
		return false
	}
	// Compare both halves in constant time, and both always.
	uok := subtle.ConstantTimeCompare([]byte(u), []byte(username))
	pok := subtle.ConstantTimeCompare([]byte(p), []byte(password))
	return uok&pok == 1
}

// backendPath finds git http-backend in git's exec path.
func backendPath(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Fatalf("gitserver: git --exec-path: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
}
