// Package gitserver gives tests real git repositories: it builds them with
// the git binary (init, commits of files given as a map, branches,
// lightweight and annotated tags) and serves them as file:// URLs and over
// git's smart HTTP protocol through `git http-backend`, the CGI program real
// git servers run, on 127.0.0.1 only. HTTP servers can require basic auth,
// TLS and a client certificate, and count the requests they answer, so a
// test can prove that a cached render did not touch the network.
//
//	gs := gitserver.New(t)
//	repo := gs.NewRepo("app")
//	sha := repo.Commit("first", map[string]string{"kustomization.yaml": "..."})
//	repo.AnnotatedTag("v1", "release v1")
//	srv := gs.StartHTTP(gitserver.HTTPOptions{Username: "u", Password: "p"})
//	url := srv.RepoURL(repo) // http://127.0.0.1:PORT/app.git
package gitserver

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Root holds the repositories of one test. Its directory is removed when the
// test ends.
type Root struct {
	t testing.TB
	// Dir holds the served git directories, one NAME.git per repository.
	Dir string
	// work holds the working trees the commits are made in.
	work string
}

// New makes an empty Root in a temporary directory of t.
func New(t testing.TB) *Root {
	t.Helper()
	base := t.TempDir()
	r := &Root{t: t, Dir: filepath.Join(base, "git"), work: filepath.Join(base, "work")}
	for _, d := range []string{r.Dir, r.work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

var repoName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// Repo is one repository: a git directory under Root.Dir (what is served)
// with a working tree beside it (where commits are made).
type Repo struct {
	t    testing.TB
	Name string
	// GitDir is the repository's git directory, NAME.git under Root.Dir.
	GitDir string
	// WorkTree is the checkout the commits are made in.
	WorkTree string
	// mu serialises git commands on the repository so tests may share it
	// between parallel subtests.
	mu sync.Mutex
}

// NewRepo initialises an empty repository whose default branch is main.
func (r *Root) NewRepo(name string) *Repo {
	r.t.Helper()
	if !repoName.MatchString(name) {
		r.t.Fatalf("gitserver: invalid repository name %q", name)
	}
	repo := &Repo{
		t:        r.t,
		Name:     name,
		GitDir:   filepath.Join(r.Dir, name+".git"),
		WorkTree: filepath.Join(r.work, name),
	}
	// --separate-git-dir keeps the served directory free of a working tree,
	// like a server's, while commits are still made with ordinary porcelain.
	// --template= skips the sample hooks.
	repo.git("init", "--quiet", "--template=", "--initial-branch=main",
		"--separate-git-dir="+repo.GitDir, repo.WorkTree)
	// Let clients ask for partial clones (--filter), as hosted servers do.
	repo.git("config", "uploadpack.allowFilter", "true")
	return repo
}

// FileURL is the repository's file:// URL.
func (r *Repo) FileURL() string { return "file://" + filepath.ToSlash(r.GitDir) }

// Commit writes files (path relative to the repository root → content),
// stages every change in the working tree, commits on the current branch
// and returns the commit's SHA. Files not named keep their content.
func (r *Repo) Commit(message string, files map[string]string) string {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, content := range files {
		p := filepath.Join(r.WorkTree, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	r.gitLocked("add", "--all")
	r.gitLocked("commit", "--quiet", "--allow-empty", "--no-verify", "-m", message)
	return r.gitLocked("rev-parse", "HEAD")
}

// Remove deletes paths (files or directories) from the working tree; the
// next Commit records the deletion.
func (r *Repo) Remove(paths ...string) {
	r.t.Helper()
	for _, p := range paths {
		if err := os.RemoveAll(filepath.Join(r.WorkTree, filepath.FromSlash(p))); err != nil {
			r.t.Fatal(err)
		}
	}
}

// Symlink creates a symbolic link at path pointing to target (as given,
// relative or absolute); the next Commit records it.
func (r *Repo) Symlink(path, target string) {
	r.t.Helper()
	p := filepath.Join(r.WorkTree, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		r.t.Fatal(err)
	}
}

// Branch creates branch name at the current commit and switches to it.
//
// The working tree shares its git directory with the served repository, so
// the branch checked out is also the served HEAD: the remote's default
// branch as clients see it.
func (r *Repo) Branch(name string) { r.git("switch", "--quiet", "-c", name) }

// Switch checks out an existing branch, which becomes the served HEAD.
func (r *Repo) Switch(name string) { r.git("switch", "--quiet", name) }

// Tag creates a lightweight tag at the current commit.
func (r *Repo) Tag(name string) { r.git("tag", name) }

// AnnotatedTag creates an annotated tag at the current commit and returns
// the SHA of the tag object (not of the commit it points to).
func (r *Repo) AnnotatedTag(name, message string) string {
	r.git("tag", "--annotate", "-m", message, name)
	return r.git("rev-parse", "refs/tags/"+name)
}

// Head returns the SHA of the current commit.
func (r *Repo) Head() string { return r.git("rev-parse", "HEAD") }

// Git runs git in the working tree and returns its trimmed output, for
// anything the helpers above do not cover.
func (r *Repo) Git(args ...string) string { return r.git(args...) }

func (r *Repo) git(args ...string) string {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gitLocked(args...)
}

func (r *Repo) gitLocked(args ...string) string {
	r.t.Helper()
	dir := r.WorkTree
	if _, err := os.Stat(dir); err != nil {
		// git init creates the working tree itself.
		dir = filepath.Dir(dir)
	}
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = Env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("gitserver: git %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// Env is the environment the package runs git with: no system or user
// configuration, no prompts, and a fixed identity, so a developer's
// ~/.gitconfig cannot change what the tests build.
func Env() []string {
	env := []string{
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=convoy test",
		"GIT_AUTHOR_EMAIL=test@convoy.invalid",
		"GIT_COMMITTER_NAME=convoy test",
		"GIT_COMMITTER_EMAIL=test@convoy.invalid",
		"LC_ALL=C",
	}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}
