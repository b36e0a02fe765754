package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/convoy-rollouts/convoy/test/gitserver"
)

// gitRepo commits examples/kustomize/hello under deploy/ in a real git
// repository and returns its URL.
func gitRepo(t *testing.T) string {
	t.Helper()
	files := map[string]string{}
	root := "../../examples/kustomize/hello"
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		data, err := os.ReadFile(path)
		files[filepath.ToSlash(filepath.Join("deploy", rel))] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	repo := gitserver.New(t).NewRepo("hello")
	repo.Commit("hello", files)
	return repo.FileURL()
}
