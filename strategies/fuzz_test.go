package strategies

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// fuzzBytes hands out fuzz bytes, then zeros.
type fuzzBytes []byte

func (b *fuzzBytes) next() byte {
	if len(*b) == 0 {
		return 0
	}
	x := (*b)[0]
	*b = (*b)[1:]
	return x
}

// fuzzSteps is a preset (short input) or up to six steps read four bytes
// at a time, repaired into a valid strategy.
func fuzzSteps(raw []byte, hasIncumbent bool) []convoyv1alpha1.StrategyStep {
	if len(raw) < 4 {
		presets := []convoyv1alpha1.StrategyPreset{convoyv1alpha1.PresetVanguard, convoyv1alpha1.PresetCanary, convoyv1alpha1.PresetBlueGreen}
		p := presets[0]
		if len(raw) > 0 {
			p = presets[int(raw[0])%len(presets)]
		}
		steps, _ := Steps(convoyv1alpha1.Strategy{Preset: p})
		return steps
	}
	var steps []convoyv1alpha1.StrategyStep
	var sum int32 // every step's weights add up to the first one's
	for i := 0; i+4 <= len(raw) && len(steps) < 6; i += 4 {
		cc, ci := int32(raw[i])%101, int32(raw[i+1])%101
		tc, ti := int32(raw[i+2])*int32(raw[i+2])/4, int32(raw[i+3])*int32(raw[i+3])/4 // 0..16256, clamped below
		tc, ti = min(tc, maxStepWeight), min(ti, maxStepWeight)
		if tc+ti == 0 {
			tc = 1
		}
		if sum == 0 {
			sum = min(tc+ti, maxStepWeight)
		}
		tc = min(tc, sum)
		ti = sum - tc
		// I1: each release's capacity covers its share of the traffic.
		cc, ci = max(cc, coveringPercent(tc, tc+ti)), max(ci, coveringPercent(ti, tc+ti))
		steps = append(steps, step(fmt.Sprint("s", len(steps)), cc, ci, tc, ti))
	}
	if last := &steps[len(steps)-1]; !hasIncumbent {
		// A first release runs the last step alone, with all the traffic.
		if last.Traffic.Contender == 0 {
			last.Traffic.Contender, last.Traffic.Incumbent = 1, last.Traffic.Incumbent-1
			if last.Traffic.Incumbent < 0 {
				last.Traffic.Incumbent = 0
			}
		}
		last.Capacity.Contender = 100
	}
	return steps
}

// fuzzWorld builds a starting state from the fuzz input: any values in the
// targets (a step's value, a random one, or none), any readiness, any
// target and achieved step, installed or not.
func fuzzWorld(seed int64, strategy []byte, clusters uint8, hasIncumbent bool, targetStep, achievedStep uint8, state []byte) *world {
	w := &world{rng: rand.New(rand.NewSource(seed)), hasIncumbent: hasIncumbent}
	w.steps = fuzzSteps(strategy, hasIncumbent)
	n := 1 + int(clusters&7)%5
	for i := range n {
		w.clusters = append(w.clusters, fmt.Sprint("c", i))
	}
	if hasIncumbent && clusters&0x80 != 0 {
		// The incumbent's Application asked for other clusters: it runs in
		// some the contender does not, and not in c0.
		for i := range n {
			w.incumbentAt = append(w.incumbentAt, fmt.Sprint("c", i+1))
		}
	}
	if clusters&0x40 != 0 && n >= 2 {
		// Waves: the clusters split into 2 or 3 groups taking the steps
		// one after the other, maybe one cluster at a time.
		w.steps, w.waves = inWaves(w.steps, w.clusters, min(n, 2+int(clusters>>3)&1), int32(clusters>>5)&1)
	}
	w.targetStep = int32(targetStep) % int32(len(w.steps))
	w.achievedStep = int32(achievedStep)%int32(len(w.steps)+1) - 1

	b := fuzzBytes(state)
	w.installing = w.shuffled(w.clusters)[:int(b.next())%(n+1)]
	for s, t := range slotTargets {
		if t.Role == Incumbent && !hasIncumbent {
			continue
		}
		spec := map[string]int32{}
		var notReady []string
		for _, c := range w.clustersOf(t.Role) {
			x := b.next()
			switch x % 4 {
			case 0:
				spec[c] = 0
			case 1:
				spec[c] = wantOf(w.steps[int(x/4)%len(w.steps)], t)
			case 2:
				if t.Kind == Capacity {
					spec[c] = int32(x) % 101
				} else {
					spec[c] = int32(x) * 40
				}
			} // 3: the cluster is missing from the spec
			if b.next()%3 == 0 {
				notReady = append(notReady, c)
			}
		}
		w.specs[s] = spec
		w.pending[s] = w.shuffled(notReady)
	}
	return w
}

