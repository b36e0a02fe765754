// Package chaos is convoy's randomized chaos suite on the real binaries and
// real DNS. Each run gives three applications, over the three application
// clusters, a convoy-manager process of its own (restricted to the run's
// namespace, its DNS server on a loopback port), and a seeded driver that
// applies new templates mid-step, advances (with jumps), aborts, kills the
// manager with SIGKILL, cuts convoy's path to one application cluster's API
// server and fails endpoints through the load-balancer stand-in. Meanwhile a
// sampler asks the DNS server hundreds of times a second and compares every
// answer with the capacity it observes in the clusters, directly.
//
// The run prints its figures and its seed (CONVOY_CHAOS_SEED replays the
// driver's choices) and fails when an invariant is broken or a rollout does
// not complete once the chaos stops. CONVOY_CHAOS_ROLLOUTS sets the number
// of rollouts (10 by default, make chaos runs 100).
//
// It cuts API paths and kills managers, so hack/test.sh runs it alone,
// after the end-to-end suite.
package chaos

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/convoy-rollouts/convoy/test/managerproc"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// zone is the chaos managers' DNS zone.
const zone = "chaos.convoy.test"

func TestMain(m *testing.M) {
	// The suite's clients log nothing worth reading.
	ctrllog.SetLogger(logr.Discard())
	os.Exit(managerproc.Main(m, "../.."))
}

// cli runs kubectl and convoy against the management cluster, in the run's
// namespace, as a pipeline would, logging each command on one line.
type cli struct{ *managerproc.CLI }

func newCLI(t *testing.T, env *testenv.Env, ns string) *cli {
	c := managerproc.NewCLI(t, env, ns)
	c.Log = func(t *testing.T, name string, args []string, code int, out string) {
		t.Logf("%s $ %s %s → %d: %s", time.Now().Format("15:04:05.000"), filepath.Base(name), strings.Join(withoutConnection(args), " "), code,
			strings.ReplaceAll(strings.TrimSpace(out), "\n", " | "))
	}
	return &cli{c}
}

func (c *cli) convoy(args ...string) (int, string) { return c.Convoy(args...) }
func (c *cli) kube(args ...string) string          { return c.Kubectl(args...) }

// withoutConnection drops the flags every command carries (kubeconfig,
// context, namespace), for shorter logs.
func withoutConnection(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--kubeconfig", "--context", "-n":
			i++
		default:
			out = append(out, args[i])
		}
	}
	return out
}
