package chaos

import (
	"net/netip"
	"testing"
	"time"
)

// The checks themselves, on made-up observations: each catches what it
// claims to and passes what it should.

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// watchOf is a cluster observed every 250 ms from 0 to 4 s, with release
// "old" at 3 pods until 2 s and 0 after, and "new" at 3 pods throughout.
func watchOf(name string, subnet string) *clusterWatch {
	w := &clusterWatch{name: name, subnet: netip.MustParsePrefix(subnet)}
	prefix := netip.MustParsePrefix(subnet).Addr().As4()
	oldAddr := netip.AddrFrom4([4]byte{prefix[0], prefix[1], prefix[2], 10}).String()
	newAddr := netip.AddrFrom4([4]byte{prefix[0], prefix[1], prefix[2], 11}).String()
	for ms := 0; ms <= 4000; ms += 250 {
		old := int32(3)
		if ms >= 2000 {
			old = 0
		}
		w.snaps = append(w.snaps, snapshot{start: at(ms), end: at(ms + 20),
			available: map[string]int32{"old": old, "new": 3},
			addresses: map[string]string{oldAddr: "old", newAddr: "new"}})
	}
	return w
}

func query(ms int, addr string) answer {
	return answer{sent: at(ms), received: at(ms + 1), addr: netip.MustParseAddr(addr), outcome: answered}
}

func TestI1CatchesAnswersToReleasesWithoutPods(t *testing.T) {
	watches := []*clusterWatch{watchOf("a", "127.1.1.0/24"), watchOf("b", "127.1.2.0/24")}
	hosts := []string{"web.example"}
	answers := []answer{
		query(500, "127.1.1.10"),  // old, 3 pods: fine
		query(2100, "127.1.1.10"), // old, 0 before (2000) and after: a violation
		query(2100, "127.1.2.11"), // new: fine
		query(2100, "127.1.2.99"), // no Service has it: a violation
		query(2100, "127.9.9.9"),  // in no cluster's range: a violation
		query(1990, "127.1.1.10"), // 3 pods before it, 0 after: not counted
		query(5000, "127.1.1.11"), // nothing observed after it
		{sent: at(100), received: at(101), outcome: noAnswer},
	}
	ans, unobserved := attribute(answers, watches)
	if unobserved != 1 {
		t.Errorf("unobserved %d, want 1", unobserved)
	}
	n, shown := i1Violations(ans, watches, hosts)
	if n != 3 {
		t.Errorf("I1 violations %d, want 3: %v", n, shown)
	}
}

func TestShareCheckFlagsASplitBeyondCapacity(t *testing.T) {
	watches := []*clusterWatch{watchOf("a", "127.1.1.0/24")}
	hosts := []string{"web.example"}
	var answers []answer
	// 0-2 s: half old, half new, both at full capacity: nothing to flag.
	// 2-4 s: old has 0 pods... and so it is I1's business; here new at full
	// gets everything, fine. Then a window where "new" is given all answers
	// while only a third of it is up.
	for i := range 200 {
		addr := "127.1.1.10"
		if i%2 == 0 {
			addr = "127.1.1.11"
		}
		answers = append(answers, query(i*9, addr), query(2000+i*9, "127.1.1.11"))
	}
	ans, _ := attribute(answers, watches)
	if r := shareCheck(ans, watches, hosts, t0, at(4000)); r.flagged != 0 {
		t.Errorf("flagged %d windows at full capacity: %s", r.flagged, r.worst)
	}
	for i := range watches[0].snaps {
		watches[0].snaps[i].available["new"] = 1
	}
	ans, _ = attribute(answers, watches)
	if r := shareCheck(ans, watches, hosts, t0, at(4000)); r.flagged == 0 {
		t.Error("a release with a third of its pods and every answer was not flagged")
	}
}

func TestLateAnswersCountFromTheFailureOrTheManagersRestart(t *testing.T) {
	watches := []*clusterWatch{watchOf("a", "127.1.1.0/24"), watchOf("b", "127.1.2.0/24")}
	hosts := []string{"web.example"}
	failures := []episode{{cluster: "a", from: at(0), to: at(3000)}}
	grace := time.Second
	answers := []answer{
		query(500, "127.1.1.11"),  // within the grace
		query(1500, "127.1.1.11"), // late
		query(1500, "127.1.2.11"), // another cluster: checked, fine
		query(3500, "127.1.1.11"), // after the failure ended
	}
	ans, _ := attribute(answers, watches)
	late, checked, _ := lateAnswers(ans, watches, hosts, failures, nil, grace, at(4000))
	if late != 1 || checked != 2 {
		t.Errorf("late %d of %d checked, want 1 of 2", late, checked)
	}
	// A manager started at 1.2 s checks afresh: 1.5 s is within its grace.
	late, checked, _ = lateAnswers(ans, watches, hosts, failures, []time.Time{at(1200)}, grace, at(4000))
	if late != 0 || checked != 0 {
		t.Errorf("late %d of %d checked after a restart, want 0 of 0", late, checked)
	}
}

func TestReleaseAccountingAllowsPruningOnly(t *testing.T) {
	tr := &releaseTracker{byName: map[string]*releaseInfo{
		"a-1": {name: "a-1", app: "a", greeting: "a-first", generation: 1, complete: true},
		"a-2": {name: "a-2", app: "a", greeting: "a-1", generation: 2, vanished: true}, // superseded, pruned after a-3 completed
		"a-3": {name: "a-3", app: "a", greeting: "a-2", generation: 3, complete: true},
		"a-4": {name: "a-4", app: "a", greeting: "a-3", generation: 4, vanished: true}, // nothing newer completed
		"a-5": {name: "a-5", app: "a", greeting: "a-4", generation: 5},
		"a-6": {name: "a-6", app: "a", greeting: "a-4", generation: 6},
	}}
	apps := []*chaosApp{{name: "a", templates: []string{"a-first", "a-1", "a-2", "a-3", "a-4", "a-5"}}}
	r := accountReleases(tr, apps, 5)
	// a-4 vanished unexpectedly, a-5 (the template) made nothing, a-4 (the
	// greeting) made two.
	if r.pruned != 1 || r.lost != 2 || r.duplicated != 1 {
		t.Errorf("pruned %d, lost %d, duplicated %d, want 1, 2, 1: %v", r.pruned, r.lost, r.duplicated, r.problems)
	}
	// A complete release goes only beyond the history limit.
	tr.byName["a-1"].vanished = true
	if r := accountReleases(tr, apps, 5); r.lost != 3 {
		t.Errorf("a complete release pruned within the history limit was not counted lost: %v", r.problems)
	}
	if r := accountReleases(tr, apps, 0); r.lost != 2 {
		t.Errorf("a complete release pruned beyond the history limit was counted lost: %v", r.problems)
	}
}
