package strategies

import (
	"fmt"
	"maps"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// fleet is the multi-release simulator: one application's releases over
// the same clusters, the release controller around Plan (roles, the
// contender's step, abort, completion, missing targets), and capacity
// and traffic controllers that lag, with clusters whose pods turn ready
// late, whose pods are lost, and whose control plane is cut off. The
// invariants are checked after every tick (checkInvariants), from what
// the DNS server would serve and the pods that are really there, not from
// the planner's bookkeeping.
type fleet struct {
	rng      *rand.Rand
	plan     func(Input) (Decision, error)
	clusters []string
	releases []*simRelease // oldest first
	// lateUntil holds a cluster's pods back from turning ready until that
	// tick; cutUntil freezes its controllers' status (the control plane
	// is cut off; pods go on serving).
	lateUntil, cutUntil map[string]int
	tick                int
	// waves, when > 0, splits the clusters into that many waves for every
	// release, moving maxConcurrency clusters at a time (0: all).
	waves, maxConcurrency int
	// noneWhenMissing breaks the release controller the way I4 forbids:
	// an incumbent target that is missing reads as "no incumbent".
	noneWhenMissing bool
	headDone        bool // the head's last decision: its step is done
	log             []string
}

type simRelease struct {
	name         string
	steps        []convoyv1alpha1.StrategyStep
	waves        []Wave
	targetStep   int32
	achievedStep int32
	aborted      bool
	complete     bool
	installing   int // ticks until installed everywhere
	capacity     map[string]int32
	traffic      map[string]int32
	// available is the percent of pods ready per cluster: it follows
	// capacity a tick after the cluster's controller saw the change.
	available map[string]int32
	// lostUntil: the release's pods in a cluster are gone until that tick;
	// recovering until they are all back.
	lostUntil  map[string]int
	recovering map[string]bool
	// pending capacity/traffic clusters not reported achieved yet.
	capPending, trafficPending map[string]bool
	// gateStep is the step whose gates (soak, analysis) are being judged,
	// -1 for none; they pass once gateLeft reconciles have seen them.
	// gateFails makes the next judgement a failure: the release aborts.
	gateStep  int32
	gateLeft  int
	gateFails bool
	// missing: the release controller cannot see its capacity and traffic
	// targets for a while (a release half-created when the manager died,
	// or a cache that has not caught up); DNS still serves them.
	missing bool
}

func newFleet(seed int64, clusters int, plan func(Input) (Decision, error)) *fleet {
	f := &fleet{rng: rand.New(rand.NewSource(seed)), plan: plan, lateUntil: map[string]int{}, cutUntil: map[string]int{}}
	for i := range clusters {
		f.clusters = append(f.clusters, fmt.Sprint("c", i))
	}
	return f
}

func (f *fleet) logf(format string, args ...any) {
	f.log = append(f.log, fmt.Sprintf("t%d ", f.tick)+fmt.Sprintf(format, args...))
}

// release adds a new template's release: installing, targets at zero.
func (f *fleet) release(steps []convoyv1alpha1.StrategyStep) {
	var waves []Wave
	if f.waves > 0 {
		steps, waves = inWaves(steps, f.clusters, f.waves, int32(f.maxConcurrency))
	}
	r := &simRelease{waves: waves,
		name: fmt.Sprint("r", len(f.releases)+1), steps: steps, achievedStep: -1, installing: 1 + f.rng.Intn(3), gateStep: -1,
		capacity: uniform(f.clusters, 0), traffic: uniform(f.clusters, 0), available: uniform(f.clusters, 0),
		lostUntil: map[string]int{}, recovering: map[string]bool{}, capPending: map[string]bool{}, trafficPending: map[string]bool{},
	}
	f.releases = append(f.releases, r)
	f.logf("new release %s", r.name)
}

// roles is pkg/roles' rule, restated: the newest release contends, the
// newest completed one before it is the incumbent, the rest are superseded.
func (f *fleet) roles() (head, incumbent *simRelease, superseded []*simRelease) {
	head = f.releases[len(f.releases)-1]
	for i := len(f.releases) - 2; i >= 0; i-- {
		if f.releases[i].complete {
			incumbent = f.releases[i]
			break
		}
	}
	for _, r := range f.releases[:len(f.releases)-1] {
		if r != incumbent {
			superseded = append(superseded, r)
		}
	}
	return head, incumbent, superseded
}

func observed(values map[string]int32, pending map[string]bool) Observed {
	return Observed{Values: maps.Clone(values), Achieved: len(pending) == 0}
}

// reconcile is the release controller's turn for the head release.
func (f *fleet) reconcile() error {
	head, incumbent, superseded := f.roles()
	if head.missing {
		return nil // its own reconcile re-creates the targets first
	}
	steps, target, planned := head.steps, restingTarget(head), head.achievedStep
	if head.aborted && incumbent != nil {
		steps = slices.Clone(steps)
		steps[0].Capacity = convoyv1alpha1.CapacitySplit{Incumbent: 100}
		steps[0].Traffic = convoyv1alpha1.TrafficSplit{Incumbent: int32(stepTotal(steps[0]))}
		target, planned = 0, int32(len(steps)-1)
	}
	in := Input{
		Steps: steps, TargetStep: target, AchievedStep: planned, Clusters: f.clusters, Installed: head.installing == 0, Waves: head.waves,
		GatePassed: !head.aborted && head.gateStep == target && head.gateLeft == 0,
		Targets: map[Target]Observed{
			{Contender, Capacity}: observed(head.capacity, head.capPending),
			{Contender, Traffic}:  observed(head.traffic, head.trafficPending),
		},
	}
	if incumbent != nil {
		if incumbent.missing && !f.noneWhenMissing {
			return nil // I4: wait for the incumbent's targets, never read them as none
		}
		if !incumbent.missing {
			in.HasIncumbent = true
			in.Targets[Target{Incumbent, Capacity}] = observed(incumbent.capacity, incumbent.capPending)
			in.Targets[Target{Incumbent, Traffic}] = observed(incumbent.traffic, incumbent.trafficPending)
		}
	}
	byName := map[string]*simRelease{}
	for _, s := range superseded {
		if s.missing || allZero(s.capacity) && allZero(s.traffic) && len(s.trafficPending) == 0 && len(s.capPending) == 0 {
			continue
		}
		byName[s.name] = s
		in.Superseded = append(in.Superseded, SupersededRelease{Name: s.name, Clusters: f.clusters,
			Capacity: observed(s.capacity, s.capPending), Traffic: observed(s.traffic, s.trafficPending)})
	}
	d, err := f.plan(in)
	if err != nil {
		return fmt.Errorf("plan for %s: %w", head.name, err)
	}
	// I4: with an incumbent, the step executed is the one asked for.
	if incumbent != nil && d.Step != in.TargetStep {
		return fmt.Errorf("I4: %s executes step %d, not its target step %d: its incumbent %s was skipped", head.name, d.Step, in.TargetStep, incumbent.name)
	}
	if p := d.Patch; p != nil {
		r := head
		switch p.Target.Role {
		case Incumbent:
			r = incumbent
		case Superseded:
			r = byName[p.Release]
		}
		if err := f.checkSupersededMove(r, p, in); err != nil {
			return err
		}
		f.write(r, p)
	}
	if d.WaitingFor == StageAnalysis {
		f.judgeGate(head, incumbent, d.Step)
	}
	f.headDone = d.WaitingFor == StageDone
	if f.headDone {
		head.achievedStep = d.Step
		if d.Step == int32(len(head.steps))-1 && !head.aborted {
			if !head.complete {
				f.logf("%s complete", head.name)
			}
			head.complete = true
		}
	}
	return nil
}

// judgeGate is the release controller's gate: the step's gates pass
// after a few reconciles, unless they fail, which aborts the release
// (with an incumbent to go back to; the planner never gates a first
// release).
func (f *fleet) judgeGate(head, incumbent *simRelease, step int32) {
	if head.gateStep != step {
		head.gateStep, head.gateLeft = step, 1+f.rng.Intn(3)
	} else if head.gateLeft > 0 {
		head.gateLeft--
	}
	if head.gateFails && incumbent != nil {
		head.aborted, head.gateFails, head.gateStep = true, false, -1
		f.logf("%s fails its analysis at step %d: abort", head.name, step)
	}
}

// TestAnalysisFailureAbortsThroughThePlanner fails the canary step's
// gates of a second release in the middle of its analysis: the release
// aborts, its traffic and capacity go back to the incumbent through the
// planner in the safe order, and I1 holds after every tick.
func TestAnalysisFailureAbortsThroughThePlanner(t *testing.T) {
	for seed := range int64(20) {
		f := newFleet(seed, 3, Plan)
		f.release(gatedVanguard())
		if err := f.settleAll(); err != nil {
			t.Fatal(err)
		}
		f.release(gatedVanguard())
		head, incumbent, _ := f.roles()
		head.targetStep = 1
		for range 200 {
			if head.gateStep == 1 {
				head.gateFails = true
			}
			if err := f.step(); err != nil {
				t.Fatalf("seed %d: %v\n%s", seed, err, strings.Join(f.log, "\n"))
			}
			if head.aborted {
				break
			}
		}
		if !head.aborted {
			t.Fatalf("seed %d: the failing analysis did not abort %s:\n%s", seed, head.name, strings.Join(f.log, "\n"))
		}
		if err := f.settleAll(); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, strings.Join(f.log, "\n"))
		}
		for _, c := range f.clusters {
			if head.traffic[c] != 0 || incumbent.capacity[c] != 100 || incumbent.traffic[c] == 0 {
				t.Errorf("seed %d: after the abort, %s: contender traffic %d, incumbent capacity %d%% traffic %d", seed, c, head.traffic[c], incumbent.capacity[c], incumbent.traffic[c])
			}
		}
	}
}

