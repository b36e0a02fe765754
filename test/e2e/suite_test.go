// Package e2e is convoy's end-to-end suite: each test drives the real
// binaries as a user would (kubectl apply, convoy advance, wait, abort,
// rollback) against the local environment, with a convoy-manager process
// of its own and real DNS queries to its DNS server, in Given/When/Then
// steps. The tests stop a cluster's API server and kill the manager, so
// they run one at a time and never beside other test packages: hack/test.sh
// runs this package after the others.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/convoy-rollouts/convoy/pkg/devenv"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// zone is the e2e managers' DNS zone.
const zone = "e2e.convoy.test"

// bin holds the binaries under test, built once.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "convoy-e2e-bin-")
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
	code := testenv.Run(m)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// user is a person at a terminal: kubectl and convoy against the
// management cluster, in one namespace.
type user struct {
	t   *testing.T
	env *testenv.Env
	ns  string
}

func step(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf("── "+format, args...)
}

// convoy runs the convoy CLI and returns its exit code and output.
func (u *user) convoy(args ...string) (int, string) {
	u.t.Helper()
	args = append(args, "--kubeconfig", u.env.Kubeconfig, "--context", u.env.ManagementContext, "-n", u.ns)
	return u.run(filepath.Join(bin, "convoy"), args...)
}

// kubectl runs kubectl against the management cluster.
func (u *user) kubectl(args ...string) string {
	u.t.Helper()
	tools, err := devenv.FindTools(devenv.DefaultToolsDir())
	if err != nil {
		u.t.Fatal(err)
	}
	args = append([]string{"--kubeconfig", u.env.Kubeconfig, "--context", u.env.ManagementContext, "-n", u.ns}, args...)
	code, out := u.run(tools.Kubectl, args...)
	if code != 0 {
		u.t.Fatalf("kubectl %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

func (u *user) run(name string, args ...string) (int, string) {
	u.t.Helper()
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
		u.t.Fatalf("%s: %v", name, err)
	}
	u.t.Logf("$ %s %s → %d\n%s", filepath.Base(name), strings.Join(args, " "), code, indent(out.String()))
	return code, out.String()
}

// expect runs convoy and checks its exit code and that its output names
// each fragment.
func (u *user) expect(code int, fragments []string, args ...string) string {
	u.t.Helper()
	got, out := u.convoy(args...)
	if got != code {
		u.t.Fatalf("convoy %s exited %d, want %d", strings.Join(args, " "), got, code)
	}
	for _, f := range fragments {
		if !strings.Contains(out, f) {
			u.t.Fatalf("convoy %s does not say %q", strings.Join(args, " "), f)
		}
	}
	return out
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// manager is a convoy-manager process with its DNS server.
type manager struct {
	t   *testing.T
	u   *user
	dns string
	log string
	cmd *exec.Cmd
}

// startManager runs convoy-manager for the user's namespace until the test
// ends, with its DNS server on a free loopback port.
func (u *user) startManager() *manager {
	u.t.Helper()
	m := &manager{t: u.t, u: u, dns: freeAddr(u.t), log: filepath.Join(u.t.TempDir(), "manager.log")}
	m.start()
	u.t.Cleanup(func() { m.kill() })
	return m
}

func (m *manager) start() {
	m.t.Helper()
	logs, err := os.OpenFile(m.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		m.t.Fatal(err)
	}
	m.cmd = exec.Command(filepath.Join(bin, "convoy-manager"),
		"--kubeconfig", m.u.env.Kubeconfig, "--context", m.u.env.ManagementContext, "--namespace", m.u.ns,
		"--dns-listen", m.dns, "--dns-zone", zone, "--cluster-probe-interval", "2s",
		"--health-probe-bind-address", "0", "--metrics-bind-address", "0", "--cache-dir", m.t.TempDir(), "--allow-local-sources")
	m.cmd.Stdout, m.cmd.Stderr = logs, logs
	// Dies with the test binary, even when a timeout panics it past the
	// cleanups.
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
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

// answers are the first A record of n queries for host.
func (u *user) answers(m *manager, host string, n int) []string {
	u.t.Helper()
	var out []string
	c := &dns.Client{Timeout: 2 * time.Second}
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(host), dns.TypeA)
	for range n {
		in, _, err := c.Exchange(q, m.dns)
		if err != nil {
			u.t.Fatal(err)
		}
		for _, rr := range in.Answer {
			if a, ok := rr.(*dns.A); ok {
				out = append(out, a.A.String())
				break
			}
		}
	}
	return out
}

// subnetOf is the loopback subnet the environment's load balancer
// stand-in hands a cluster's Services addresses from: an address tells
// its cluster even while that cluster cannot be asked.
func (u *user) subnetOf(cluster string) netip.Prefix {
	u.t.Helper()
	for i, c := range u.env.Clusters {
		if c.Name == cluster {
			prefix, err := netip.ParsePrefix(u.env.LoadBalancerSubnets()[i])
			if err != nil {
				u.t.Fatal(err)
			}
			return prefix
		}
	}
	u.t.Fatalf("no cluster %s", cluster)
	return netip.Prefix{}
}

var eventually = testenv.Eventually
