package strategies

import (
	"fmt"
	"maps"
	"math/rand"
	"reflect"
	"slices"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// world plays the controllers around Plan: it holds the four targets'
// specs, writes the patches Plan returns, and makes a written target
// achieved only once each of its clusters became ready, one cluster per
// tick in an order drawn from rng. Installation finishes the same way.
type world struct {
	rng          *rand.Rand
	steps        []convoyv1alpha1.StrategyStep
	clusters     []string // the contender's
	incumbentAt  []string // the incumbent's, when they differ
	hasIncumbent bool
	waves        []Wave
	targetStep   int32
	achievedStep int32

	// gateWait is how many iterations a gated step's gates (soak,
	// analysis) take to pass once its targets are achieved; gateSeen
	// counts them, and gatePassed is what the controller tells Plan.
	gateWait, gateSeen int
	gatePassed         bool

	installing []string            // clusters not installed yet, in the order they finish
	specs      [4]map[string]int32 // by slot
	pending    [4][]string         // clusters not ready yet, in the order they become ready
}

func (w *world) clustersOf(r Role) []string {
	if r == Incumbent && len(w.incumbentAt) > 0 {
		return w.incumbentAt
	}
	return w.clusters
}

func (w *world) input() Input {
	in := Input{
		Steps:        w.steps,
		TargetStep:   w.targetStep,
		AchievedStep: w.achievedStep,
		Clusters:     w.clusters,
		Installed:    len(w.installing) == 0,
		HasIncumbent: w.hasIncumbent,
		GatePassed:   w.gatePassed,
		Waves:        w.waves,
		Targets:      make(map[Target]Observed, 4),
	}
	if w.hasIncumbent {
		in.IncumbentClusters = w.incumbentAt
	}
	for s, t := range slotTargets {
		if t.Role == Incumbent && !w.hasIncumbent {
			continue
		}
		// Copies: Plan must not depend on the caller's maps staying put.
		in.Targets[t] = Observed{Values: maps.Clone(w.specs[s]), Achieved: len(w.pending[s]) == 0}
	}
	return in
}

// shuffled is clusters in a random order.
func (w *world) shuffled(clusters []string) []string {
	out := slices.Clone(clusters)
	w.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// apply writes a patch: the clusters whose value changed are not ready
// until their controller catches up, which takes a tick per cluster.
func (w *world) apply(p *Patch) {
	if p == nil {
		return
	}
	s := slotOf(p.Target)
	spec := w.specs[s]
	if spec == nil {
		spec = map[string]int32{}
		w.specs[s] = spec
	}
	changed := slices.Clone(w.pending[s])
	for c, v := range p.Values {
		if spec[c] != v && !slices.Contains(changed, c) {
			changed = append(changed, c)
		}
		spec[c] = v
	}
	slices.Sort(changed)
	w.pending[s] = w.shuffled(changed)
}

// tick lets every controller make one cluster ready.
func (w *world) tick() {
	if len(w.installing) > 0 {
		w.installing = w.installing[1:]
	}
	for s := range w.pending {
		if len(w.pending[s]) > 0 {
			w.pending[s] = w.pending[s][1:]
		}
	}
}

// bound is how many iterations a step may take: at most two writes per
// target, and every wait ends after a tick per cluster for installation,
// for each target's readiness at the start, and for each write; plus the
// partial traffic moves that keep I1 when the weights start off the
// strategy's total (hand-edited, or from another strategy), each a tick
// per cluster.
func (w *world) bound() int {
	n := max(len(w.clusters), len(w.incumbentAt))
	return 8 + 1 + n*(1+4+8) + partialMoves*(1+n)
}

// partialMoves bounds the partial traffic moves of one step: each pair
// grows the total weight by a factor of at least 1.01 (capacity percents
// are whole numbers), and the total grows at most 10^6-fold.
const partialMoves = 1400

// runStep calls Plan until the step is done, checking every decision
// (checkDecision, and that Plan is pure: the same input gives the same
// decision and is left as it was), writes its patch, and calls visit, if
// any, with the input the decision was made from; the world already holds
// the patch. It records the achieved step as the release controller does.
func (w *world) runStep(visit func(in Input, d Decision) error) (Decision, error) {
	limit := w.bound() + w.gateWait + 1
	w.gatePassed, w.gateSeen = false, 0
	for i := 0; ; i++ {
		if i >= limit {
			return Decision{}, fmt.Errorf("(d) step %d not done after %d iterations", w.targetStep, limit)
		}
		in, kept := w.input(), w.input()
		d, err := Plan(in)
		if err != nil {
			return d, err
		}
		if again, err := Plan(in); err != nil || !reflect.DeepEqual(again, d) || !reflect.DeepEqual(in, kept) {
			return d, fmt.Errorf("Plan is not pure: %+v, then %+v, %v", d, again, err)
		}
		if err := checkDecision(in, d); err != nil {
			return d, err
		}
		w.apply(d.Patch)
		if visit != nil {
			if err := visit(in, d); err != nil {
				return d, err
			}
		}
		if d.WaitingFor == StageDone {
			w.achievedStep = d.Step
			return d, nil
		}
		if d.WaitingFor == StageAnalysis {
			// The controller measures; the gate passes after gateWait.
			w.gateSeen++
			w.gatePassed = w.gateSeen > w.gateWait
		}
		w.tick()
	}
}

// settle puts both releases at a step, installed and ready everywhere, as
// if it had been achieved.
func (w *world) settle(step int32) {
	in := w.input()
	for i, t := range slotTargets {
		w.specs[i] = nil
		w.pending[i] = nil
		if t.Role == Incumbent && !w.hasIncumbent {
			continue
		}
		w.specs[i] = map[string]int32{}
		for _, c := range w.clustersOf(t.Role) {
			w.specs[i][c] = trueWant(in, step, t, c)
		}
	}
	w.installing = nil
	w.targetStep, w.achievedStep = step, step
}

// wantOf is a step's value for a target, read straight from the step so
// the checks below do not share the executor's bookkeeping.
func wantOf(s convoyv1alpha1.StrategyStep, t Target) int32 {
	switch t {
	case Target{Contender, Capacity}:
		return s.Capacity.Contender
	case Target{Contender, Traffic}:
		return s.Traffic.Contender
	case Target{Incumbent, Capacity}:
		return s.Capacity.Incumbent
	default:
		return s.Traffic.Incumbent
	}
}

// trueWant is a target's value in a cluster at a step, read from the
// steps and the waves without the executor's help: the step's own in its
// wave, the wave's last step's in waves before, the incumbent whole in
// waves after.
func trueWant(in Input, step int32, t Target, c string) int32 {
	at := step
	for _, w := range in.Waves {
		if !slices.Contains(w.Clusters, c) {
			continue
		}
		if step < w.First {
			switch t {
			case Target{Incumbent, Capacity}:
				return 100
			case Target{Incumbent, Traffic}:
				return in.Steps[0].Traffic.Contender + in.Steps[0].Traffic.Incumbent
			}
			return 0
		}
		at = min(step, w.Last)
	}
	return wantOf(in.Steps[at], t)
}

func clustersIn(in Input, r Role) []string {
	if r == Incumbent && len(in.IncumbentClusters) > 0 {
		return in.IncumbentClusters
	}
	return in.Clusters
}

// checkDecision asserts the invariants of one decision against the input
// it was made from. It recomputes everything from the Input and the step,
// independently of executor.go.
func checkDecision(in Input, d Decision) error {
	step := in.TargetStep
	if !in.HasIncumbent {
		step = int32(len(in.Steps)) - 1
	}
	if d.Step != step || d.Backward != (step < in.AchievedStep) {
		return fmt.Errorf("executed step %d backward=%v, want step %d backward=%v", d.Step, d.Backward, step, step < in.AchievedStep)
	}
	st := in.Steps[step]
	want := func(t Target, c string) int32 { return trueWant(in, step, t, c) }
	if !in.Installed {
		if d.WaitingFor != StageInstallation || d.Patch != nil || len(d.Achieved) != 0 {
			return fmt.Errorf("not installed, yet decided %+v", d)
		}
		return nil
	}
	if len(d.Achieved) == 0 || d.Achieved[0] != StageInstallation {
		return fmt.Errorf("installed, but Achieved = %v", d.Achieved)
	}
	if slices.Contains(d.Achieved, d.WaitingFor) {
		return fmt.Errorf("waiting for %s, which is listed as achieved %v", d.WaitingFor, d.Achieved)
	}
	inPlay := func(t Target) bool { return t.Role == Contender || in.HasIncumbent }
	settled := func(t Target) bool {
		obs := in.Targets[t]
		if !obs.Achieved {
			return false
		}
		for _, c := range clustersIn(in, t.Role) {
			if obs.Values[c] != want(t, c) {
				return false
			}
		}
		return true
	}
	for i, stage := range d.Achieved[1:] {
		t, ok := stageTarget(stage)
		if !ok || slices.Contains(d.Achieved[:i+1], stage) {
			return fmt.Errorf("Achieved %v lists %s twice or is not a target stage", d.Achieved, stage)
		}
		if !inPlay(t) || !settled(t) {
			return fmt.Errorf("stage %s listed as achieved, but its target is not settled: %+v", stage, in.Targets[t])
		}
	}
	gated := Gated(st, d.Backward, in.HasIncumbent)
	switch {
	case d.WaitingFor == StageDone && gated && !in.GatePassed:
		return fmt.Errorf("(g) step %d done before its gates passed", d.Step)
	case d.WaitingFor == StageAnalysis && (!gated || in.GatePassed):
		return fmt.Errorf("(g) waits for analysis of step %d: gated %v, gate passed %v", d.Step, gated, in.GatePassed)
	}
	if d.WaitingFor == StageDone || d.WaitingFor == StageAnalysis {
		// (g) gates are judged only on the step's traffic, every target
		// settled, and nothing moves while they are.
		if d.Patch != nil {
			return fmt.Errorf("%s, yet patching %+v", d.WaitingFor, d.Patch)
		}
		for _, t := range slotTargets {
			if inPlay(t) && !settled(t) {
				return fmt.Errorf("done, but %s %s is not at the step's values and achieved: %+v", t.Role, t.Kind, in.Targets[t])
			}
		}
		return nil
	}
	p := d.Patch
	if p == nil {
		return nil
	}
	t := p.Target
	if !inPlay(t) {
		return fmt.Errorf("patches the incumbent's %s without an incumbent", t.Kind)
	}
	clusters := clustersIn(in, t.Role)
	if len(p.Values) != len(clusters) {
		return fmt.Errorf("patch %v does not cover exactly the clusters %v", p.Values, clusters)
	}
	before := in.Targets[t].Values
	raises, lowers := false, false
	for _, c := range clusters {
		v, ok := p.Values[c]
		if !ok {
			return fmt.Errorf("patch %v misses cluster %s", p.Values, c)
		}
		raises = raises || v > before[c]
		lowers = lowers || v < before[c]
	}
	if !raises && !lowers {
		return fmt.Errorf("patch %v of %s %s changes nothing", p.Values, t.Role, t.Kind)
	}
	if err := checkWaves(in, d); err != nil {
		return err
	}
	// capacityCovers: r's capacity is achieved and at least the step's in
	// each of the clusters (all of them when none are named).
	capacityCovers := func(r Role, only ...string) error {
		ct := Target{r, Capacity}
		obs := in.Targets[ct]
		if !obs.Achieved {
			return fmt.Errorf("%s capacity is not achieved", r)
		}
		for _, c := range clustersIn(in, r) {
			if len(only) > 0 && !slices.Contains(only, c) {
				continue
			}
			if obs.Values[c] < want(ct, c) {
				return fmt.Errorf("%s capacity in %s is %d%%, under the step's %d%%", r, c, obs.Values[c], want(ct, c))
			}
		}
		return nil
	}
	if t.Kind == Capacity {
		// (c) capacity falls only under settled traffic: where it falls,
		// the release's traffic is at the step's and achieved.
		tt := Target{t.Role, Traffic}
		for _, c := range clusters {
			if p.Values[c] < before[c] && (!in.Targets[tt].Achieved || in.Targets[tt].Values[c] != want(tt, c)) {
				return fmt.Errorf("(c) lowers %s capacity in %s to %v while its traffic %+v is not settled at %d", t.Role, c, p.Values, in.Targets[tt], want(tt, c))
			}
		}
		return nil
	}
	// (a) traffic rises only onto achieved capacity of at least the step's.
	for _, c := range clusters {
		if p.Values[c] > before[c] {
			if err := capacityCovers(t.Role, c); err != nil {
				return fmt.Errorf("(a) raises %s traffic to %v but %v", t.Role, p.Values, err)
			}
		}
	}
	// (a) in shares: no endpoint's share of the total weight grows unless
	// its release's capacity is achieved and at least the step's.
	type endpoint struct {
		r Role
		c string
	}
	weights := func(after bool) (map[endpoint]int64, int64) {
		m := map[endpoint]int64{}
		var sum int64
		for _, r := range []Role{Contender, Incumbent} {
			if !inPlay(Target{r, Traffic}) {
				continue
			}
			for _, c := range clustersIn(in, r) {
				w := int64(in.Targets[Target{r, Traffic}].Values[c])
				if after && r == t.Role {
					w = int64(p.Values[c])
				}
				m[endpoint{r, c}] = w
				sum += w
			}
		}
		return m, sum
	}
	wb, sb := weights(false)
	wa, sa := weights(true)
	for e, w := range wa {
		if w > 0 && (sb == 0 || w*sb > wb[e]*sa) {
			if len(in.Waves) == 0 || sb == 0 || d.Uncovered {
				// From no weight at all (only a hand-edited start), any
				// first weight is every answer: achieved capacity is all
				// there is to ask for. An uncovered move (weights edited
				// off the strategy's total) says it breaks I1 to go on.
				var only []string
				if len(in.Waves) > 0 {
					// A cluster a wave holds back keeps what it holds;
					// only an uncovered move's own clusters answer for it.
					if d.Uncovered && (e.r != t.Role || p.Values[e.c] == before[e.c]) {
						continue
					}
					only = []string{e.c}
				}
				if err := capacityCovers(e.r, only...); err != nil {
					return fmt.Errorf("(a) %s traffic patch %v grows the share of %s in %s but %v", t.Role, p.Values, e.r, e.c, err)
				}
				continue
			}
			// With waves the clusters hold different steps: the share
			// itself must be covered, as if the release served it in all
			// its clusters.
			capacity := in.Targets[Target{e.r, Capacity}]
			n := int64(len(clustersIn(in, e.r)))
			if !capacity.Achieved || w*n*100 > int64(capacity.Values[e.c])*sa {
				return fmt.Errorf("(a) %s traffic patch %v grows the share of %s in %s to %d/%d on %d%% of capacity (achieved %v)",
					t.Role, p.Values, e.r, e.c, w, sa, capacity.Values[e.c], capacity.Achieved)
			}
		}
	}
	// (b) the weights never all become zero.
	if sb > 0 && sa == 0 {
		return fmt.Errorf("(b) %s traffic patch %v leaves every weight zero", t.Role, p.Values)
	}
	return nil
}

// checkWaves: (w) with waves and an incumbent, a write changes the
// clusters of one group only (a wave, or maxConcurrency of its clusters),
// and is made only when every target is achieved, so no two groups move
// at once.
func checkWaves(in Input, d Decision) error {
	p := d.Patch
	if len(in.Waves) == 0 || !in.HasIncumbent || p == nil || p.Target.Role == Superseded {
		return nil
	}
	var groups [][]string
	for _, w := range in.Waves {
		size := int(w.MaxConcurrency)
		if size == 0 {
			size = len(w.Clusters)
		}
		for i := 0; i < len(w.Clusters); i += size {
			groups = append(groups, w.Clusters[i:min(i+size, len(w.Clusters))])
		}
	}
	before := in.Targets[p.Target].Values
	touched := -1
	for c, v := range p.Values {
		if v == before[c] {
			continue
		}
		for g, members := range groups {
			if !slices.Contains(members, c) {
				continue
			}
			if touched >= 0 && touched != g {
				return fmt.Errorf("(w) %s %s patch %v moves %v and %v at once", p.Target.Role, p.Target.Kind, p.Values, groups[touched], members)
			}
			touched = g
		}
	}
	if len(groups) > 1 {
		for t, obs := range in.Targets {
			if !obs.Achieved {
				return fmt.Errorf("(w) %s %s patch %v written while %s %s is not achieved", p.Target.Role, p.Target.Kind, p.Values, t.Role, t.Kind)
			}
		}
	}
	return nil
}

func stageTarget(s Stage) (Target, bool) {
	for i, st := range slotStages {
		if st == s {
			return slotTargets[i], true
		}
	}
	return Target{}, false
}