// restingTarget is the release controller's restingStep, for steps that
// all wait for a command.
func restingTarget(r *simRelease) int32 { return r.targetStep }

// checkSupersededMove is I3 at the moment of a write: a superseded
// release's traffic falls only once the capacity of the releases taking
// it (the contender and the incumbent, where the step gives them weight) is achieved
// at the step's values or more, and its capacity falls only once its
// traffic is zero and achieved.
func (f *fleet) checkSupersededMove(r *simRelease, p *Patch, in Input) error {
	if p.Target.Role != Superseded {
		return nil
	}
	if p.Target.Kind == Capacity {
		if !allZero(r.traffic) || len(r.trafficPending) > 0 {
			return fmt.Errorf("I3: superseded %s loses capacity (%v) while its traffic %v is not settled at zero", r.name, p.Values, r.traffic)
		}
		return nil
	}
	step := in.TargetStep
	if !in.HasIncumbent {
		step = int32(len(in.Steps) - 1)
	}
	check := func(t Target) error {
		obs := in.Targets[t]
		for _, c := range f.clusters {
			want := trueWant(in, step, t, c)
			if trueWant(in, step, Target{t.Role, Traffic}, c) == 0 {
				continue // the step gives it none of the traffic there
			}
			if !obs.Achieved {
				return fmt.Errorf("I3: superseded %s loses traffic (%v) before the %s capacity is achieved", r.name, p.Values, t.Role)
			}
			if obs.Values[c] < want {
				return fmt.Errorf("I3: superseded %s loses traffic (%v) while the %s capacity in %s is %d%%, under the step's %d%%", r.name, p.Values, t.Role, c, obs.Values[c], want)
			}
		}
		return nil
	}
	if err := check(Target{Contender, Capacity}); err != nil {
		return err
	}
	if in.HasIncumbent {
		return check(Target{Incumbent, Capacity})
	}
	return nil
}

