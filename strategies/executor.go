package strategies

import (
	"fmt"
	"slices"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// slot indexes the targets a step drives, so the executor keeps them in a
// slice instead of a map. The first four are the contender's and the
// incumbent's; the superseded releases' follow, two each. Bit 0 is the
// kind (capacity, traffic) and, among the first four, bit 1 the role
// (contender, incumbent).
type slot int

const (
	contenderCapacity slot = iota
	contenderTraffic
	incumbentCapacity
	incumbentTraffic
	mainSlots
	noSlot slot = -1
)

var (
	slotTargets = [mainSlots]Target{{Contender, Capacity}, {Contender, Traffic}, {Incumbent, Capacity}, {Incumbent, Traffic}}
	slotStages  = [mainSlots]Stage{StageContenderCapacity, StageContenderTraffic, StageIncumbentCapacity, StageIncumbentTraffic}
)

func slotOf(t Target) slot {
	for s, st := range slotTargets {
		if st == t {
			return slot(s)
		}
	}
	return noSlot
}

// capacityOf is the capacity target of target s's release.
func capacityOf(s slot) slot { return s &^ 1 }

// view is one target as the executor sees it for the step being executed.
type view struct {
	inPlay   bool // false for the incumbent's targets of a first release
	target   Target
	release  string // a superseded release's name
	clusters []string
	values   map[string]int32
	achieved bool
	wants    map[string]int32 // the step's value per cluster (its wave's, with waves)
	up, down bool             // some cluster is below, above its want
	sum      int64            // total over the clusters: the release's weight in DNS
}

func (v *view) stage() Stage {
	switch {
	case v.target.Role != Superseded:
		return slotStages[slotOf(v.target)]
	case v.target.Kind == Traffic:
		return StageSupersededTraffic
	default:
		return StageSupersededCapacity
	}
}

// next is the value a move writes into cluster c, which holds old: a raise
// lifts clusters short of their want and leaves those over it alone; a
// lower sets every cluster to its want, which after the raise phases only
// lowers.
func (v *view) next(c string, old int32, raise bool) int32 {
	if want := v.wants[c]; !raise || old <= want {
		return want
	}
	return old
}

// phases are the four moves of a step, in the order that keeps capacity
// under traffic: capacity up, traffic up, traffic down, capacity down.
var phases = [4]struct {
	kind  Kind
	raise bool
}{{Capacity, true}, {Traffic, true}, {Traffic, false}, {Capacity, false}}

// Plan decides the next move of the step executor: which target spec to
// write, or which stage to wait for. It is stateless: the release
// controller calls it on every reconcile with what it observes and writes
// at most the one Patch it returns. The package doc describes the order and
// the invariants it keeps; the error is a *FieldError naming the input
// that is wrong.
func Plan(in Input) (Decision, error) {
	if err := validateSteps(&in); err != nil {
		return Decision{}, err
	}
	step := in.TargetStep
	if !in.HasIncumbent {
		step = int32(len(in.Steps)) - 1 // a first release has nothing to protect
	}
	views, err := observe(&in, step)
	if err != nil {
		return Decision{}, err
	}
	// With waves, one group of clusters moves at a time (see waves.go).
	moving, rest := group(&in, views, step < in.AchievedStep)

	d := Decision{Step: step, Backward: step < in.AchievedStep, WaitingFor: StageInstallation, Moving: moving}
	if !in.Installed {
		return d, nil
	}
	d.Achieved = make([]Stage, 1, 5)
	d.Achieved[0] = StageInstallation

	// The leader is the release the step moves towards: its targets
	// normally only rise (the raise phases settle them) and the other
	// release's only fall (the lower phases settle them). Superseded
	// releases only fall.
	leader := Contender
	if d.Backward {
		leader = Incumbent
	}
	var blocked []slot // traffic moves that no write can make yet without outgrowing capacity
	for _, ph := range phases {
		if ph.kind == Capacity && !ph.raise && len(blocked) > 0 {
			break // capacity falls only under settled traffic
		}
		for _, s := range visitOrder(views, ph.kind, ph.raise, leader) {
			v := &views[s]
			leads := v.target.Role == leader
			var visits, final bool
			switch {
			case v.target.Role == Superseded:
				visits, final = !ph.raise, true
			case ph.raise:
				// The leader's target has its stage here; the other
				// release's comes only to rise where it is short.
				visits, final = leads || v.up, leads && !v.down
			default:
				// The other release's target has its stage here; the
				// leader's comes only to fall where it is over. Nothing is
				// short any more: every target that was passed its raise.
				visits, final = !leads || v.down, true
			}
			if !visits || slices.Contains(blocked, s) || rest && v.target.Role == Superseded {
				// Superseded releases give up their part only once every
				// wave holds the step (I3), in the last group to move.
				continue
			}
			if ph.raise && v.up || !ph.raise && v.down {
				values := v.patch(ph.raise)
				if ph.kind == Traffic {
					// Traffic moves only onto achieved capacity that covers
					// every share it grows (I1). A capacity that falls needs
					// no check: its release's traffic passed its last phase
					// before, so it is at the step's weights and achieved.
					if wait := unsettledCapacityGaining(views, s, ph.raise); wait != noSlot {
						return waitFor(d, views, wait), nil
					}
					if values = coveredMove(views, s, ph.raise); values == nil {
						blocked = append(blocked, s)
						continue
					}
				}
				if wait := unsettledGroup(views, moving); wait != noSlot {
					return waitFor(d, views, wait), nil
				}
				d.Patch = &Patch{Target: v.target, Release: v.release, Values: values}
				return waitFor(d, views, s), nil
			}
			if !v.achieved {
				return waitFor(d, views, s), nil
			}
			if final && !rest && v.target.Role != Superseded {
				d.Achieved = append(d.Achieved, v.stage())
			}
		}
	}
	if len(blocked) > 0 {
		// Nothing else can move and nothing is pending, so waiting would
		// be forever: both releases must rise while each already holds all
		// the share its capacity covers. No rollout of a valid strategy gets
		// here (the steps' weights share one total); weights edited by hand
		// can. Progress wins, and the decision says I1 is broken.
		if wait := unsettledGroup(views, moving); wait != noSlot {
			return waitFor(d, views, wait), nil
		}
		v := &views[blocked[0]]
		d.Patch = &Patch{Target: v.target, Release: v.release, Values: v.patch(v.up)}
		d.Uncovered = true
		return waitFor(d, views, blocked[0]), nil
	}
	d.WaitingFor = StageDone
	if Gated(in.Steps[step], d.Backward, in.HasIncumbent) && !in.GatePassed {
		d.WaitingFor = StageAnalysis
	}
	return d, nil
}

// Gated reports whether a step executed in this direction has gates to
// pass once its targets are achieved: a soak or analysis checks, going
// forward with an incumbent to protect. A first release has nothing to
// compare and no one to go back to (as in Argo Rollouts, it skips them), and
// a retreat is itself the safe move.
func Gated(step convoyv1alpha1.StrategyStep, backward, hasIncumbent bool) bool {
	return step.Gated() && Judged(backward, hasIncumbent)
}

// Judged reports whether a step executed in this direction is judged at
// all, by gates or by a progress deadline: only going forward, with an
// incumbent to protect.
func Judged(backward, hasIncumbent bool) bool { return !backward && hasIncumbent }

// visitOrder is the order in which a phase visits the targets of its
// kind: going up the leader first, then the other release; going down the
// superseded releases first (their capacity is the oldest news), then the
// leader and the other release.
func visitOrder(views []view, kind Kind, raise bool, leader Role) []slot {
	order := make([]slot, 0, len(views)/2)
	if !raise {
		for s := mainSlots; s < slot(len(views)); s++ {
			if views[s].target.Kind == kind {
				order = append(order, s)
			}
		}
	}
	for _, role := range [2]Role{leader, otherRole(leader)} {
		if s := slotOf(Target{role, kind}); views[s].inPlay {
			order = append(order, s)
		}
	}
	return order
}

func waitFor(d Decision, views []view, s slot) Decision {
	d.WaitingFor, d.Release = views[s].stage(), views[s].release
	return d
}

func otherRole(r Role) Role {
	if r == Contender {
		return Incumbent
	}
	return Contender
}

// patch is the full per-cluster spec a move writes.
func (v *view) patch(raise bool) map[string]int32 {
	values := make(map[string]int32, len(v.clusters))
	for _, c := range v.clusters {
		values[c] = v.next(c, v.values[c], raise)
	}
	return values
}

// patchTo is the per-cluster spec of a partial move up to level x: a
// raise lifts the clusters under x towards their want, a lower brings
// down those over x towards theirs.
func (v *view) patchTo(x int32, raise bool) map[string]int32 {
	values := make(map[string]int32, len(v.clusters))
	for _, c := range v.clusters {
		old, want := v.values[c], v.wants[c]
		if raise {
			values[c] = max(old, min(x, want))
		} else {
			values[c] = min(old, max(x, want))
		}
	}
	return values
}

// trafficSlots are the traffic targets in play.
func trafficSlots(views []view) []slot {
	var out []slot
	for s := range views {
		if views[s].inPlay && views[s].target.Kind == Traffic {
			out = append(out, slot(s))
		}
	}
	return out
}

// unsettledCapacityGaining is the capacity target that must be achieved
// before traffic target s is written (moved up or down), or noSlot. A
// release gains when the write raises its weight in a cluster or makes any
// of its endpoints a larger share of all the weight: lowering one release's
// weight hands its share to every other endpoint. Shares are compared
// without division: w'/S' > w/S exactly when w'·S > w·S'.
func unsettledCapacityGaining(views []view, s slot, raise bool) slot {
	t := &views[s]
	var before int64
	for _, o := range trafficSlots(views) {
		before += views[o].sum
	}
	after := before - t.sum
	for _, c := range t.clusters {
		after += int64(t.next(c, t.values[c], raise))
	}
	for _, c := range t.clusters {
		old := int64(t.values[c])
		n := int64(t.next(c, t.values[c], raise))
		if n > old || n > 0 && (before == 0 || n*before > old*after) {
			if !views[capacityOf(s)].achieved {
				return capacityOf(s)
			}
			break
		}
	}
	// The other releases' weights are unchanged: each of their endpoints
	// gains exactly when the total shrinks.
	if after < before {
		for _, o := range trafficSlots(views) {
			if o != s && views[o].sum > 0 && !views[capacityOf(o)].achieved {
				return capacityOf(o)
			}
		}
	}
	return noSlot
}

// coveredMove is the write of traffic target s that goes as far towards
// the step's weight as capacity allows (I1): after it, no release whose
// share of the total weight grew holds more of it than the smallest
// capacity percent among the clusters where it has weight, and the
// weights are not all zero. That is the whole move in every step whose
// weights sum to the same total; steps that change the total may need a
// few partial moves, alternating between the releases. Nil when no write
// that moves the target at all is covered yet.
func coveredMove(views []view, s slot, raise bool) map[string]int32 {
	v := &views[s]
	if full := v.patch(raise); covered(views, s, full) {
		return full
	}
	// Shares move monotonically with the level x, so the farthest covered
	// x is found by bisection between no move (from) and the whole move
	// (to: every cluster at its want).
	// Only the clusters the move changes count: any level strictly
	// between from and to changes at least one.
	from, to, moving := int32(0), int32(0), false
	for _, c := range v.clusters {
		x, want := v.values[c], v.wants[c]
		switch {
		case raise && x < want && !moving:
			from, to = x, want
		case raise && x < want:
			from, to = min(from, x), max(to, want)
		case !raise && x > want && !moving:
			from, to = x, want
		case !raise && x > want:
			from, to = max(from, x), min(to, want)
		default:
			continue
		}
		moving = true
	}
	ok, bad := from, to
	for ok-bad > 1 || bad-ok > 1 {
		mid := ok + (bad-ok)/2
		if covered(views, s, v.patchTo(mid, raise)) {
			ok = mid
		} else {
			bad = mid
		}
	}
	if ok == from {
		return nil
	}
	return v.patchTo(ok, raise)
}

// covered reports whether writing values into traffic target s keeps I1:
// every release whose share of the total weight grows has achieved
// capacity of at least that share in every cluster where it has weight,
// and some weight is left.
func covered(views []view, s slot, values map[string]int32) bool {
	weightOf := func(o slot) (map[string]int32, int64) {
		if o != s {
			return views[o].values, views[o].sum
		}
		var sum int64
		for _, w := range values {
			sum += int64(w)
		}
		return values, sum
	}
	var before, after int64
	for _, o := range trafficSlots(views) {
		_, sum := weightOf(o)
		before += views[o].sum
		after += sum
	}
	if before > 0 && after == 0 {
		return false
	}
	// From no weight at all, which only a hand-edited start can give
	// (rises come before falls), any first weight is every answer: achieved
	// capacity is all there is to ask for (unsettledCapacityGaining).
	if before == 0 {
		return true
	}
	for _, o := range trafficSlots(views) {
		weights, _ := weightOf(o)
		capacity := &views[capacityOf(o)]
		n := int64(len(views[o].clusters))
		for _, c := range views[o].clusters {
			wa, wb := int64(weights[c]), int64(views[o].values[c])
			if wa == 0 || wa*before <= wb*after {
				continue // its share does not grow
			}
			// The endpoint's share of the answers, times the release's
			// clusters, is what the release would serve were it so in
			// every cluster: its capacity there must cover that.
			if !capacity.achieved || wa*n*maxPercent > int64(capacity.values[c])*after {
				return false
			}
		}
	}
	return true
}

// observe builds the views for the step, validating the clusters and the
// observed targets on the way (one pass over each target's clusters).
func observe(in *Input, step int32) ([]view, error) {
	if err := validateClusters("clusters", in.Clusters); err != nil {
		return nil, err
	}
	incumbentClusters := in.Clusters
	if in.HasIncumbent && len(in.IncumbentClusters) > 0 {
		if err := validateClusters("incumbentClusters", in.IncumbentClusters); err != nil {
			return nil, err
		}
		incumbentClusters = in.IncumbentClusters
	}
	if err := validateTargetKeys(in.Targets); err != nil {
		return nil, err
	}
	views := make([]view, int(mainSlots)+2*len(in.Superseded))
	placed, err := wavesOf(in)
	if err != nil {
		return nil, err
	}
	for s, t := range slotTargets {
		if t.Role == Incumbent && !in.HasIncumbent {
			views[s].target = t
			continue
		}
		clusters := in.Clusters
		if t.Role == Incumbent {
			clusters = incumbentClusters
		}
		if err := views[s].fill(targetField(t), t, clusters, in.Targets[t], placed.wants(in, step, slot(s), clusters)); err != nil {
			return nil, err
		}
	}
	for i, sup := range in.Superseded {
		field := fmt.Sprintf("superseded[%d]", i)
		if err := validateClusters(field+".clusters", sup.Clusters); err != nil {
			return nil, err
		}
		for k, obs := range [2]Observed{sup.Capacity, sup.Traffic} {
			v := &views[int(mainSlots)+2*i+k]
			t := Target{Superseded, [2]Kind{Capacity, Traffic}[k]}
			if err := v.fill(fmt.Sprintf("%s.%s", field, t.Kind), t, sup.Clusters, obs, uniform(sup.Clusters, 0)); err != nil {
				return nil, err
			}
			v.release = sup.Name
		}
	}
	return views, nil
}

// fill makes v the view of one target in play, checking its values.
func (v *view) fill(field string, t Target, clusters []string, obs Observed, wants map[string]int32) error {
	*v = view{inPlay: true, target: t, clusters: clusters, values: obs.Values, achieved: obs.Achieved, wants: wants}
	limit := int32(maxPercent)
	if t.Kind == Traffic {
		limit = maxWeight
	}
	found := 0
	for _, c := range v.clusters {
		x, ok := v.values[c]
		if ok {
			found++
		}
		if x < 0 || x > limit {
			return fieldErrorf(fmt.Sprintf("%s.values[%q]", field, c), "%d is outside 0 to %d", x, limit)
		}
		v.up = v.up || x < v.wants[c]
		v.down = v.down || x > v.wants[c]
		v.sum += int64(x)
	}
	if found < len(v.values) {
		return fieldErrorf(field+".values", "cluster %q is not one of the release's clusters", unknownCluster(v.values, v.clusters))
	}
	return nil
}
