package e2e

import (
	"testing"

	"github.com/convoy-rollouts/convoy/test/gitserver"
)

// gitRepo commits examples/kustomize/hello under deploy/ in a real git
// repository and returns its URL.
func gitRepo(t *testing.T) string {
	t.Helper()
	repo := gitserver.New(t).NewRepo("hello")
	repo.Commit("hello", gitserver.ReadTree(t, "../../examples/kustomize/hello", "deploy"))
	return repo.FileURL()
}
