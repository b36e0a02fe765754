package dns

import (
	"context"
	"net"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// digResult is what the tests read from dig's output.
type digResult struct {
	status    string
	flags     []string
	answer    []string // records, whitespace normalised, sorted
	authority []string
	out       string
}

var (
	digStatus = regexp.MustCompile(`status: ([A-Z]+)`)
	digFlags  = regexp.MustCompile(`(?m)^;; flags:([a-z ]*);`)
)

func runDig(t *testing.T, dig, port string, args ...string) digResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	args = append([]string{"@127.0.0.1", "-p", port, "+norec", "+time=2", "+tries=1"}, args...)
	out, err := exec.CommandContext(ctx, dig, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	r := digResult{out: string(out)}
	if m := digStatus.FindStringSubmatch(r.out); m != nil {
		r.status = m[1]
	}
	if m := digFlags.FindStringSubmatch(r.out); m != nil {
		r.flags = strings.Fields(m[1])
	}
	r.answer = digSection(r.out, "ANSWER")
	r.authority = digSection(r.out, "AUTHORITY")
	return r
}

func digSection(out, name string) []string {
	_, rest, ok := strings.Cut(out, ";; "+name+" SECTION:\n")
	if !ok {
		return nil
	}
	section, _, _ := strings.Cut(rest, "\n\n")
	var rrs []string
	for line := range strings.Lines(section) {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			rrs = append(rrs, line)
		}
	}
	slices.Sort(rrs)
	return rrs
}

// TestDig checks the main behaviours with BIND's dig, an independent client
// implementation, over UDP and TCP.
func TestDig(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		t.Fatal("dig not found: run `make tools` (installs Debian's dnsutils)")
	}
	s := newFixtureServer(t, Config{})
	_, port, _ := net.SplitHostPort(startServer(t, s))
	soa := soaString("convoy.test.", s.snap.Load().serial)

	tests := []struct {
		name      string
		args      []string
		status    string
		flags     string // exactly, in dig's order
		answer    []string
		answers   int // when answer is nil: how many records
		authority []string
	}{
		{name: "SOA", args: []string{"convoy.test", "SOA"}, status: "NOERROR", flags: "qr aa", answer: []string{soa}},
		{name: "NS", args: []string{"convoy.test", "NS"}, status: "NOERROR", flags: "qr aa", answer: []string{"convoy.test. 300 IN NS ns1.convoy.test."}},
		{name: "A", args: []string{"web.convoy.test", "A"}, status: "NOERROR", flags: "qr aa", answer: []string{
			"web.convoy.test. 60 IN A 192.0.2.10", "web.convoy.test. 60 IN A 192.0.2.11"}},
		{name: "AAAA", args: []string{"web.convoy.test", "AAAA"}, status: "NOERROR", flags: "qr aa", answer: []string{"web.convoy.test. 60 IN AAAA 2001:db8::10"}},
		{name: "mixed case", args: []string{"WeB.cOnVoY.test", "A"}, status: "NOERROR", flags: "qr aa", answer: []string{
			"WeB.cOnVoY.test. 60 IN A 192.0.2.10", "WeB.cOnVoY.test. 60 IN A 192.0.2.11"}},
		{name: "CNAME", args: []string{"lb.convoy.test", "A"}, status: "NOERROR", flags: "qr aa", answer: []string{"lb.convoy.test. 120 IN CNAME lb-123.elb.example.com."}},
		{name: "NXDOMAIN", args: []string{"nope.convoy.test", "A"}, status: "NXDOMAIN", flags: "qr aa", authority: []string{soa}},
		{name: "NODATA", args: []string{"v4only.convoy.test", "AAAA"}, status: "NOERROR", flags: "qr aa", authority: []string{soa}},
		{name: "empty non-terminal", args: []string{"ent.convoy.test", "A"}, status: "NOERROR", flags: "qr aa", authority: []string{soa}},
		{name: "apex ANY", args: []string{"convoy.test", "ANY"}, status: "NOERROR", flags: "qr aa", authority: []string{soa}},
		{name: "zero weight never served", args: []string{"zero.convoy.test", "A"}, status: "NOERROR", flags: "qr aa", answer: []string{"zero.convoy.test. 60 IN A 192.0.2.41"}},
		{name: "REFUSED outside the zones", args: []string{"example.com", "A"}, status: "REFUSED", flags: "qr"},
		{name: "NOTIMP", args: []string{"+opcode=status", "convoy.test", "SOA"}, status: "NOTIMP", flags: "qr"},
		{name: "FORMERR without a question", args: []string{"+header-only", "convoy.test"}, status: "FORMERR", flags: "qr"},
		{name: "truncated without EDNS0", args: []string{"+noedns", "+ignore", "big.convoy.test", "AAAA"}, status: "NOERROR", flags: "qr aa tc", answers: -1},
		{name: "retried over TCP after truncation", args: []string{"+noedns", "big.convoy.test", "AAAA"}, status: "NOERROR", flags: "qr aa", answers: 60},
		{name: "fits EDNS0 4096", args: []string{"+bufsize=4096", "big.convoy.test", "AAAA"}, status: "NOERROR", flags: "qr aa", answers: 60},
	}
	for _, transport := range []string{"+notcp", "+tcp"} {
		for _, tt := range tests {
			t.Run(transport+"/"+tt.name, func(t *testing.T) {
				r := runDig(t, dig, port, append([]string{transport}, tt.args...)...)
				if r.status != tt.status {
					t.Errorf("status %q, want %q", r.status, tt.status)
				}
				wantFlags := tt.flags
				if transport == "+tcp" {
					wantFlags = strings.TrimSuffix(wantFlags, " tc") // TCP answers are complete
				}
				if got := strings.Join(r.flags, " "); got != wantFlags {
					t.Errorf("flags %q, want %q", got, wantFlags)
				}
				switch {
				case tt.answer != nil || tt.answers == 0:
					if !slices.Equal(r.answer, tt.answer) {
						t.Errorf("answer %q, want %q", r.answer, tt.answer)
					}
				case tt.answers == -1 && transport == "+notcp":
					if len(r.answer) == 0 || len(r.answer) >= 60 {
						t.Errorf("%d answers in a truncated reply", len(r.answer))
					}
				case len(r.answer) != 60:
					t.Errorf("%d answers, want 60", len(r.answer))
				}
				if !slices.Equal(r.authority, tt.authority) {
					t.Errorf("authority %q, want %q", r.authority, tt.authority)
				}
				if t.Failed() {
					t.Log(r.out)
				}
			})
		}
	}

	t.Run("AXFR", func(t *testing.T) {
		r := runDig(t, dig, port, "convoy.test", "AXFR")
		if !strings.Contains(r.out, "; Transfer failed.") || len(r.answer) != 0 {
			t.Errorf("AXFR not refused:\n%s", r.out)
		}
	})
}
