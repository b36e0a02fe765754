package kustomize

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

// checkout returns the directory holding repo's tree at commit sha, and the
// commit's SHA (different from sha only when sha names an annotated tag).
//
// The first call fetches just that commit (git fetch --depth=1 REPO SHA)
// into a new repository, checks it out, drops the .git directory and
// renames the tree to CacheDir/checkouts/REPO-KEY/COMMIT, so a directory
// there is always complete. Every later render of the commit reuses it
// without touching the network. Builds never write to it: they see it
// through a read-only view (repoFS).
//
// Servers that speak only git's original protocol refuse to send a commit
// that no branch or tag points at; for them the branches and tags are
// fetched with their history and the commit is checked out from there.
// Submodules and Git LFS files are not fetched.
func (r *Renderer) checkout(ctx context.Context, repo *repository, sha string) (dir, commit string, err error) {
	base := filepath.Join(r.opts.CacheDir, "checkouts", repo.key)
	final := filepath.Join(base, sha)
	if isDir(final) {
		return final, sha, nil
	}
	unlock := r.locks.lock(repo.key + "/" + sha)
	defer unlock()
	if isDir(final) {
		return final, sha, nil
	}
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", "", err
	}
	tmp, err := os.MkdirTemp(base, ".fetch-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(tmp)

	s, err := r.session(repo)
	if err != nil {
		return "", "", err
	}
	defer s.close()
	if _, err := s.run(ctx, "", "init", "--quiet", "--template=", tmp); err != nil {
		return "", "", err
	}
	_, err = s.run(ctx, tmp, "fetch", "--quiet", "--depth=1", "--no-tags", repo.url, sha)
	switch {
	case err == nil:
	case stderrHas(err, "not our ref", "no such remote ref", "couldn't find remote ref"):
		return "", "", commitNotFound(repo, sha)
	case stderrHas(err, "unadvertised object"):
		_, err = s.run(ctx, tmp, "fetch", "--quiet", "--no-tags", repo.url,
			"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*")
		if err != nil {
			return "", "", unreachable(repo, err)
		}
	default:
		return "", "", unreachable(repo, err)
	}
	out, err := s.run(ctx, tmp, "rev-parse", "--verify", "--quiet", sha+"^{commit}")
	if err != nil {
		return "", "", commitNotFound(repo, sha)
	}
	commit = strings.TrimSpace(string(out))
	if commit != sha {
		final = filepath.Join(base, commit)
		if isDir(final) {
			return final, commit, nil
		}
	}
	if _, err := s.run(ctx, tmp, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit); err != nil {
		return "", "", unreachable(repo, err)
	}
	if err := os.RemoveAll(filepath.Join(tmp, ".git")); err != nil {
		return "", "", err
	}
	if err := os.Rename(tmp, final); err != nil && !isDir(final) {
		return "", "", err
	}
	return final, commit, nil
}

func commitNotFound(repo *repository, sha string) error {
	return render.Errorf(render.ReasonGitRefNotFound,
		"git repository %s has no commit %s reachable from a branch or tag", repo.display, sha)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
