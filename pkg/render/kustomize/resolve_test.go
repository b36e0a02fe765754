package kustomize

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/gitserver"
)

// refsRepo is a repository with every kind of ref:
//
//	main:  c1 ── c2 ── c3        (HEAD)
//	       │             └ branch "both", tag "both" at c1 ┘
//	       ├ tag light (lightweight), tag v1.0 (annotated)
//	dev:   c1 ── d1
type refsRepo struct {
	*gitserver.Repo
	c1, c2, c3, d1 string
	tagObject      string
}

func newRefsRepo(gs *gitserver.Root, name string) *refsRepo {
	r := &refsRepo{Repo: gs.NewRepo(name)}
	r.c1 = r.Commit("c1", map[string]string{"kustomization.yaml": "resources: [cm.yaml]\n", "cm.yaml": cm("c1")})
	r.Tag("light")
	r.tagObject = r.AnnotatedTag("v1.0", "version 1.0")
	r.Tag("both")
	r.Branch("dev")
	r.d1 = r.Commit("d1", map[string]string{"cm.yaml": cm("d1")})
	r.Switch("main")
	r.c2 = r.Commit("c2", map[string]string{"cm.yaml": cm("c2")})
	r.c3 = r.Commit("c3", map[string]string{"cm.yaml": cm("c3")})
	r.Git("branch", "both", r.c3)
	return r
}

func cm(value string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {commit: " + value + "}\n"
}

