package kustomize

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

var hexRef = regexp.MustCompile(`^[0-9a-f]{4,64}$`)

// isFullSHA reports whether s is a full SHA-1 or SHA-256 object name.
func isFullSHA(s string) bool {
	return (len(s) == 40 || len(s) == 64) && hexRef.MatchString(s)
}

// resolveRef turns ref into the full SHA of a commit of repo:
//
//   - "" is the remote's HEAD, its default branch;
//   - a name is looked up as git rev-parse would, first match wins: the
//     full ref name itself ("refs/heads/main", "refs/pull/1/head"), then
//     refs/NAME, refs/tags/NAME, refs/heads/NAME; an annotated tag is peeled
//     to its commit;
//   - otherwise 4 to 64 hex digits name a commit: a full SHA is fetched
//     (which proves it exists and warms the cache for Render), an
//     abbreviation is looked up in the history of every branch and tag,
//     fetched without trees or blobs.
//
// Names are matched by the server (ls-remote with a pattern), so a
// repository with many refs is not listed in full.
func (r *Renderer) resolveRef(ctx context.Context, repo *repository, ref string) (string, error) {
	if strings.HasPrefix(ref, "-") || strings.ContainsAny(ref, " \t\r\n~^:?*[\\") {
		return "", render.Errorf(render.ReasonGitRefNotFound,
			"git repository %s: %q is not a valid branch, tag or commit name", repo.display, ref)
	}
	s, err := r.session(repo)
	if err != nil {
		return "", err
	}
	defer s.close()

	// ls-remote matches patterns against the tail of each line's name; a
	// peeled tag's line is named "refs/tags/NAME^{}".
	patterns := []string{ref, ref + "^{}"}
	if ref == "" {
		patterns = []string{"HEAD"}
	}
	out, err := s.run(ctx, "", append([]string{"ls-remote", repo.url}, patterns...)...)
	if err != nil {
		return "", unreachable(repo, err)
	}
	refs := parseLsRemote(out)
	if ref == "" {
		if sha, ok := refs["HEAD"]; ok {
			return sha, nil
		}
		return "", render.Errorf(render.ReasonGitRefNotFound,
			"git repository %s has no default branch (its HEAD names no commit); set a ref", repo.display)
	}
	var candidates []string
	if strings.HasPrefix(ref, "refs/") || ref == "HEAD" {
		candidates = append(candidates, ref)
	}
	candidates = append(candidates, "refs/"+ref, "refs/tags/"+ref, "refs/heads/"+ref)
	for _, c := range candidates {
		if sha, ok := refs[c+"^{}"]; ok { // the commit an annotated tag points at
			return sha, nil
		}
		if sha, ok := refs[c]; ok {
			return sha, nil
		}
	}
	if hexRef.MatchString(ref) {
		if isFullSHA(ref) {
			_, commit, err := r.checkout(ctx, repo, ref)
			return commit, err
		}
		return r.resolveAbbrev(ctx, s, ref)
	}
	return "", refNotFound(repo, ref)
}

func refNotFound(repo *repository, ref string) error {
	return render.Errorf(render.ReasonGitRefNotFound,
		"git repository %s has no branch, tag or commit %q", repo.display, ref)
}

// parseLsRemote maps ref names to object names. A peeled tag appears as
// "refs/tags/NAME^{}".
func parseLsRemote(out []byte) map[string]string {
	refs := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		sha, name, ok := strings.Cut(sc.Text(), "\t")
		if ok && hexRef.MatchString(sha) {
			refs[name] = sha
		}
	}
	return refs
}

// resolveAbbrev expands an abbreviated commit SHA. The server cannot do it
// (git's protocol has no prefix lookup), so the commits of every branch
// and tag are fetched, without trees or blobs, into a per-repository
// metadata repository that later lookups update incrementally.
func (r *Renderer) resolveAbbrev(ctx context.Context, s *gitSession, abbrev string) (string, error) {
	repo := s.repo
	dir := filepath.Join(r.opts.CacheDir, "meta", repo.key+".git")
	unlock := r.locks.lock("meta/" + repo.key)
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			return "", err
		}
		if _, err := s.run(ctx, "", "init", "--quiet", "--bare", "--template=", dir); err != nil {
			return "", err
		}
		if _, err := s.run(ctx, dir, "remote", "add", "origin", repo.url); err != nil {
			return "", err
		}
	}
	// A server without partial-clone support sends everything, with a
	// warning: slower, still correct.
	if _, err := s.run(ctx, dir, "fetch", "--quiet", "--prune", "--filter=tree:0", "origin",
		"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"); err != nil {
		return "", unreachable(repo, err)
	}
	out, err := s.run(ctx, dir, "rev-parse", "--verify", "--quiet", abbrev+"^{commit}")
	if err != nil {
		if stderrHas(err, "ambiguous") {
			return "", render.Errorf(render.ReasonGitRefNotFound,
				"git repository %s: abbreviated commit %q is ambiguous; give more digits", repo.display, abbrev)
		}
		return "", refNotFound(repo, abbrev)
	}
	return strings.TrimSpace(string(out)), nil
}
