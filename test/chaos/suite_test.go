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
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/convoy-rollouts/convoy/pkg/devenv"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// zone is the chaos managers' DNS zone.
const zone = "chaos.convoy.test"

// bin holds the binaries under test, built once.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "convoy-chaos-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-o", dir+"/", "../../cmd/convoy", "../../cmd/convoy-manager")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building convoy:", err)
		os.Exit(1)
	}
	bin = dir
	// The suite's clients log nothing worth reading.
	ctrllog.SetLogger(logr.Discard())
	code := testenv.Run(m)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs kubectl and convoy against the management cluster, in the run's
// namespace, as a pipeline would.
type cli struct {
	t       *testing.T
	env     *testenv.Env
	ns      string
	kubectl string
}

func newCLI(t *testing.T, env *testenv.Env, ns string) *cli {
	tools, err := devenv.FindTools(devenv.DefaultToolsDir())
	if err != nil {
		t.Fatal(err)
	}
	return &cli{t: t, env: env, ns: ns, kubectl: tools.Kubectl}
}

// convoy runs the convoy CLI and returns its exit code and output.
func (c *cli) convoy(args ...string) (int, string) {
	c.t.Helper()
	args = append(args, "--kubeconfig", c.env.Kubeconfig, "--context", c.env.ManagementContext, "-n", c.ns)
	return c.run(filepath.Join(bin, "convoy"), args...)
}

// kube runs kubectl and fails the test when it fails.
func (c *cli) kube(args ...string) string {
	c.t.Helper()
	args = append([]string{"--kubeconfig", c.env.Kubeconfig, "--context", c.env.ManagementContext, "-n", c.ns}, args...)
	code, out := c.run(c.kubectl, args...)
	if code != 0 {
		c.t.Fatalf("kubectl %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// run runs a command, bounded in time, and logs it in one line.
func (c *cli) run(name string, args ...string) (int, string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
	shown := withoutConnection(args)
	c.t.Logf("%s $ %s %s → %d: %s", time.Now().Format("15:04:05.000"), filepath.Base(name), strings.Join(shown, " "), code,
		strings.ReplaceAll(strings.TrimSpace(out.String()), "\n", " | "))
	return code, out.String()
}

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

// manager is a convoy-manager process with its DNS server, killed and
// started again by the driver.
type manager struct {
	t      *testing.T
	env    *testenv.Env
	ns     string
	dns    string
	log    string
	cache  string
	cmd    *exec.Cmd
	starts []time.Time
}

// startManager runs convoy-manager for the namespace until the test ends,
// with its DNS server on a free loopback port.
func startManager(t *testing.T, env *testenv.Env, ns string) *manager {
	t.Helper()
	m := &manager{t: t, env: env, ns: ns, dns: freeAddr(t), log: filepath.Join(t.TempDir(), "manager.log"), cache: t.TempDir()}
	m.start()
	t.Cleanup(m.kill)
	return m
}

func (m *manager) start() {
	m.t.Helper()
	logs, err := os.OpenFile(m.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		m.t.Fatal(err)
	}
	defer logs.Close()
	m.cmd = exec.Command(filepath.Join(bin, "convoy-manager"),
		"--kubeconfig", m.env.Kubeconfig, "--context", m.env.ManagementContext, "--namespace", m.ns,
		"--dns-listen", m.dns, "--dns-zone", zone, "--cluster-probe-interval", "2s",
		"--health-probe-bind-address", "0", "--metrics-bind-address", "0", "--cache-dir", m.cache, "--allow-local-sources")
	m.cmd.Stdout, m.cmd.Stderr = logs, logs
	// Dies with the test binary, even when a timeout panics it past the
	// cleanups.
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	m.starts = append(m.starts, time.Now())
	m.t.Logf("convoy-manager started (pid %d, DNS on %s, log %s)", m.cmd.Process.Pid, m.dns, m.log)
}

// kill ends the manager abruptly, as a crash or an OOM kill would.
func (m *manager) kill() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGKILL)
	_ = m.cmd.Wait()
	m.cmd = nil
}

// freeAddr is a loopback address with a port free for UDP and TCP now.
func freeAddr(t *testing.T) string {
	t.Helper()
	for range 20 {
		l, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.LocalAddr().String()
		l.Close()
		if tl, err := net.Listen("tcp", addr); err == nil {
			tl.Close()
			return addr
		}
	}
	t.Fatal("no free port")
	return ""
}