func TestResolve(t *testing.T) {
	gs := gitserver.New(t)
	repo := newRefsRepo(gs, "refs")
	plain := gs.StartHTTP(gitserver.HTTPOptions{})
	v0 := gs.StartHTTP(gitserver.HTTPOptions{ProtocolV0: true})
	// A repository whose default branch is not main.
	trunk := gs.NewRepo("trunk")
	trunk.Commit("m", map[string]string{"f": "main"})
	trunk.Branch("trunk")
	trunkHead := trunk.Commit("t", map[string]string{"f": "trunk"})

	ctx := context.Background()
	for _, server := range []struct {
		name string
		url  string
	}{
		{"file", repo.FileURL()},
		{"http", plain.RepoURL(repo.Repo)},
		{"http-v0", v0.RepoURL(repo.Repo)},
	} {
		t.Run(server.name, func(t *testing.T) {
			r := newRenderer(t)
			for _, tc := range []struct {
				ref  string
				want string
			}{
				{"", repo.c3},
				{"main", repo.c3},
				{"dev", repo.d1},
				{"refs/heads/dev", repo.d1},
				{"light", repo.c1},
				{"v1.0", repo.c1}, // annotated: peeled to the commit
				{"refs/tags/v1.0", repo.c1},
				{"both", repo.c1}, // a tag wins over a branch, as in git rev-parse
				{"refs/heads/both", repo.c3},
				{repo.c3, repo.c3},         // a branch tip
				{repo.c2, repo.c2},         // a commit no ref points at
				{repo.c2[:7], repo.c2},     // abbreviated
				{repo.c1[:12], repo.c1},    // abbreviated, longer
				{repo.tagObject, repo.c1},  // a tag object's SHA: its commit
				{upperAbbrev(repo.c2), ""}, // git SHAs are lower case
				{"nope", ""},
				{"refs/heads/nope", ""},
				{"abcdef0", ""},
				{strings.Repeat("0", 40), ""},
				{"-n", ""},
			} {
				t.Run(tc.ref, func(t *testing.T) {
					src := source(server.url, tc.ref, "some/path")
					src.Kustomize.SecretRef = &convoyv1alpha1.LocalObjectReference{Name: "creds"}
					got, err := r.Resolve(ctx, src, nil)
					if tc.want == "" {
						if err == nil {
							t.Fatalf("resolved to %s", got.Kustomize.Ref)
						}
						if reasonOf(err) != render.ReasonGitRefNotFound {
							t.Errorf("reason %q: %v", reasonOf(err), err)
						}
						for _, want := range []string{server.url, tc.ref} {
							if !strings.Contains(err.Error(), want) {
								t.Errorf("message %q lacks %q", err, want)
							}
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					if got.Kustomize.Ref != tc.want {
						t.Errorf("ref %s, want %s", got.Kustomize.Ref, tc.want)
					}
					if got.Kustomize.Path != "some/path" || got.Kustomize.RepoURL != server.url || got.Kustomize.SecretRef.Name != "creds" {
						t.Errorf("other fields changed: %+v", got.Kustomize)
					}
					if src.Kustomize.Ref != tc.ref {
						t.Errorf("the input was modified")
					}
				})
			}
		})
	}

	t.Run("default branch", func(t *testing.T) {
		r := newRenderer(t)
		got, err := r.Resolve(ctx, source(trunk.FileURL(), "", ""), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Kustomize.Ref != trunkHead {
			t.Errorf("HEAD resolved to %s, want trunk's %s", got.Kustomize.Ref, trunkHead)
		}
	})

	t.Run("render a commit no ref points at", func(t *testing.T) {
		// Over protocol v0 the server refuses the commit itself, and the
		// renderer falls back to fetching history.
		for _, url := range []string{plain.RepoURL(repo.Repo), v0.RepoURL(repo.Repo)} {
			out, err := newRenderer(t).Render(ctx, render.Request{Source: source(url, repo.c2, "")})
			if err != nil {
				t.Fatal(err)
			}
			if got := stringMap(out.Objects[0], "data")["commit"]; got != "c2" || out.Digest != repo.c2 {
				t.Errorf("%s: rendered %q at %s, want c2 at %s", url, got, out.Digest, repo.c2)
			}
		}
	})

	t.Run("not a kustomize source", func(t *testing.T) {
		_, err := newRenderer(t).Resolve(ctx, convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{}}, nil)
		if reasonOf(err) != render.ReasonUnsupportedSource {
			t.Errorf("reason %q: %v", reasonOf(err), err)
		}
	})
}

func TestResolveUnreachable(t *testing.T) {
	// A port nothing listens on: take one and close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/repo.git"
	ln.Close()
	// A server that answers with 404, as hosts do for unknown repositories.
	gs := gitserver.New(t)
	srv := gs.StartHTTP(gitserver.HTTPOptions{})

	r := newRenderer(t)
	for _, tc := range []struct{ name, url string }{
		{"closed port", closed},
		{"no such repository over http", srv.URL() + "/missing.git"},
		{"no such directory", "file://" + filepath.Join(t.TempDir(), "missing.git")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Resolve(context.Background(), source(tc.url, "main", ""), nil)
			t.Log(err)
			if reasonOf(err) != render.ReasonRepositoryUnreachable {
				t.Errorf("reason %q: %v", reasonOf(err), err)
			}
			if err == nil || !strings.Contains(err.Error(), tc.url) {
				t.Errorf("message does not name %s", tc.url)
			}
		})
	}
	for _, bad := range []string{"ftp://example.com/x", "file://host/x", "http:///x", "/abs/path"} {
		if _, err := r.Resolve(context.Background(), source(bad, "", ""), nil); reasonOf(err) != render.ReasonUnsupportedSource {
			t.Errorf("%s: reason %q: %v", bad, reasonOf(err), err)
		}
	}
}

func TestResolveTimeout(t *testing.T) {
	// A server that accepts requests and never answers them.
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer hang.Close()
	defer close(release)

	r, err := New(Options{CacheDir: t.TempDir(), GitTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Resolve(context.Background(), source(hang.URL+"/repo.git", "main", ""), nil)
	t.Log(err)
	if reasonOf(err) != render.ReasonRepositoryUnreachable || !strings.Contains(err.Error(), "timed out after 500ms") {
		t.Errorf("reason %q: %v", reasonOf(err), err)
	}

	// The caller's context bounds git too.
	r = newRenderer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = r.Resolve(ctx, source(hang.URL+"/repo.git", "main", ""), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled resolve: %v", err)
	}
}

func TestCredentials(t *testing.T) {
	gs := gitserver.New(t)
	repo := gs.NewRepo("private")
	sha := repo.Commit("c", map[string]string{"kustomization.yaml": "resources: [cm.yaml]\n", "cm.yaml": cm("private")})
	const password = "correct-horse-battery-staple"

	auth := gs.StartHTTP(gitserver.HTTPOptions{Username: "alice", Password: password})
	tlsSrv := gs.StartHTTP(gitserver.HTTPOptions{TLS: true})
	mtls := gs.StartHTTP(gitserver.HTTPOptions{RequireClientCert: true})
	clientCert, clientKey := mtls.ClientCert()
	withUser := strings.Replace(auth.RepoURL(repo), "http://", "http://alice:"+password+"@", 1)
	withWrongUser := strings.Replace(auth.RepoURL(repo), "http://", "http://alice:wrong-"+password+"@", 1)

	for _, tc := range []struct {
		name  string
		url   string
		creds *render.Credentials
		ok    bool
	}{
		{"basic auth", auth.RepoURL(repo), &render.Credentials{Username: "alice", Password: password}, true},
		{"basic auth in the URL", withUser, nil, true},
		{"wrong password", auth.RepoURL(repo), &render.Credentials{Username: "alice", Password: "wrong-" + password}, false},
		{"wrong password in the URL", withWrongUser, nil, false},
		{"no credentials", auth.RepoURL(repo), nil, false},
		{"tls with its CA", tlsSrv.RepoURL(repo), &render.Credentials{CAData: tlsSrv.CACert()}, true},
		{"tls with an unknown CA", tlsSrv.RepoURL(repo), nil, false},
		{"tls without verification", tlsSrv.RepoURL(repo), &render.Credentials{InsecureSkipVerify: true}, true},
		{"client certificate", mtls.RepoURL(repo), &render.Credentials{CAData: mtls.CACert(), CertData: clientCert, KeyData: clientKey}, true},
		{"no client certificate", mtls.RepoURL(repo), &render.Credentials{CAData: mtls.CACert()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRenderer(t)
			ctx := context.Background()
			got, err := r.Resolve(ctx, source(tc.url, "main", ""), tc.creds)
			if !tc.ok {
				t.Log(err)
				if reasonOf(err) != render.ReasonRepositoryUnreachable {
					t.Errorf("reason %q: %v", reasonOf(err), err)
				}
				if err != nil && strings.Contains(err.Error(), password) {
					t.Errorf("the password is in the message: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Kustomize.Ref != sha {
				t.Fatalf("resolved %s, want %s", got.Kustomize.Ref, sha)
			}
			if got.Kustomize.RepoURL != tc.url {
				t.Errorf("Resolve changed the URL to %s", got.Kustomize.RepoURL)
			}
			out, err := r.Render(ctx, render.Request{Namespace: "ns", Source: got, Credentials: tc.creds})
			if err != nil {
				t.Fatal(err)
			}
			if v := stringMap(out.Objects[0], "data")["commit"]; v != "private" {
				t.Errorf("rendered %q", v)
			}
			// Nothing the renderer keeps holds the password: not the
			// cache, not a temporary file.
			filepath.WalkDir(r.opts.CacheDir, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				if b, _ := os.ReadFile(p); strings.Contains(string(b), password) {
					t.Errorf("%s holds the password", p)
				}
				if strings.HasPrefix(d.Name(), "tls.") || d.Name() == "ca.crt" {
					t.Errorf("%s was left behind", p)
				}
				return nil
			})
		})
	}
}

// TestWarmRenderStaysLocal checks the cache: a second render of a commit
// sends no request to the server, and a concurrent first render of one
// commit fetches it once.
func TestWarmRenderStaysLocal(t *testing.T) {
	gs := gitserver.New(t)
	repo := gs.NewRepo("hello")
	sha := repo.Commit("hello", exampleFiles(t, ""))
	srv := gs.StartHTTP(gitserver.HTTPOptions{})
	r := newRenderer(t)
	req := render.Request{Namespace: "ns", Source: source(srv.RepoURL(repo), sha, "overlays/production")}
	first, err := r.Render(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	before := srv.Requests()
	if before == 0 {
		t.Fatal("the first render made no request")
	}
	second, err := r.Render(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests() - before; n != 0 {
		t.Errorf("the warm render made %d requests", n)
	}
	equalObjects(t, "warm render", second.Objects, first.Objects)
}

// TestCacheKeyedByCredentials checks that a commit fetched with one
// tenant's credentials is not served from the cache to a render with
// other credentials, or none: the cache is keyed by the repository and the
// credentials' identity, and no key holds a secret in clear.
func TestCacheKeyedByCredentials(t *testing.T) {
	gs := gitserver.New(t)
	repo := gs.NewRepo("private")
	sha := repo.Commit("c", map[string]string{"kustomization.yaml": "resources: [cm.yaml]\n", "cm.yaml": cm("private")})
	const password = "correct-horse-battery-staple"
	auth := gs.StartHTTP(gitserver.HTTPOptions{Username: "alice", Password: password})
	r := newRenderer(t)
	ctx := context.Background()
	src := source(auth.RepoURL(repo), sha, "")
	alice := &render.Credentials{Username: "alice", Password: password}
	if _, err := r.Render(ctx, render.Request{Namespace: "ns", Source: src, Credentials: alice}); err != nil {
		t.Fatal(err)
	}
	for name, creds := range map[string]*render.Credentials{
		"no credentials":   nil,
		"a wrong password": {Username: "alice", Password: "guess"},
		"another user":     {Username: "mallory", Password: password},
	} {
		_, err := r.Render(ctx, render.Request{Namespace: "ns", Source: src, Credentials: creds})
		if reasonOf(err) != render.ReasonRepositoryUnreachable {
			t.Errorf("%s: rendered from alice's checkout (err %v)", name, err)
		}
	}
	// The same credentials hit the cache.
	if _, err := r.Render(ctx, render.Request{Namespace: "ns", Source: src, Credentials: &render.Credentials{Username: "alice", Password: password}}); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, c := range []*render.Credentials{nil, {}, alice, {Username: "alice", Password: "other"}, {Username: "alice", Password: password, InsecureSkipVerify: true}} {
		repo, err := parseRepository(auth.RepoURL(repo), c)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(repo.key, password) || strings.Contains(repo.key, "alice") {
			t.Fatalf("cache key %s holds a credential", repo.key)
		}
		keys[repo.key] = true
	}
	if len(keys) != 4 { // nil and empty credentials are the same: none
		t.Fatalf("%d distinct cache keys for 4 distinct credentials: %v", len(keys), keys)
	}
}

// upperAbbrev is an abbreviation of sha, at least 8 characters and long
// enough to hold a letter, in upper case: one that differs from every
// lower-case abbreviation (an all-digit prefix would not, a 2% chance).
func upperAbbrev(sha string) string {
	n := 8
	for n < len(sha) && !strings.ContainsAny(sha[:n], "abcdef") {
		n++
	}
	return strings.ToUpper(sha[:n])
}
