package kustomize

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// errOutsideRepo marks a path kustomize asked for beyond the checkout.
var errOutsideRepo = errors.New("is outside the repository")

// repoFS is the filesystem a build sees: one checkout, read-only, ending at
// the repository root. Paths are absolute paths under the checkout, as
// kustomize expects. Two checks keep reads inside:
//
//   - every path is compared, lexically, with the root, so "../x" stops at
//     the root instead of reading the cache or the host;
//   - files are opened through an os.Root, which refuses symlinks that lead
//     out of the root (kustomize's own on-disk filesystem follows them
//     anywhere), and CleanedAbs, which resolves symlinks for kustomize's
//     loader, checks where they end.
//
// Writes fail: the checkout is shared by every render of its commit. Error
// messages name paths relative to the repository root.
type repoFS struct {
	root string // absolute, symlink-free
	r    *os.Root
}

var _ filesys.FileSystem = (*repoFS)(nil)

func openRepoFS(dir string) (*repoFS, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	if real, err = filepath.Abs(real); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(real)
	if err != nil {
		return nil, err
	}
	return &repoFS{root: real, r: r}, nil
}

func (f *repoFS) Close() error { return f.r.Close() }

// rel maps a path to one relative to the root, or fails if it leaves it.
func (f *repoFS) rel(p string) (string, error) {
	if !filepath.IsAbs(p) {
		p = filepath.Join(f.root, p)
	}
	rel, err := filepath.Rel(f.root, filepath.Clean(p))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", &fs.PathError{Op: "open", Path: f.display(p), Err: errOutsideRepo}
	}
	return rel, nil
}

// display names a path for messages: relative to the repository root.
func (f *repoFS) display(p string) string {
	if rel, err := filepath.Rel(f.root, p); err == nil {
		return filepath.ToSlash(rel)
	}
	return p
}

// abs is the absolute path of a root-relative path.
func (f *repoFS) abs(rel string) string { return filepath.Join(f.root, rel) }

// fsPath is a root-relative path as io/fs wants it.
func fsPath(rel string) string { return filepath.ToSlash(rel) }

func (f *repoFS) readOnly(p string) error {
	return &fs.PathError{Op: "write", Path: f.display(p), Err: errors.New("the repository checkout is read-only")}
}

func (f *repoFS) Create(p string) (filesys.File, error) { return nil, f.readOnly(p) }
func (f *repoFS) Mkdir(p string) error                  { return f.readOnly(p) }
func (f *repoFS) MkdirAll(p string) error               { return f.readOnly(p) }
func (f *repoFS) RemoveAll(p string) error              { return f.readOnly(p) }
func (f *repoFS) WriteFile(p string, _ []byte) error    { return f.readOnly(p) }

func (f *repoFS) Open(p string) (filesys.File, error) {
	rel, err := f.rel(p)
	if err != nil {
		return nil, err
	}
	file, err := f.r.Open(rel)
	if err != nil {
		return nil, f.relErr(err)
	}
	return file, nil
}

func (f *repoFS) ReadFile(p string) ([]byte, error) {
	rel, err := f.rel(p)
	if err != nil {
		return nil, err
	}
	b, err := f.r.ReadFile(rel)
	if err != nil {
		return nil, f.relErr(err)
	}
	return b, nil
}

func (f *repoFS) stat(p string) (fs.FileInfo, error) {
	rel, err := f.rel(p)
	if err != nil {
		return nil, err
	}
	return f.r.Stat(rel)
}

func (f *repoFS) Exists(p string) bool {
	_, err := f.stat(p)
	return err == nil
}

func (f *repoFS) IsDir(p string) bool {
	fi, err := f.stat(p)
	return err == nil && fi.IsDir()
}

func (f *repoFS) ReadDir(p string) ([]string, error) {
	rel, err := f.rel(p)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(f.r.FS(), fsPath(rel))
	if err != nil {
		return nil, f.relErr(err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

// CleanedAbs resolves symlinks, as kustomize's on-disk filesystem does, and
// refuses a result outside the root. Unlike it, it returns errors where that
// one calls log.Fatalf.
func (f *repoFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	rel, err := f.rel(p)
	if err != nil {
		return "", "", err
	}
	resolved, err := filepath.EvalSymlinks(f.abs(rel))
	if err != nil {
		return "", "", fmt.Errorf("evalsymlink failure on '%s': %w", f.display(f.abs(rel)), f.relErr(err))
	}
	if _, err := f.rel(resolved); err != nil {
		return "", "", &fs.PathError{Op: "open", Path: f.display(f.abs(rel)),
			Err: fmt.Errorf("symbolic link %w", errOutsideRepo)}
	}
	fi, err := os.Stat(resolved)
	if err != nil {
		return "", "", f.relErr(err)
	}
	if fi.IsDir() {
		return filesys.ConfirmedDir(resolved), "", nil
	}
	return filesys.ConfirmedDir(filepath.Dir(resolved)), filepath.Base(resolved), nil
}

// Glob matches within the root only; like kustomize's on-disk filesystem it
// drops hidden files unless the pattern asks for them.
func (f *repoFS) Glob(pattern string) ([]string, error) {
	rel, err := f.rel(pattern)
	if err != nil {
		return nil, err
	}
	matches, err := fs.Glob(f.r.FS(), fsPath(rel))
	if err != nil {
		return nil, err
	}
	for i, m := range matches {
		matches[i] = f.abs(filepath.FromSlash(m))
	}
	if filesys.IsHiddenFilePath(pattern) {
		return matches, nil
	}
	return filesys.RemoveHiddenFiles(matches), nil
}

func (f *repoFS) Walk(p string, walkFn filepath.WalkFunc) error {
	rel, err := f.rel(p)
	if err != nil {
		return err
	}
	return fs.WalkDir(f.r.FS(), fsPath(rel), func(name string, d fs.DirEntry, err error) error {
		var info fs.FileInfo
		if err == nil {
			info, err = d.Info()
		}
		return walkFn(f.abs(filepath.FromSlash(name)), info, err)
	})
}

// relErr rewrites the path of a *fs.PathError to be repository-relative, so
// messages do not show the cache's layout.
func (f *repoFS) relErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		p := pe.Path
		if filepath.IsAbs(p) {
			p = f.display(p)
		}
		return &fs.PathError{Op: pe.Op, Path: p, Err: pe.Err}
	}
	return err
}
