package cli_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/convoy-rollouts/convoy/pkg/cli"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

func run(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := cli.Execute(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDevUpRejectsBadTopologyAsUsageError(t *testing.T) {
	code, _, errOut := run("dev", "up", "--name", "never-started", "--clusters", "eu-west:0")
	if code != cli.ExitUsage || !strings.Contains(errOut, `region "eu-west" needs a cluster count from 1 to 10`) {
		t.Errorf("exit %d, stderr %q; want exit 2 naming the region and the allowed counts", code, errOut)
	}
}

func TestUnknownFlagIsUsageError(t *testing.T) {
	if code, _, errOut := run("dev", "status", "--no-such-flag"); code != cli.ExitUsage {
		t.Errorf("exit %d, stderr %q; want 2", code, errOut)
	}
}

// dev status on the shared test environment lists every cluster as
// reachable with ready nodes, the application clusters as registered, and
// their API proxies.
func TestDevStatusShowsEveryCluster(t *testing.T) {
	env := testenv.Get(t)
	code, out, errOut := run("dev", "status", "--name", env.Name, "--dir", env.Dir)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, c := range env.Clusters {
		line := lineWith(out, c.Name+" ")
		if !strings.Contains(line, c.Region) || !strings.Contains(line, "v1.37.2") || !strings.Contains(line, "true") {
			t.Errorf("cluster %s: status line %q lacks its region, version or registration", c.Name, line)
		}
		if proxy := env.APIProxies[c.Name]; proxy == "" || !strings.Contains(out, proxy+" -> ") {
			t.Errorf("cluster %s: status lacks its API proxy %q:\n%s", c.Name, proxy, out)
		}
	}
	if !strings.Contains(lineWith(out, "management "), "v1.37.2") {
		t.Errorf("management cluster missing from:\n%s", out)
	}
}

func TestDevStatusWithoutEnvironmentFails(t *testing.T) {
	code, _, errOut := run("dev", "status", "--dir", t.TempDir())
	if code != cli.ExitError || !strings.Contains(errOut, "convoy dev up") {
		t.Errorf("exit %d, stderr %q; want 1 and a hint to run 'convoy dev up'", code, errOut)
	}
}

func lineWith(out, prefix string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}
