package chaos

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// The checks, run once the sampler and the pollers have stopped.

const (
	// shareWindow is the span of the windowed share check.
	shareWindow = 2 * time.Second
	// roundingAllowance is how far a share may exceed capacity through the
	// apportionment of integer weights (1 in 100).
	roundingAllowance = 0.01
	// examples caps the violations a report spells out.
	examples = 10
)

// attributed is an answer with the (cluster, release) it points at and
// the available pods observed just before and just after it.
type attributed struct {
	answer
	cluster        int
	release        string
	before, after  int32
	known, present bool
}

// attribute gives every answered query its cluster (by address range) and
// release (by the cluster's Services around the answer). Answers with no
// observation of their cluster on both sides are left out (unobserved).
func attribute(answers []answer, watches []*clusterWatch) (out []attributed, unobserved int) {
	for _, a := range answers {
		if a.outcome != answered {
			continue
		}
		at := attributed{answer: a, cluster: -1}
		for i, w := range watches {
			if w.subnet.Contains(a.addr) {
				at.cluster = i
			}
		}
		if at.cluster < 0 {
			out = append(out, at) // in no cluster's range: pointing at nothing
			continue
		}
		before, after, ok := watches[at.cluster].around(a.sent, a.received)
		if !ok {
			unobserved++
			continue
		}
		at.known = true
		at.release = before.addresses[a.addr.String()]
		if at.release == "" {
			at.release = after.addresses[a.addr.String()]
		}
		at.present = at.release != ""
		at.before, at.after = before.available[at.release], after.available[at.release]
		out = append(out, at)
	}
	return out, unobserved
}

// i1Violations are answers pointing at a (cluster, release) with no
// available pod both at the last observation before and the first after,
// or at an address no Service of the run had.
func i1Violations(ans []attributed, watches []*clusterWatch, hosts []string) (n int, shown []string) {
	for _, a := range ans {
		var why string
		switch {
		case a.cluster < 0:
			why = "an address in no application cluster's range"
		case !a.present:
			why = fmt.Sprintf("an address no Service of the run had in %s", watches[a.cluster].name)
		case a.before == 0 && a.after == 0:
			why = fmt.Sprintf("release %s in %s, with 0 available pods before and after", a.release, watches[a.cluster].name)
		default:
			continue
		}
		n++
		if len(shown) < examples {
			shown = append(shown, fmt.Sprintf("%s %s → %s: %s", a.sent.Format("15:04:05.000"), hosts[a.host], a.addr, why))
		}
	}
	return n, shown
}

// shareReport is the windowed share check: per window and hostname, each
// release's share of the answers against its available/full capacity over
// the clusters where it had answers. It is reported, not enforced.
type shareReport struct {
	windows, checked, flagged int
	worst                     string
	worstExcess               float64
}

func shareCheck(ans []attributed, watches []*clusterWatch, hosts []string, from, to time.Time) shareReport {
	var r shareReport
	type key struct{ window, host int }
	type tally struct {
		total     int
		byRelease map[string]int
		clusters  map[string]map[int]bool
	}
	tallies := map[key]*tally{}
	for _, a := range ans {
		if !a.present {
			continue
		}
		k := key{int(a.sent.Sub(from) / shareWindow), a.host}
		t := tallies[k]
		if t == nil {
			t = &tally{byRelease: map[string]int{}, clusters: map[string]map[int]bool{}}
			tallies[k] = t
		}
		t.total++
		t.byRelease[a.release]++
		if t.clusters[a.release] == nil {
			t.clusters[a.release] = map[int]bool{}
		}
		t.clusters[a.release][a.cluster] = true
	}
	r.windows = len(tallies)
	for k, t := range tallies {
		start := from.Add(time.Duration(k.window) * shareWindow)
		for rel, n := range t.byRelease {
			r.checked++
			var avail float64
			for c := range t.clusters[rel] {
				avail += meanAvailable(watches[c], rel, start, start.Add(shareWindow))
			}
			capacity := math.Min(avail/float64(len(t.clusters[rel])*fullReplicas), 1)
			share := float64(n) / float64(t.total)
			sigma := math.Sqrt(capacity * (1 - capacity) / float64(t.total))
			if excess := share - capacity - 3*sigma - roundingAllowance; excess > 0 {
				r.flagged++
				if excess > r.worstExcess {
					r.worstExcess = excess
					r.worst = fmt.Sprintf("%s %s: release %s had %.0f%% of %d answers on %.0f%% of its capacity",
						start.Format("15:04:05"), hosts[k.host], rel, 100*share, t.total, 100*capacity)
				}
			}
		}
	}
	return r
}