// corruptions make a valid input invalid in one named way; Plan must say
// which field is wrong.
var corruptions = []struct {
	field   string // the error's Field starts with this
	corrupt func(in *Input)
}{
	{"steps", func(in *Input) { in.Steps = nil }},
	{"targetStep", func(in *Input) { in.TargetStep = int32(len(in.Steps)) }},
	{"achievedStep", func(in *Input) { in.AchievedStep = -2 }},
	{"steps[0].capacity.contender", func(in *Input) { in.Steps[0].Capacity.Contender = 101 }},
	{"steps[0].traffic", func(in *Input) { in.Steps[0].Traffic = convoyv1alpha1.TrafficSplit{} }},
	{"steps[0].traffic.incumbent", func(in *Input) {
		in.Steps[0].Capacity.Incumbent, in.Steps[0].Traffic.Incumbent = 0, 5
	}},
	{"clusters[", func(in *Input) { in.Clusters = append(in.Clusters, in.Clusters[0]) }},
	{"clusters", func(in *Input) { in.Clusters = nil }},
	{"targets[contender capacity].values", func(in *Input) {
		in.Targets[Target{Contender, Capacity}] = Observed{Values: map[string]int32{"nowhere": 1}}
	}},
	{`targets[contender traffic].values["`, func(in *Input) {
		in.Targets[Target{Contender, Traffic}] = Observed{Values: map[string]int32{in.Clusters[0]: -1}}
	}},
	{"targets[canary capacity]", func(in *Input) { in.Targets[Target{"canary", Capacity}] = Observed{} }},
	{"steps[last].traffic.contender", func(in *Input) {
		last := &in.Steps[len(in.Steps)-1]
		last.Traffic = convoyv1alpha1.TrafficSplit{Incumbent: last.Traffic.Contender + last.Traffic.Incumbent}
		last.Capacity.Incumbent = 100
		in.HasIncumbent = false
	}},
}

