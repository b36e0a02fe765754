// Package managerproc runs convoy's real binaries for the suites that
// drive them as a user and an operator would (test/e2e, test/chaos): it
// builds cmd/convoy and cmd/convoy-manager once per test binary, and runs
// convoy-manager processes, one namespace each, that a test can kill and
// start again.
package managerproc

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

	"github.com/convoy-rollouts/convoy/pkg/devenv"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// Main builds the binaries into a temporary directory, runs the package's
// tests against the local environment (testenv.Run) and removes the
// binaries. Call it from TestMain; moduleRoot is the module's root relative
// to the test package ("../.."). extra are more main packages to build
// beside convoy and convoy-manager, relative to moduleRoot (such as
// "hack/scale-floor"); each binary is named after its directory.
func Main(m *testing.M, moduleRoot string, extra ...string) int {
	dir, err := os.MkdirTemp("", "convoy-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	args := []string{"build", "-o", dir + "/", filepath.Join(moduleRoot, "cmd/convoy"), filepath.Join(moduleRoot, "cmd/convoy-manager")}
	for _, pkg := range extra {
		args = append(args, filepath.Join(moduleRoot, pkg))
	}
	build := exec.Command("go", args...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building convoy:", err)
		return 1
	}
	Bin = dir
	return testenv.Run(m)
}

// Bin is the directory of the binaries under test, set by Main.
var Bin string

// Manager is a convoy-manager process watching one namespace, with its DNS
// server on a free loopback port.
type Manager struct {
	t   testing.TB
	env *testenv.Env
	ns  string
	// DNS is the DNS server's address; Log the file the process writes to.
	DNS, Log string
	// Metrics is the address of the process's /metrics and Probes that of
	// its /healthz and /readyz, when Options asked for them (else empty).
	Metrics, Probes string
	zone            string
	cache           string
	args            []string
	cmd             *exec.Cmd
	// Starts are when the process was started, each time.
	Starts []time.Time
}

// Options change how StartWith runs the process; the zero value runs it
// as Start does.
type Options struct {
	// Metrics serves the process's /metrics (controller-runtime's and
	// client-go's metrics, the Go runtime's) on a free loopback port,
	// Manager.Metrics, instead of turning it off.
	Metrics bool
	// Probes serves /healthz and /readyz on a free loopback port,
	// Manager.Probes.
	Probes bool
	// Args are more flags, after Start's own: a flag given again here wins
	// (such as --cluster-probe-interval).
	Args []string
}

// Start runs convoy-manager for the namespace until the test ends, its DNS
// server authoritative for zone.
func Start(t testing.TB, env *testenv.Env, ns, zone string) *Manager {
	t.Helper()
	return StartWith(t, env, ns, zone, Options{})
}

// StartWith is Start with options.
func StartWith(t testing.TB, env *testenv.Env, ns, zone string, opts Options) *Manager {
	t.Helper()
	m := &Manager{t: t, env: env, ns: ns, zone: zone, DNS: FreeAddr(t), Log: filepath.Join(t.TempDir(), "manager.log"), cache: t.TempDir(), args: opts.Args}
	if opts.Metrics {
		m.Metrics = FreeAddr(t)
	}
	if opts.Probes {
		m.Probes = FreeAddr(t)
	}
	m.Restart()
	t.Cleanup(m.Kill)
	t.Cleanup(m.keepLogOnFailure)
	return m
}

// ArtifactsVar names a directory where a failed test's manager log is
// kept; the test's own temporary directory is removed when it ends.
const ArtifactsVar = "CONVOY_TEST_ARTIFACTS"

// keepLogOnFailure copies the log of a failed test to ArtifactsVar's
// directory, when set.
func (m *Manager) keepLogOnFailure() {
	dir := os.Getenv(ArtifactsVar)
	if !m.t.Failed() || dir == "" {
		return
	}
	b, err := os.ReadFile(m.Log)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	kept := filepath.Join(dir, strings.ReplaceAll(m.t.Name(), "/", "_")+"-manager.log")
	if err == nil {
		err = os.WriteFile(kept, b, 0o644)
	}
	if err != nil {
		m.t.Logf("keeping the manager log: %v", err)
		return
	}
	m.t.Logf("the manager log is kept in %s", kept)
}

// Restart starts the process again after Kill (the first start too).
func (m *Manager) Restart() {
	m.t.Helper()
	logs, err := os.OpenFile(m.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		m.t.Fatal(err)
	}
	defer logs.Close()
	args := []string{"--kubeconfig", m.env.Kubeconfig, "--context", m.env.ManagementContext, "--namespace", m.ns,
		"--dns-listen", m.DNS, "--dns-zone", m.zone, "--cluster-probe-interval", "2s",
		"--health-probe-bind-address", orOff(m.Probes), "--metrics-bind-address", orOff(m.Metrics), "--cache-dir", m.cache, "--allow-local-sources"}
	m.cmd = exec.Command(filepath.Join(Bin, "convoy-manager"), append(args, m.args...)...)
	m.cmd.Stdout, m.cmd.Stderr = logs, logs
	// Dies with the test binary, even when a timeout panics it past the
	// cleanups.
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	m.Starts = append(m.Starts, time.Now())
	metrics := ""
	if m.Metrics != "" {
		metrics = ", metrics on " + m.Metrics
	}
	m.t.Logf("convoy-manager started (pid %d, DNS on %s%s, log %s)", m.cmd.Process.Pid, m.DNS, metrics, m.Log)
}

// orOff is addr, or "0" (the listener turned off) when empty.
func orOff(addr string) string {
	if addr == "" {
		return "0"
	}
	return addr
}

// Pid is the running process's id, 0 when it is not running.
func (m *Manager) Pid() int {
	if m.cmd == nil || m.cmd.Process == nil {
		return 0
	}
	return m.cmd.Process.Pid
}

// Running reports whether the process was started and not killed since.
func (m *Manager) Running() bool { return m.cmd != nil }

// Kill ends the process abruptly, as a crash or an OOM kill would.
func (m *Manager) Kill() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGKILL)
	_ = m.cmd.Wait()
	m.cmd = nil
}