func allZero(m map[string]int32) bool {
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

// write applies a patch: traffic is served at once (the worst case for
// a rise), capacity falls at once (pods terminate) and rises only as pods
// turn ready; each changed cluster is reported achieved later.
func (f *fleet) write(r *simRelease, p *Patch) {
	spec, pending := r.capacity, r.capPending
	if p.Target.Kind == Traffic {
		spec, pending = r.traffic, r.trafficPending
	}
	for c, v := range p.Values {
		if spec[c] != v {
			pending[c] = true
		}
		spec[c] = v
		if p.Target.Kind == Capacity && r.available[c] > v {
			r.available[c] = v
		}
	}
	f.logf("%s %s %s → %s", r.name, p.Target.Role, p.Target.Kind, compactValues(p.Values))
}

// controllers make one pending cluster of each target ready, unless its
// control plane is cut off, and pods turn ready unless the cluster is late
// or lost them.
func (f *fleet) controllers() {
	for _, r := range f.releases {
		if r.installing > 0 {
			r.installing--
		}
		if r.missing && f.rng.Intn(3) == 0 {
			r.missing = false // back in the release controller's view
		}
		for _, c := range f.clusters {
			if f.tick >= f.lateUntil[c] && f.tick >= r.lostUntil[c] && r.available[c] < r.capacity[c] {
				// Pods turn ready a few at a time: half the gap, rounded up.
				r.available[c] += (r.capacity[c] - r.available[c] + 1) / 2
			}
			if f.tick < r.lostUntil[c] {
				r.available[c] = 0
			} else if r.available[c] >= r.capacity[c] {
				delete(r.recovering, c)
			}
		}
		for k, pending := range [2]map[string]bool{r.capPending, r.trafficPending} {
			for _, c := range sortedKeys(pending) {
				if f.tick < f.cutUntil[c] {
					continue
				}
				if k == 1 || r.available[c] >= r.capacity[c] {
					delete(pending, c)
					break
				}
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string { return slices.Sorted(maps.Keys(m)) }

// checkInvariants checks I1 from what the DNS server serves and the pods
// that are there (pods lost on purpose count as there until they are
// back: the loss is the failure's doing). A release's weight is its traffic target's total,
// apportioned over the clusters where it has weight and pods (the traffic
// gate moves a cluster without pods to the release's other clusters); its
// share of the answers must not exceed its available capacity over those
// clusters, beyond one per mille of apportionment rounding. A release
// that lost every pod hands its share to the others: that failover is
// the traffic gate's answer to a failure no planner can prevent, so
// shares are counted against all the weight the planner published.
func (f *fleet) checkInvariants() error {
	var total int64
	for _, r := range f.releases {
		for _, c := range f.clusters {
			total += int64(r.traffic[c])
		}
	}
	if total == 0 {
		return nil
	}
	for _, r := range f.releases {
		var demand, avail, clusters int64
		for _, c := range f.clusters {
			demand += int64(r.traffic[c])
			a := r.available[c]
			if r.recovering[c] && a > 0 {
				// Pods lost on purpose and coming back: what the cluster
				// serves meanwhile is the failure's, not the planner's.
				a = r.capacity[c]
			}
			if r.traffic[c] > 0 && a > 0 {
				avail += int64(a)
				clusters++
			}
		}
		if clusters == 0 || demand == 0 {
			continue // not served
		}
		if f.waves > 0 {
			// Waves leave a release with weight in some clusters only, at
			// different steps: its share is against the capacity of every
			// cluster, pods lost on purpose counted as there.
			avail, clusters = 0, int64(len(f.clusters))
			for _, c := range f.clusters {
				if r.traffic[c] > 0 {
					avail += int64(max(r.available[c], r.capacityIfRecovering(c)))
				}
			}
		}
		// demand/total <= avail/(100·clusters) + 1/1000
		if demand*100*clusters*1000 > avail*total*1000+total*100*clusters {
			return fmt.Errorf("I1: %s gets %.1f%% of the answers on %.1f%% of its capacity (weights %v, pods %v)",
				r.name, float64(demand)*100/float64(total), float64(avail)/float64(clusters), r.traffic, r.available)
		}
	}
	return nil
}

// capacityIfRecovering is the release's capacity in a cluster where it
// lost its pods on purpose and has not got them all back, 0 elsewhere.
func (r *simRelease) capacityIfRecovering(c string) int32 {
	if r.recovering[c] {
		return r.capacity[c]
	}
	return 0
}

// step runs one tick: the controllers, then the release controller, then
// the checks.
func (f *fleet) step() error {
	f.tick++
	f.controllers()
	if err := f.checkInvariants(); err != nil {
		return err
	}
	if err := f.reconcile(); err != nil {
		return err
	}
	return f.checkInvariants()
}

// settleAll lets the fleet run with no more chaos until the head achieves
// its target step (I4: progress, never a silent stop), within a bound.
func (f *fleet) settleAll() error {
	clear(f.lateUntil)
	clear(f.cutUntil)
	for _, r := range f.releases {
		clear(r.lostUntil)
	}
	head, _, _ := f.roles()
	f.headDone = false
	for range 4000 {
		if err := f.step(); err != nil {
			return err
		}
		if f.headDone {
			return nil
		}
	}
	return fmt.Errorf("I4: %s does not reach step %d (achieved %d) with no chaos left", head.name, head.targetStep, head.achievedStep)
}

// chaos actions, one per fuzz byte.
func (f *fleet) act(b byte, steps func() []convoyv1alpha1.StrategyStep) error {
	head, incumbent, _ := f.roles()
	c := f.clusters[int(b>>4)%len(f.clusters)]
	switch b % 10 {
	case 0, 1, 2:
		return f.step()
	case 3:
		f.release(steps())
	case 4:
		head.targetStep = int32(b>>4) % int32(len(head.steps))
		head.gateStep = -1
		f.logf("advance %s to %d", head.name, head.targetStep)
	case 5:
		if incumbent != nil {
			head.aborted, head.gateStep = true, -1
			f.logf("abort %s", head.name)
		}
	case 6:
		if b&0x10 != 0 {
			head.gateFails = true // its next gate judged fails
			return nil
		}
		head.aborted, head.gateStep = false, -1
	case 7:
		f.lateUntil[c] = f.tick + 1 + int(b>>4)
	case 8:
		r := f.releases[int(b>>4)%len(f.releases)]
		r.lostUntil[c] = f.tick + 1 + int(b>>5)
		r.capPending[c] = true // the capacity controller sees it
		r.recovering[c] = true
		f.logf("%s loses its pods in %s", r.name, c)
	case 9:
		if b&0x10 != 0 && incumbent != nil {
			incumbent.missing = true
			f.logf("%s's targets out of sight", incumbent.name)
		} else {
			f.cutUntil[c] = f.tick + 1 + int(b>>5)
		}
	}
	return nil
}

// simStrategies are the presets and a custom strategy whose steps move
// the contender down and up again.
var simStrategies = [][]convoyv1alpha1.StrategyStep{
	presetSteps(convoyv1alpha1.PresetVanguard),
	presetSteps(convoyv1alpha1.PresetCanary),
	presetSteps(convoyv1alpha1.PresetBlueGreen),
	{step("warm", 100, 100, 0, 100), step("taste", 50, 100, 10, 90), step("half", 50, 50, 50, 50), step("full on", 100, 0, 100, 0)},
	gatedVanguard(),
}

// runRollouts plays a fuzz input: a first release completed, then the
// actions, then a heal; the first invariant broken is returned.
func runRollouts(seed int64, clusters uint8, actions []byte, plan func(Input) (Decision, error), noneWhenMissing bool) (*fleet, error) {
	f := newFleet(seed, 1+int(clusters)%4, plan)
	if n := len(f.clusters); clusters&0x40 != 0 && n >= 2 {
		f.waves, f.maxConcurrency = min(n, 3), int(clusters>>5)&1
	}
	f.noneWhenMissing = noneWhenMissing
	pick := func() []convoyv1alpha1.StrategyStep { return simStrategies[f.rng.Intn(len(simStrategies))] }
	f.release(pick())
	if err := f.settleAll(); err != nil {
		return f, err
	}
	for _, b := range actions[:min(len(actions), 200)] {
		if err := f.act(b, pick); err != nil {
			return f, err
		}
	}
	return f, f.settleAll()
}

// FuzzRollouts runs random interleavings of new templates at every step
// and stage, advances (jumps included), aborts, retries, clusters whose
// pods turn ready late or are lost, control planes cut off, and deleted
// targets, and checks I1 (capacity covers traffic) after every tick, I3
// (supersession through the planner) at every write, and I4 (the step
// asked for, and progress once the chaos stops).
func FuzzRollouts(f *testing.F) {
	f.Add(int64(1), uint8(2), []byte{3, 0, 0, 0, 0, 0, 24, 0, 0, 0, 3, 0, 0, 0, 0, 0, 34, 0, 0})
	f.Add(int64(2), uint8(2), []byte{3, 0, 0, 24, 0, 0, 0, 0, 19, 0, 0, 34, 0, 0, 3, 0, 5, 0, 0})
	f.Add(int64(3), uint8(3), []byte{3, 34, 0, 0, 3, 0, 18, 0, 0, 7, 0, 9, 0, 5, 0, 0, 6, 0})
	f.Add(int64(4), uint8(1), []byte{3, 0, 17, 24, 0, 28, 0, 3, 29, 0, 39, 0, 0, 3, 3, 0, 0})
	f.Add(int64(5), uint8(2), []byte{3, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 22, 0, 0, 0, 0, 6, 36, 0, 0})
	f.Fuzz(func(t *testing.T, seed int64, clusters uint8, actions []byte) {
		fl, err := runRollouts(seed, clusters, actions, Plan, false)
		if err != nil {
			t.Fatalf("%v\n%s", err, strings.Join(fl.log, "\n"))
		}
	})
}

// brokenPlanners each break one invariant; the simulator must catch every
// one of them on the seeds below.
var brokenPlanners = []struct {
	name, invariant string
	plan            func(Input) (Decision, error)
	noneWhenMissing bool
}{
	{"traffic before capacity", "I1", func(in Input) (Decision, error) {
		d, err := Plan(in)
		if err == nil && d.Patch != nil && d.Patch.Target == (Target{Contender, Capacity}) && !d.Backward {
			// Send the step's traffic first, as if capacity were there.
			want := in.Steps[d.Step].Traffic.Contender
			if obs := in.Targets[Target{Contender, Traffic}]; obs.Values[in.Clusters[0]] != want {
				d.Patch = &Patch{Target: Target{Contender, Traffic}, Values: uniform(in.Clusters, want)}
			}
		}
		return d, err
	}, false},
	{"superseded retired at once", "I3", func(in Input) (Decision, error) {
		for _, s := range in.Superseded {
			if !allZero(s.Traffic.Values) {
				return Decision{Step: in.TargetStep, WaitingFor: StageSupersededTraffic, Release: s.Name,
					Patch: &Patch{Target: Target{Superseded, Traffic}, Release: s.Name, Values: uniform(s.Clusters, 0)}}, nil
			}
		}
		return Plan(in)
	}, false},
	{"missing incumbent read as none", "I4", Plan, true},
}

func TestInvariantsCatchBrokenPlanners(t *testing.T) {
	// A new release at every step of a rollout in progress, with aborts
	// and lost targets: every broken planner shows itself on one seed or
	// another.
	// Bytes: 0 tick, 3 new release, 4+10k advance to step k>>... (see act):
	// 24 advance to step 1, 34 to step 2, 5 abort, 18 pods lost in c1,
	// 19 the incumbent's targets deleted.
	ticks := func(n int) []byte { return make([]byte, n) }
	cat := func(parts ...[]byte) []byte { return slices.Concat(parts...) }
	scripts := [][]byte{
		cat([]byte{3}, ticks(8), []byte{24}, ticks(4), []byte{3}, ticks(12), []byte{34}, ticks(12)),
		cat([]byte{3}, ticks(10), []byte{24}, ticks(12), []byte{19}, ticks(2), []byte{34}, ticks(8)),
		cat([]byte{3, 34}, ticks(5), []byte{3}, ticks(6), []byte{18}, ticks(4), []byte{5}, ticks(10)),
	}
	for _, bp := range brokenPlanners {
		t.Run(bp.name, func(t *testing.T) {
			caught := ""
			for seed := int64(1); seed <= 20 && caught == ""; seed++ {
				for _, script := range scripts {
					if _, err := runRollouts(seed, 2, script, bp.plan, bp.noneWhenMissing); err != nil {
						caught = err.Error()
						break
					}
				}
			}
			if !strings.HasPrefix(caught, bp.invariant+":") {
				t.Fatalf("the %s planner was not caught by %s (first error: %q)", bp.name, bp.invariant, caught)
			}
			t.Logf("caught: %s", caught)
		})
	}
	// The real planner passes the same scripts.
	for seed := int64(1); seed <= 20; seed++ {
		for _, script := range scripts {
			if fl, err := runRollouts(seed, 2, script, Plan, false); err != nil {
				t.Fatalf("seed %d: %v\n%s", seed, err, strings.Join(fl.log, "\n"))
			}
		}
	}
}

// supersessionStories: a release superseded mid-rollout at each step of
// each preset, told as the multi-release simulator plays it.
var supersessionStories = []struct {
	file   string
	preset convoyv1alpha1.StrategyPreset
}{
	{"supersede-vanguard.story", convoyv1alpha1.PresetVanguard},
	{"supersede-canary.story", convoyv1alpha1.PresetCanary},
	{"supersede-blue-green.story", convoyv1alpha1.PresetBlueGreen},
}

const supersessionLegend = `r1 completed (the incumbent); r2 was walked to the step named and achieved it; then a new template
makes r3, which rolls out its step 0 while r2 is superseded. Each line: the tick, the write the
release controller made (or -), then per release its capacity in percent of full, its DNS weight,
and its share of the answers; * marks a target not reported achieved in every cluster yet, and
"pods" the percent of pods ready. Capacity always covers share (I1); r2 keeps its weight until
r3 and r1 hold the step's capacity, then its traffic leaves, then its capacity (I3).`

func TestSupersessionStories(t *testing.T) {
	for _, s := range supersessionStories {
		t.Run(strings.TrimSuffix(s.file, ".story"), func(t *testing.T) {
			steps := presetSteps(s.preset)
			var log strings.Builder
			fmt.Fprintf(&log, "# A release superseded at each step of the %s preset, 3 clusters.\n#\n", s.preset)
			for _, line := range strings.Split(supersessionLegend, "\n") {
				fmt.Fprintf(&log, "# %s\n", line)
			}
			last := int32(len(steps)) - 1
			for k := range last + 2 {
				// k = last+1: r2 superseded half-way through its last step,
				// once the incumbent's weight is 0 but before it completes.
				midway := k > last
				f := newFleet(1, len(storyClusters), Plan)
				f.clusters = storyClusters
				f.release(steps)
				if err := f.settleAll(); err != nil {
					t.Fatal(err)
				}
				f.release(steps)
				for i := int32(0); i <= min(k, last); i++ {
					f.releases[1].targetStep = i
					if i == last && midway {
						for allZero(f.releases[0].capacity) || !allZero(f.releases[0].traffic) {
							if err := f.step(); err != nil {
								t.Fatal(err)
							}
						}
						break
					}
					if err := f.settleAll(); err != nil {
						t.Fatal(err)
					}
				}
				what := "superseded"
				switch {
				case midway:
					what, k = "superseded half-way, the incumbent's weight 0 already,", last
				case f.releases[1].complete:
					what = "complete, so it is r3's incumbent and r1 is superseded,"
				}
				fmt.Fprintf(&log, "\n== r2 %s at step %d (%s)\nstart  %s\n", what, k, steps[k].Name, f.describe())
				f.release(steps)
				f.log = nil
				f.headDone = false
				for tick := 1; !f.headDone; tick++ {
					if tick > 200 {
						t.Fatal("r3's step 0 not done after 200 ticks")
					}
					if err := f.step(); err != nil {
						t.Fatal(err)
					}
					write := "-"
					for _, l := range f.log {
						if _, after, ok := strings.Cut(l, " r"); ok && strings.Contains(l, "→") {
							write = "r" + after
						}
					}
					f.log = nil
					fmt.Fprintf(&log, "%3d  %-34s %s\n", tick, write, f.describe())
				}
				if r2 := f.releases[1]; !r2.complete && (!allZero(r2.capacity) || !allZero(r2.traffic)) {
					t.Fatalf("r2 not retired: capacity %v, traffic %v", r2.capacity, r2.traffic)
				}
			}
			golden(t, filepath.Join("testdata", s.file), log.String())
		})
	}
}

// describe is each release's capacity, weight and share of the answers.
func (f *fleet) describe() string {
	var total int64
	for _, r := range f.releases {
		total += int64(sumOf(r.traffic))
	}
	var parts []string
	for _, r := range f.releases {
		c0 := f.clusters[0]
		mark := func(pending map[string]bool) string {
			if len(pending) > 0 {
				return "*"
			}
			return ""
		}
		share := 0.0
		if total > 0 {
			share = float64(sumOf(r.traffic)) * 100 / float64(total)
		}
		parts = append(parts, fmt.Sprintf("%s %3d%%%-1s pods %3d%% w %3d%-1s %5.1f%%", r.name, r.capacity[c0], mark(r.capPending),
			r.available[c0], r.traffic[c0], mark(r.trafficPending), share))
	}
	return strings.Join(parts, " | ")
}

// compactValues is one value when every cluster has it.
func compactValues(m map[string]int32) string {
	values := slices.Sorted(maps.Values(m))
	if len(values) > 0 && values[0] == values[len(values)-1] {
		return fmt.Sprint(values[0])
	}
	return fmt.Sprint(m)
}

func sumOf(m map[string]int32) int32 {
	var s int32
	for _, v := range m {
		s += v
	}
	return s
}
