package gitserver

import (
	"os"
	"path/filepath"
	"testing"
)

// ReadTree reads every file under dir as path → content, the paths
// relative to dir under prefix: a directory of the checkout (such as
// examples/kustomize/hello) ready to Commit.
func ReadTree(t testing.TB, dir, prefix string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data, err := os.ReadFile(path)
		files[filepath.ToSlash(filepath.Join(prefix, rel))] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