// meanAvailable is the release's mean available pods in the cluster over
// the snapshots within [from, to), or the last one before when none.
func meanAvailable(w *clusterWatch, release string, from, to time.Time) float64 {
	snaps := w.within(from, to)
	if len(snaps) == 0 {
		before, _, ok := w.around(from, from)
		if !ok {
			return 0
		}
		return float64(before.available[release])
	}
	var sum float64
	for _, s := range snaps {
		sum += float64(s.available[release])
	}
	return sum / float64(len(snaps))
}

// lateAnswers counts answers pointing into a cluster whose endpoints had
// been failing for longer than the health check's grace, and how many
// answers were checked at all. A restarted DNS server checks afresh, so
// the grace counts from the later of the failure and the manager's start.
func lateAnswers(ans []attributed, watches []*clusterWatch, hosts []string, failures []episode, starts []time.Time,
	grace time.Duration, end time.Time) (late, checked int, shown []string) {
	for _, f := range failures {
		to := f.to
		if to.IsZero() {
			to = end
		}
		for _, a := range ans {
			if a.cluster < 0 || !a.received.Before(to) {
				continue
			}
			if !a.sent.After(latest(f.from, starts, a.sent).Add(grace)) {
				continue
			}
			checked++
			if watches[a.cluster].name != f.cluster {
				continue
			}
			late++
			if len(shown) < examples {
				shown = append(shown, fmt.Sprintf("%s %s → %s in %s, whose endpoints failed at %s",
					a.sent.Format("15:04:05.000"), hosts[a.host], a.addr, f.cluster, f.from.Format("15:04:05.000")))
			}
		}
	}
	return late, checked, shown
}

// latest is the later of from and the last start before at.
func latest(from time.Time, starts []time.Time, at time.Time) time.Time {
	for _, s := range starts {
		if s.Before(at) && s.After(from) {
			from = s
		}
	}
	return from
}

// releaseAccount checks that every template applied made exactly one
// Release and that no Release vanished but by history pruning.
type releaseAccount struct {
	releases, lost, duplicated, pruned int
	problems                           []string
}

func accountReleases(tr *releaseTracker, apps []*chaosApp, historyLimit int) releaseAccount {
	var r releaseAccount
	for _, a := range apps {
		for _, g := range a.templates {
			switch names := tr.withGreeting(a.name, g); {
			case len(names) == 0:
				r.lost++
				r.problems = append(r.problems, fmt.Sprintf("template %s of %s made no Release", g, a.name))
			case len(names) > 1:
				r.duplicated += len(names) - 1
				r.problems = append(r.problems, fmt.Sprintf("template %s of %s made %d Releases: %v", g, a.name, len(names), names))
			}
		}
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	r.releases = len(tr.byName)
	var names []string
	for name := range tr.byName {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		info := tr.byName[name]
		if !info.vanished {
			continue
		}
		if prunable(info, tr.byName, historyLimit) {
			r.pruned++
			continue
		}
		r.lost++
		r.problems = append(r.problems, fmt.Sprintf("release %s of %s (%s) vanished, not beyond the history limit", name, info.app, info.greeting))
	}
	return r
}

// prunable tells whether convoy's history pruning may have deleted the
// release: an incomplete one once a newer release completed (it is older
// than the incumbent), a complete one once more than historyLimit newer
// ones completed.
func prunable(info *releaseInfo, all map[string]*releaseInfo, historyLimit int) bool {
	newerComplete := 0
	for _, o := range all {
		if o.app == info.app && o.generation > info.generation && o.complete {
			newerComplete++
		}
	}
	if info.complete {
		return newerComplete > historyLimit
	}
	return newerComplete > 0
}

// completed counts the releases seen complete, besides the first ones.
func completed(tr *releaseTracker, first map[string]bool) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	n := 0
	for name, info := range tr.byName {
		if info.complete && !first[name] {
			n++
		}
	}
	return n
}
