package strategies

import (
	"fmt"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// slot indexes the four targets a step drives, so the executor keeps them
// in an array instead of a map. Bit 0 is the kind (capacity, traffic) and
// bit 1 the role (contender, incumbent).
type slot int8

const (
	contenderCapacity slot = iota
	contenderTraffic
	incumbentCapacity
	incumbentTraffic
	noSlot slot = -1
)

var (
	slotTargets = [4]Target{{Contender, Capacity}, {Contender, Traffic}, {Incumbent, Capacity}, {Incumbent, Traffic}}
	slotStages  = [4]Stage{StageContenderCapacity, StageContenderTraffic, StageIncumbentCapacity, StageIncumbentTraffic}
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

// other is the same kind of target of the other release.
func other(s slot) slot { return s ^ 2 }

// view is one target as the executor sees it for the step being executed.
type view struct {
	inPlay   bool // false for the incumbent's targets of a first release
	clusters []string
	values   map[string]int32
	achieved bool
	want     int32 // the step's value, the same in every cluster
	up, down bool  // some cluster is below, above want
	sum      int64 // total over the clusters: the release's weight in DNS
}

// next is the value a move writes into a cluster holding old: a raise
// lifts clusters short of want and leaves those over it alone; a lower
// sets every cluster to want, which after the raise phases only lowers.
func (v *view) next(old int32, raise bool) int32 {
	if raise && old > v.want {
		return old
	}
	return v.want
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
	var views [4]view
	if err := observe(&views, &in, &in.Steps[step]); err != nil {
		return Decision{}, err
	}

	d := Decision{Step: step, Backward: step < in.AchievedStep, WaitingFor: StageInstallation}
	if !in.Installed {
		return d, nil
	}
	d.Achieved = make([]Stage, 1, 5)
	d.Achieved[0] = StageInstallation

	// The leader is the release the step moves towards: its targets
	// normally only rise (the raise phases settle them) and the other
	// release's only fall (the lower phases settle them).
	leader := Contender
	if d.Backward {
		leader = Incumbent
	}
	for _, ph := range phases {
		for _, role := range [2]Role{leader, otherRole(leader)} {
			s := slotOf(Target{role, ph.kind})
			v := &views[s]
			if !v.inPlay {
				continue
			}
			leads := role == leader
			var visits, final bool
			if ph.raise {
				// The leader's target has its stage here; the other
				// release's comes only to rise where it is short.
				visits, final = leads || v.up, leads && !v.down
			} else {
				// The other release's target has its stage here; the
				// leader's comes only to fall where it is over. Nothing is
				// short any more: every target that was passed its raise.
				visits, final = !leads || v.down, true
			}
			if !visits {
				continue
			}
			if ph.raise && v.up || !ph.raise && v.down {
				// Traffic moves only onto achieved capacity. The leader's
				// capacity passed the first phase already, so this waits
				// only when traffic would move to the other release, which
				// only irregular starting states ask for.
				if ph.kind == Traffic {
					if wait := unsettledCapacityGaining(&views, s, ph.raise); wait != noSlot {
						d.WaitingFor = slotStages[wait]
						return d, nil
					}
				}
				// A capacity that falls needs no check: its release's
				// traffic passed its last phase before, so it is at the
				// step's weights and achieved.
				d.Patch = &Patch{Target: slotTargets[s], Values: v.patch(ph.raise)}
				d.WaitingFor = slotStages[s]
				return d, nil
			}
			if !v.achieved {
				d.WaitingFor = slotStages[s]
				return d, nil
			}
			if final {
				d.Achieved = append(d.Achieved, slotStages[s])
			}
		}
	}
	d.WaitingFor = StageDone
	return d, nil
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
		values[c] = v.next(v.values[c], raise)
	}
	return values
}

// unsettledCapacityGaining is the capacity target that must be achieved
// before traffic target s is written (moved up or down), or noSlot. A
// release gains when the write raises its weight in a cluster or makes any
// of its endpoints a larger share of all the weight: lowering one release's
// weight hands its share to every other endpoint. Shares are compared
// without division: w'/S' > w/S exactly when w'·S > w·S'.
func unsettledCapacityGaining(views *[4]view, s slot, raise bool) slot {
	t := &views[s]
	o := &views[other(s)]
	before := t.sum
	if o.inPlay {
		before += o.sum
	}
	after := before - t.sum
	for _, c := range t.clusters {
		after += int64(t.next(t.values[c], raise))
	}
	gains := false
	for _, c := range t.clusters {
		old := int64(t.values[c])
		n := int64(t.next(t.values[c], raise))
		if n > old || n > 0 && (before == 0 || n*before > old*after) {
			gains = true
			break
		}
	}
	if gains && !views[capacityOf(s)].achieved {
		return capacityOf(s)
	}
	// The other release's weights are unchanged: each of its endpoints
	// gains exactly when the total shrinks.
	if o.inPlay && o.sum > 0 && after < before && !views[capacityOf(other(s))].achieved {
		return capacityOf(other(s))
	}
	return noSlot
}

// observe fills the views for the step, validating the clusters and the
// observed targets on the way (one pass over each target's clusters).
func observe(views *[4]view, in *Input, step *convoyv1alpha1.StrategyStep) error {
	if err := validateClusters("clusters", in.Clusters); err != nil {
		return err
	}
	incumbentClusters := in.Clusters
	if in.HasIncumbent && len(in.IncumbentClusters) > 0 {
		if err := validateClusters("incumbentClusters", in.IncumbentClusters); err != nil {
			return err
		}
		incumbentClusters = in.IncumbentClusters
	}
	if err := validateTargetKeys(in.Targets); err != nil {
		return err
	}
	wants := [4]int32{step.Capacity.Contender, step.Traffic.Contender, step.Capacity.Incumbent, step.Traffic.Incumbent}
	for s := range views {
		v := &views[s]
		t := slotTargets[s]
		if t.Role == Incumbent && !in.HasIncumbent {
			continue
		}
		obs := in.Targets[t]
		*v = view{inPlay: true, clusters: in.Clusters, values: obs.Values, achieved: obs.Achieved, want: wants[s]}
		if t.Role == Incumbent {
			v.clusters = incumbentClusters
		}
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
				return fieldErrorf(fmt.Sprintf("%s.values[%q]", targetField(t), c), "%d is outside 0 to %d", x, limit)
			}
			v.up = v.up || x < v.want
			v.down = v.down || x > v.want
			v.sum += int64(x)
		}
		if found < len(v.values) {
			return fieldErrorf(targetField(t)+".values", "cluster %q is not one of the release's clusters", unknownCluster(v.values, v.clusters))
		}
	}
	return nil
}
