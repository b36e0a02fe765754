package strategies

import (
	"fmt"
	"slices"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Wave is a group of the contender's clusters that takes the strategy's
// steps First to Last (a Release with waves lists every wave's steps one
// after the other). While the release executes a step of one wave, the
// clusters of the waves before it hold their own last step, and those of
// the waves after it hold the incumbent whole: the contender at 0%
// capacity and weight, the incumbent at 100% and all of the weight.
type Wave struct {
	Name     string
	Clusters []string
	First    int32
	Last     int32
	// MaxConcurrency is how many of the wave's clusters move at once; 0
	// for all of them.
	MaxConcurrency int32
}

// waveOf places each cluster of the Input's waves.
type waveOf map[string]*Wave

// wavesOf validates the Input's waves: they split the steps in order,
// and the contender's clusters among them, each exactly once.
func wavesOf(in *Input) (waveOf, error) {
	if len(in.Waves) == 0 {
		return nil, nil
	}
	of := waveOf{}
	next := int32(0)
	for i := range in.Waves {
		w := &in.Waves[i]
		field := fmt.Sprintf("waves[%d]", i)
		if w.First != next || w.Last < w.First || int(w.Last) >= len(in.Steps) {
			return nil, fieldErrorf(field, "wave %s takes steps %d to %d, but must start at step %d and end at or before step %d: waves take the steps in order",
				w.Name, w.First, w.Last, next, len(in.Steps)-1)
		}
		next = w.Last + 1
		if w.MaxConcurrency < 0 {
			return nil, fieldErrorf(field+".maxConcurrency", "%d is negative", w.MaxConcurrency)
		}
		if err := validateClusters(field+".clusters", w.Clusters); err != nil {
			return nil, err
		}
		for j, c := range w.Clusters {
			if other, dup := of[c]; dup {
				return nil, fieldErrorf(fmt.Sprintf("%s.clusters[%d]", field, j), "cluster %q is in wave %s already", c, other.Name)
			}
			if !slices.Contains(in.Clusters, c) {
				return nil, fieldErrorf(fmt.Sprintf("%s.clusters[%d]", field, j), "cluster %q is not one of the release's clusters", c)
			}
			of[c] = w
		}
	}
	if int(next) != len(in.Steps) {
		return nil, fieldErrorf("waves", "the waves take steps 0 to %d of %d: every step must belong to a wave", next-1, len(in.Steps))
	}
	for i, c := range in.Clusters {
		if of[c] == nil {
			return nil, fieldErrorf(fmt.Sprintf("clusters[%d]", i), "cluster %q is in no wave", c)
		}
	}
	return of, nil
}

// wants are target s's values per cluster at step: the step's own in the
// clusters of its wave (and in clusters in no wave: the incumbent's
// elsewhere), the wave's last step's in the waves before, the incumbent
// whole in the waves after.
func (of waveOf) wants(in *Input, step int32, s slot, clusters []string) map[string]int32 {
	wants := make(map[string]int32, len(clusters))
	for _, c := range clusters {
		at := step
		if w := of[c]; w != nil {
			if step < w.First {
				wants[c] = incumbentWhole(in, s)
				continue
			}
			at = min(step, w.Last)
		}
		wants[c] = stepValue(&in.Steps[at], s)
	}
	return wants
}

// stepValue is a step's value for one of the four main targets.
func stepValue(st *convoyv1alpha1.StrategyStep, s slot) int32 {
	return [mainSlots]int32{st.Capacity.Contender, st.Traffic.Contender, st.Capacity.Incumbent, st.Traffic.Incumbent}[s]
}

// incumbentWhole is a target's value in a wave not started: everything
// with the incumbent, at the strategy's total weight.
func incumbentWhole(in *Input, s slot) int32 {
	return [mainSlots]int32{0, 0, maxPercent, int32(stepTotal(in.Steps[0]))}[s]
}

// group holds back every cluster but one group's. Going forward the
// waves move in order, going backward (an abort, a retreat) in reverse, so
// an abort takes back the last wave first; a wave with maxConcurrency
// moves that many of its clusters at a time. The group that moves is the
// first, in that order, with a cluster off its wants; the others' wants
// become what they hold, so nothing is written there. rest reports that
// a later group is off its wants too. A first release has nothing to
// protect and moves everywhere at once, as without waves.
func group(in *Input, views []view, backward bool) (moving []string, rest bool) {
	if len(in.Waves) == 0 || !in.HasIncumbent {
		return nil, false
	}
	var groups [][]string
	for _, w := range in.Waves {
		size := int(w.MaxConcurrency)
		if size <= 0 {
			size = len(w.Clusters)
		}
		for batch := range slices.Chunk(w.Clusters, size) {
			groups = append(groups, batch)
		}
	}
	if len(groups) < 2 {
		return nil, false
	}
	if backward {
		slices.Reverse(groups)
	}
	off := func(c string) bool {
		for s := range mainSlots {
			v := &views[s]
			if v.inPlay && slices.Contains(v.clusters, c) && v.values[c] != v.wants[c] {
				return true
			}
		}
		return false
	}
	at := -1
	for i, g := range groups {
		if !slices.ContainsFunc(g, off) {
			continue
		}
		if at >= 0 {
			rest = true
			break
		}
		at = i
	}
	if at < 0 {
		return nil, false
	}
	held := map[string]bool{}
	for i, g := range groups {
		for _, c := range g {
			held[c] = i != at
		}
	}
	for s := range mainSlots {
		v := &views[s]
		if !v.inPlay {
			continue
		}
		v.up, v.down = false, false
		for _, c := range v.clusters {
			if held[c] {
				v.wants[c] = v.values[c]
			}
			v.up = v.up || v.values[c] < v.wants[c]
			v.down = v.down || v.values[c] > v.wants[c]
		}
	}
	return slices.Clone(groups[at]), rest
}

// unsettledGroup is the target to wait for before a group writes
// anything: with waves holding clusters back, a group starts, and each
// of its moves is made, only once every target is achieved, so two groups
// never move at once. noSlot without waves.
func unsettledGroup(views []view, moving []string) slot {
	if moving == nil {
		return noSlot
	}
	for s := range views {
		if views[s].inPlay && !views[s].achieved {
			return slot(s)
		}
	}
	return noSlot
}

// uniform is v in every cluster.
func uniform(clusters []string, v int32) map[string]int32 {
	m := make(map[string]int32, len(clusters))
	for _, c := range clusters {
		m[c] = v
	}
	return m
}

// Reached are the clusters that take step or took it already: those of
// its wave and of the waves before. A step's gates judge these only (the
// clusters of later waves do not run the contender yet); all of clusters
// without waves.
func Reached(waves []Wave, clusters []string, step int32) []string {
	if len(waves) == 0 {
		return clusters
	}
	var out []string
	for _, w := range waves {
		if w.First <= step {
			out = append(out, w.Clusters...)
		}
	}
	return out
}

// Spans are the waves of a Release's steps, in order, each with its name
// and the span of steps marked with it (First, Last); no clusters. None
// without waves.
func Spans(steps []convoyv1alpha1.StrategyStep) []Wave {
	var out []Wave
	for i, s := range steps {
		switch {
		case s.Wave == "":
		case len(out) > 0 && out[len(out)-1].Name == s.Wave:
			out[len(out)-1].Last = int32(i)
		default:
			out = append(out, Wave{Name: s.Wave, First: int32(i), Last: int32(i)})
		}
	}
	return out
}