// FreeAddr is a loopback address with a port free for UDP and TCP now.
func FreeAddr(t testing.TB) string {
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

// CLI runs kubectl and the convoy CLI against the management cluster, in
// one namespace, as a person or a pipeline would, each command bounded in
// time and logged.
type CLI struct {
	T   *testing.T
	Env *testenv.Env
	NS  string
	// Log writes the line a command logs; by default the command, its exit
	// code and its output, indented.
	Log     func(t *testing.T, name string, args []string, code int, out string)
	kubectl string
}

// NewCLI finds kubectl in the tools cache.
func NewCLI(t *testing.T, env *testenv.Env, ns string) *CLI {
	tools, err := devenv.FindTools(devenv.DefaultToolsDir())
	if err != nil {
		t.Fatal(err)
	}
	return &CLI{T: t, Env: env, NS: ns, kubectl: tools.Kubectl}
}

// Convoy runs the convoy CLI and returns its exit code and output.
func (c *CLI) Convoy(args ...string) (int, string) {
	c.T.Helper()
	args = append(args, "--kubeconfig", c.Env.Kubeconfig, "--context", c.Env.ManagementContext, "-n", c.NS)
	return c.Run(filepath.Join(Bin, "convoy"), args...)
}

// Kubectl runs kubectl and fails the test when it fails.
func (c *CLI) Kubectl(args ...string) string {
	c.T.Helper()
	args = append([]string{"--kubeconfig", c.Env.Kubeconfig, "--context", c.Env.ManagementContext, "-n", c.NS}, args...)
	code, out := c.Run(c.kubectl, args...)
	if code != 0 {
		c.T.Fatalf("kubectl %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// Run runs a command for at most 5 minutes and returns its exit code and
// output.
func (c *CLI) Run(name string, args ...string) (int, string) {
	c.T.Helper()
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
		c.T.Fatalf("%s: %v", name, err)
	}
	if c.Log != nil {
		c.Log(c.T, name, args, code, out.String())
	} else {
		c.T.Logf("$ %s %s → %d\n%s", filepath.Base(name), strings.Join(args, " "), code, indent(out.String()))
	}
	return code, out.String()
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}
