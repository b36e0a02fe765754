package chart

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// goToolHelm runs the module's helm CLI (go tool helm, the version go.mod
// pins) at the repository root with its state in a temporary directory,
// and returns its combined output.
func goToolHelm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"tool", "helm"}, args...)...)
	cmd.Dir = repoRoot
	home := t.TempDir()
	cmd.Env = append(cmd.Environ(),
		"GOTOOLCHAIN=local",
		"HELM_CACHE_HOME="+home+"/cache", "HELM_CONFIG_HOME="+home+"/config", "HELM_DATA_HOME="+home+"/data",
	)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestHelmLint(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		// wantErr, when set, is a text the failing lint's output must
		// contain; empty means lint must pass.
		wantErr string
	}{
		{name: "with zones", args: []string{"--set", "dns.zones={apps.example.com}"}},
		{name: "DNS off needs no zones", args: []string{"--set", "dns.enabled=false"}},
		// helm lint ignores the templates' fail and required, so the
		// values schema is what makes a missing zone fail lint.
		{name: "without zones", wantErr: "/dns/zones"},
		{name: "embedded DNS without zones", args: []string{"--set", "dns.enabled=false", "--set", "manager.dns.enabled=true"}, wantErr: "/dns/zones"},
		{name: "typo", args: []string{"--set", "dns.zones={apps.example.com}", "--set", "manager.replica=3"}, wantErr: "replica"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := goToolHelm(t, append([]string{"lint", "charts/convoy"}, tc.args...)...)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("helm lint failed: %v\n%s", err, out)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("helm lint passed, want a failure naming %q:\n%s", tc.wantErr, out)
			case tc.wantErr != "" && !strings.Contains(out, tc.wantErr):
				t.Fatalf("helm lint failed without naming %q:\n%s", tc.wantErr, out)
			}
			if tc.wantErr == "" && !strings.Contains(out, "0 chart(s) failed") {
				t.Fatalf("unexpected helm lint output:\n%s", out)
			}
		})
	}
}

// The templates check dns.zones too, for installs that skip the values
// schema (helm install --skip-schema-validation): the message names the
// value.
func TestTemplateWithoutZonesFailsWithoutSchema(t *testing.T) {
	out, err := goToolHelm(t, "template", "charts/convoy", "--kube-version", minKubeVersion, "--skip-schema-validation")
	if err == nil {
		t.Fatalf("helm template passed without dns.zones:\n%s", out)
	}
	if !strings.Contains(out, "dns.zones is required") {
		t.Fatalf("helm template failed without naming dns.zones:\n%s", out)
	}
}
