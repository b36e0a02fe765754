// Package e2e is convoy's end-to-end suite: each test drives the real
// binaries as a user would (kubectl apply, convoy advance, wait, abort,
// rollback) against the local environment, with a convoy-manager process
// of its own and real DNS queries to its DNS server, in Given/When/Then
// steps. The tests stop a cluster's API server and kill the manager, so
// they run one at a time and never beside other test packages: hack/test.sh
// runs this package after the others.
package e2e

import (
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/convoy-rollouts/convoy/test/managerproc"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// zone is the e2e managers' DNS zone.
const zone = "e2e.convoy.test"

func TestMain(m *testing.M) { os.Exit(managerproc.Main(m, "../..")) }

// user is a person at a terminal: kubectl and convoy against the
// management cluster, in one namespace.
type user struct {
	*managerproc.CLI
	t   *testing.T
	env *testenv.Env
	ns  string
}

func (u *user) convoy(args ...string) (int, string) { return u.Convoy(args...) }
func (u *user) kubectl(args ...string) string       { return u.Kubectl(args...) }

func step(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf("── "+format, args...)
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

// answers are the first A record of n queries for host.
func (u *user) answers(m *managerproc.Manager, host string, n int) []string {
	u.t.Helper()
	var out []string
	c := &dns.Client{Timeout: 2 * time.Second}
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(host), dns.TypeA)
	for range n {
		in, _, err := c.Exchange(q, m.DNS)
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
