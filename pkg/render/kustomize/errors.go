package kustomize

import (
	"fmt"
	"path"
	"strings"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

// target is what one render builds. Every render error names it, so a
// condition says which repository, commit and directory failed.
type target struct {
	repo   *repository
	commit string
	// path is the kustomization directory, slash-separated, relative to
	// the repository root; "." is the root.
	path string
}

func (t target) String() string {
	return fmt.Sprintf("git repository %s at commit %s, path %q", t.repo.display, t.commit, t.path)
}

func (t target) errorf(reason render.Reason, format string, args ...any) error {
	return render.Errorf(reason, "%s: %s", t, fmt.Sprintf(format, args...))
}

// cleanPath checks a source's path (the CRD's rule again: relative, no
// "..") and returns it cleaned, "." for the repository root.
func cleanPath(repo *repository, p string) (string, error) {
	if strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
		return "", render.Errorf(render.ReasonUnsupportedSource,
			"git repository %s: path %q must be relative to the repository root, with forward slashes", repo.display, p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return "", render.Errorf(render.ReasonUnsupportedSource,
				"git repository %s: path %q must not contain ..", repo.display, p)
		}
	}
	return path.Clean("./" + p), nil
}
