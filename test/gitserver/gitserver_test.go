package gitserver

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// lsRemote runs git ls-remote against url with extra environment and
// returns its output and error.
func lsRemote(t *testing.T, url string, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", "ls-remote", url)
	cmd.Env = append(Env(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestRepoRefs(t *testing.T) {
	gs := New(t)
	repo := gs.NewRepo("app")
	c1 := repo.Commit("one", map[string]string{"a/b.txt": "one"})
	repo.Tag("light")
	tagObj := repo.AnnotatedTag("v1", "version one")
	repo.Branch("dev")
	c2 := repo.Commit("two", map[string]string{"a/b.txt": "two"})
	repo.Switch("main")

	out, err := lsRemote(t, repo.FileURL())
	if err != nil {
		t.Fatalf("ls-remote: %v: %s", err, out)
	}
	for _, want := range []string{
		c1 + "\tHEAD",
		c1 + "\trefs/heads/main",
		c2 + "\trefs/heads/dev",
		c1 + "\trefs/tags/light",
		tagObj + "\trefs/tags/v1",
		c1 + "\trefs/tags/v1^{}",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("ls-remote output lacks %q:\n%s", want, out)
		}
	}
	if tagObj == c1 {
		t.Errorf("annotated tag object %s equals its commit", tagObj)
	}

	repo.Remove("a")
	repo.Commit("remove", nil)
	if _, err := os.Stat(filepath.Join(repo.WorkTree, "a")); !os.IsNotExist(err) {
		t.Errorf("a still exists: %v", err)
	}
}

func TestHTTP(t *testing.T) {
	gs := New(t)
	repo := gs.NewRepo("app")
	head := repo.Commit("one", map[string]string{"f": "x"})

	t.Run("plain", func(t *testing.T) {
		srv := gs.StartHTTP(HTTPOptions{})
		if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") {
			t.Fatalf("server URL %s is not on 127.0.0.1", srv.URL())
		}
		out, err := lsRemote(t, srv.RepoURL(repo))
		if err != nil || !strings.Contains(out, head+"\tHEAD") {
			t.Fatalf("ls-remote: %v: %s", err, out)
		}
		if srv.Requests() == 0 {
			t.Error("no requests counted")
		}
		// A real clone: the backend must serve packs, not just refs.
		dst := filepath.Join(t.TempDir(), "clone")
		cmd := exec.Command("git", "clone", "--quiet", srv.RepoURL(repo), dst)
		cmd.Env = Env()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("clone: %v: %s", err, out)
		}
		if b, err := os.ReadFile(filepath.Join(dst, "f")); err != nil || string(b) != "x" {
			t.Fatalf("cloned file: %q, %v", b, err)
		}
	})

	t.Run("basic auth", func(t *testing.T) {
		srv := gs.StartHTTP(HTTPOptions{Username: "alice", Password: "s3cret"})
		if out, err := lsRemote(t, srv.RepoURL(repo)); err == nil {
			t.Fatalf("ls-remote without credentials succeeded: %s", out)
		}
		u := strings.Replace(srv.RepoURL(repo), "http://", "http://alice:s3cret@", 1)
		if out, err := lsRemote(t, u); err != nil {
			t.Fatalf("ls-remote with credentials: %v: %s", err, out)
		}
		bad := strings.Replace(srv.RepoURL(repo), "http://", "http://alice:wrong@", 1)
		if out, err := lsRemote(t, bad); err == nil {
			t.Fatalf("ls-remote with a wrong password succeeded: %s", out)
		}
	})

	t.Run("tls", func(t *testing.T) {
		srv := gs.StartHTTP(HTTPOptions{TLS: true})
		if out, err := lsRemote(t, srv.RepoURL(repo)); err == nil {
			t.Fatalf("ls-remote trusted an unknown CA: %s", out)
		}
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, srv.CACert(), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := lsRemote(t, srv.RepoURL(repo), "GIT_SSL_CAINFO="+ca); err != nil {
			t.Fatalf("ls-remote with CA: %v: %s", err, out)
		}
	})

	t.Run("client certificate", func(t *testing.T) {
		srv := gs.StartHTTP(HTTPOptions{RequireClientCert: true})
		dir := t.TempDir()
		ca, cert, key := filepath.Join(dir, "ca"), filepath.Join(dir, "cert"), filepath.Join(dir, "key")
		c, k := srv.ClientCert()
		for p, b := range map[string][]byte{ca: srv.CACert(), cert: c, key: k} {
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if out, err := lsRemote(t, srv.RepoURL(repo), "GIT_SSL_CAINFO="+ca); err == nil {
			t.Fatalf("ls-remote without a client certificate succeeded: %s", out)
		}
		if out, err := lsRemote(t, srv.RepoURL(repo), "GIT_SSL_CAINFO="+ca,
			"GIT_SSL_CERT="+cert, "GIT_SSL_KEY="+key); err != nil {
			t.Fatalf("ls-remote with a client certificate: %v: %s", err, out)
		}
	})

	t.Run("protocol v0 refuses unadvertised commits", func(t *testing.T) {
		old := repo.Head()
		repo.Commit("two", nil)
		for _, v0 := range []bool{false, true} {
			srv := gs.StartHTTP(HTTPOptions{ProtocolV0: v0})
			dir := filepath.Join(t.TempDir(), "r")
			for _, args := range [][]string{
				{"init", "--quiet", dir},
				{"-C", dir, "fetch", "--quiet", "--depth=1", srv.RepoURL(repo), old},
			} {
				cmd := exec.Command("git", args...)
				cmd.Env = Env()
				out, err := cmd.CombinedOutput()
				if args[0] == "init" && err != nil {
					t.Fatal(err)
				}
				if args[0] != "init" && (err == nil) == v0 {
					t.Errorf("ProtocolV0=%v: fetch of an unadvertised commit: err=%v: %s", v0, err, out)
				}
			}
		}
	})
}
