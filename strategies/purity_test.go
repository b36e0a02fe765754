package strategies

import (
	"os/exec"
	"strings"
	"testing"
)

// strategies is pure decision code: it must never depend on client-go or
// controller-runtime, even through the API types.
func TestImportsNoClientLibraries(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"k8s.io/client-go", "sigs.k8s.io/controller-runtime"} {
			if strings.HasPrefix(pkg, banned) {
				t.Errorf("strategies depends on %s", pkg)
			}
		}
	}
}