// FuzzPlan runs the controllers' simulation from fuzzed starting states
// until every step asked for is done, checking every decision against the
// invariants (checkDecision): (a) traffic rises or gains share only onto
// achieved capacity of at least the step's, (b) the weights never all
// become zero, (c) capacity falls only under settled traffic, (d) each step
// is done within world.bound iterations, (e) Plan never panics. Plan must
// also be deterministic, leave its input alone, and reject each corruption
// of a valid input with a FieldError naming the field.
func FuzzPlan(f *testing.F) {
	// seed, strategy, clusters, hasIncumbent, targetStep, achievedStep, corrupt, state, walk
	f.Add(int64(1), []byte{0}, uint8(2), false, uint8(0), uint8(0), uint8(255), []byte{3}, []byte{})                      // first release, vanguard, 3 clusters
	f.Add(int64(2), []byte{0}, uint8(2), true, uint8(0), uint8(0), uint8(255), []byte{3}, []byte{1, 2})                   // second release through vanguard
	f.Add(int64(3), []byte{1}, uint8(4), true, uint8(2), uint8(1), uint8(255), []byte{0, 5, 5, 5, 5, 5, 5}, []byte{0, 2}) // canary: jump, abort, jump
	f.Add(int64(4), []byte{2}, uint8(0x83), true, uint8(0), uint8(3), uint8(255), []byte{1, 9, 1, 7, 2}, []byte{2, 0})    // blue-green, incumbent elsewhere
	f.Add(int64(5), []byte{100, 100, 0, 100, 50, 100, 10, 90, 50, 50, 50, 50, 100, 0, 100, 0}, uint8(2), true, uint8(3), uint8(0), uint8(255), []byte{}, []byte{1, 0, 3})
	f.Add(int64(6), []byte{100, 0, 0, 200, 20, 100, 160, 40}, uint8(3), true, uint8(1), uint8(2), uint8(255), []byte{2, 6, 3, 10, 0, 1, 255, 254, 2, 2}, []byte{0, 1})
	f.Add(int64(7), []byte{7, 7, 7, 7}, uint8(1), false, uint8(0), uint8(0), uint8(255), []byte{0, 2, 2, 2, 2}, []byte{})
	for i := range corruptions {
		f.Add(int64(i), []byte{byte(i)}, uint8(i), i%2 == 0, uint8(i), uint8(i), uint8(i), []byte{byte(i)}, []byte{})
	}

	f.Fuzz(func(t *testing.T, seed int64, strategy []byte, clusters uint8, hasIncumbent bool, targetStep, achievedStep, corrupt uint8, state, walk []byte) {
		w := fuzzWorld(seed, strategy, clusters, hasIncumbent, targetStep, achievedStep, state)

		if int(corrupt) < len(corruptions) {
			c := corruptions[corrupt]
			in := w.input()
			in.Steps = append([]convoyv1alpha1.StrategyStep(nil), in.Steps...)
			c.corrupt(&in)
			want := strings.Replace(c.field, "last", fmt.Sprint(len(in.Steps)-1), 1)
			d, err := Plan(in)
			var fe *FieldError
			if !errors.As(err, &fe) || !strings.HasPrefix(fe.Field, want) {
				t.Fatalf("corrupted %s: Plan = %+v, %v; want a FieldError on %s", c.field, d, err, want)
			}
			return
		}

		for i := 0; ; i++ {
			d, err := w.runStep(nil)
			if err != nil {
				t.Fatalf("step %d from achieved %d: %v", w.targetStep, w.achievedStep, err)
			}
			if !hasIncumbent && w.steps[d.Step].Traffic.Contender > 0 && total(w.specs[contenderTraffic]) == 0 {
				t.Fatalf("(b) a first release ends with no contender weight: %v", w.specs[contenderTraffic])
			}
			if i >= len(walk) || i >= 4 {
				return
			}
			// convoy advance / abort: any step, from the one just achieved.
			w.targetStep = int32(walk[i]) % int32(len(w.steps))
		}
	})
}

// coveringPercent is the smallest capacity percent that covers weight of
// total (I1).
func coveringPercent(weight, total int32) int32 {
	if weight == 0 {
		return 0
	}
	return int32((int64(weight)*100 + int64(total) - 1) / int64(total))
}

func total(m map[string]int32) (sum int64) {
	for _, v := range m {
		sum += int64(v)
	}
	return sum
}

// inWaves repeats steps for each of k waves over clusters (split in
// order, the first waves one cluster bigger when they do not divide
// evenly), as a Release with waves lists them.
func inWaves(steps []convoyv1alpha1.StrategyStep, clusters []string, k int, maxConcurrency int32) ([]convoyv1alpha1.StrategyStep, []Wave) {
	var flat []convoyv1alpha1.StrategyStep
	var waves []Wave
	from := 0
	for i := range k {
		size := (len(clusters) - from) / (k - i)
		if (len(clusters)-from)%(k-i) != 0 {
			size++
		}
		name := fmt.Sprint("w", i)
		waves = append(waves, Wave{Name: name, Clusters: clusters[from : from+size], First: int32(len(flat)), Last: int32(len(flat) + len(steps) - 1), MaxConcurrency: maxConcurrency})
		for _, st := range steps {
			st.Name, st.Wave = name+"/"+st.Name, name
			flat = append(flat, st)
		}
		from += size
	}
	return flat, waves
}
