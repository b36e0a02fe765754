// Package strategies is convoy's pure decision code: given a strategy, the
// contender's target step, whether there is an incumbent, and what was
// observed in each cluster, it says what capacity and traffic each release
// should have in each cluster and whether the step is achieved. It does no
// I/O and imports neither client-go nor controller-runtime; the controllers
// do the I/O and call it.
//
// # Replica math
//
// A step gives each release a capacity in percent of the chart's full
// replica count, and every selected cluster runs that share of the full
// count (capacity is per cluster, never divided across clusters).
// [Replicas] turns a percent into pods with Shipper's rule,
//
//	pods = ceil(total × percent / 100)
//
// computed in integers. It rounds up on purpose: a release that is meant to
// run at all runs at least one pod, and rounding never leaves a release
// short of the capacity the step asks for. Worked examples:
//
//	total 3:  0% → 0   1% → 1   33% → 1   34% → 2   66% → 2   67% → 3   100% → 3
//	total 10: 10% → 1  15% → 2  50% → 5
//	total 4:  1% → 1   10% → 1  25% → 1   26% → 2   50% → 2   90% → 4
//
// # Executing a step
//
// [Plan] is the release controller's step executor, Shipper's pipeline made
// stateless: it is called on every reconcile with what is observed now and
// returns the one target spec to write next, or the stage to wait for.
//
// The step executed is the contender's target step, except for an
// application's first release: with no incumbent there is nothing to
// protect, so it goes straight to the last step (as Argo Rollouts does for a
// first deploy) and the incumbent's stages are neither patched nor waited
// for.
//
// Installation always comes first. Then, in the common case, going forward
// (the target step is at or after the achieved one) the stages run
// contender capacity, contender traffic, incumbent traffic, incumbent
// capacity; going backward (a retreat or an abort) incumbent capacity,
// incumbent traffic, contender traffic, contender capacity. Each stage
// writes its target if its spec differs from the step in any cluster, then
// waits until the target is achieved (status current and Ready everywhere)
// before the next stage starts: one target moves at a time. Each release's
// targets are compared and written over that release's own clusters
// (Input.IncumbentClusters when the incumbent runs elsewhere).
//
// Input that cannot be executed (no steps, a step index out of range, a
// step sending traffic to a release with 0% capacity, a cluster listed
// twice, a target holding a cluster its release does not run in, ...) gets
// a *FieldError naming the field, and no decision.
//
// # Waves
//
// A strategy with waves (Input.Waves) rolls out one group of clusters
// after the other. A Release lists every wave's steps one after the other
// (its steps are named "wave/step"), so a release's target and achieved
// steps still count along one list; a Wave says which of those steps its
// clusters take. At step s of wave w, each cluster's values are:
//
//   - in w: step s's;
//   - in a wave before w: that wave's last step's (done);
//   - in a wave after w: the incumbent whole, contender 0% capacity and
//     weight, incumbent 100% and the strategy's total weight (not
//     started).
//
// The stage order and the invariants below hold for those per-cluster
// values exactly as for uniform ones. On top, one group moves at a time:
// going forward the waves move in order, going backward (a retreat, an
// abort) in reverse, so an abort takes back the last wave it reached
// first and the canary cluster last; a wave with maxConcurrency k moves k
// of its clusters at a time. The group that moves is the first, in that
// order, with a cluster off its values; every other cluster keeps what it
// holds, and a group writes only when every target is achieved, so two
// groups never move at once (FuzzPlan checks it as (w)). A jump over
// several waves (convoy advance --to) so still moves wave by wave.
// Superseded releases give up their part only once every wave holds the
// step (I3). A first release has nothing to protect and moves everywhere
// at once.
//
// Traffic. Each cluster's weights add up to the strategy's total at every
// step, whatever wave it is in: 0/100 before its wave, the step's split in
// it, the last step's after. The DNS apportionment (DNSWeights) gives each
// (cluster, release) record a share proportional to its weight times the
// cluster's full replica count, so a cluster's share of the hostname
// stays proportional to its capacity while the release mix inside it
// changes wave by wave: a cluster in a later wave answers with the
// incumbent exactly as much as it did before the rollout. I1 is kept per
// endpoint: an endpoint whose share grows holds no more of the answers,
// times its release's cluster count, than its capacity percent there
// (without waves, the release's share against its smallest percent, as
// below).
//
// # Safety
//
// The rule behind that order is that capacity rises before traffic and
// traffic falls before capacity. Plan enforces it from any starting point,
// not only from a step that was achieved: jumps over several steps,
// retreats, strategies whose contender shrinks going forward, targets
// edited by hand, or status that is still catching up. It orders the moves
// by what each one does to the values rather than by step direction alone:
//
//  1. capacity that must rise anywhere rises (to at least the step's value,
//     never lowering a cluster in the same write);
//  2. traffic weights that must rise anywhere rise;
//  3. traffic weights that must fall fall to the step's values;
//  4. capacity that must fall falls to the step's values.
//
// Within each phase the release the step favours moves first: the
// contender going forward, the incumbent going backward. From an achieved
// step of a strategy in which the contender only grows and the incumbent
// only shrinks from step to step (every preset), this is exactly the stage
// order above. Otherwise stages may come in another order, and a target
// may be written twice in one step: first raised where it is short, later
// lowered where it is over.
//
// The invariants, checked by FuzzPlan from random starting states:
//
//   - Traffic never moves to a release whose capacity is not achieved: a
//     write that raises a release's weight, or that makes any of its
//     endpoints a larger share of the total weight (lowering the other
//     release's weight does), is made only when that release's capacity
//     target is achieved and at least the step's value in every cluster.
//     Plan waits for that capacity otherwise. "At least" rather than
//     "equal": when a release's capacity must fall and its traffic rise (a
//     contender warmed up at 100% that serves weight 10 at 50% next), one
//     of the two has to move first; traffic rises onto the larger, achieved
//     capacity, and capacity falls once that traffic is settled.
//   - Capacity falls only under traffic that is settled: a write that
//     lowers a release's capacity anywhere is made only when its traffic
//     target is at the step's weights and achieved.
//   - The weights never all become zero: rises come before falls, and a
//     step never has both weights zero (nor, for a first release, a zero
//     contender weight at the last step), so DNS always has an endpoint.
//
// Weights are relative, and every step's weights must sum to the same
// total (every preset uses 100): then one release's share only grows while
// the other's shrinks and no write overshoots the step's split. Different
// totals (10/10 to 100/300) would make both weights rise, and whichever
// rose first would briefly hold more share than either step gives it.
//
// # The invariants
//
// docs/traffic.md lists convoy's safety promises. Plan enforces three:
//
//   - I1, capacity covers traffic. A step may not give a release a larger
//     share of its traffic than its capacity percent. Every traffic write
//     is checked (coveredMove): after it, no release whose share grew holds
//     more of the total weight than the smallest capacity percent among
//     the clusters where it has weight. When the whole move would break
//     that (weights that start off the strategy's total), Plan writes the
//     farthest partial move that keeps it, and the next call goes on.
//     A release sized by an autoscaler keeps I1 through ScaledBounds: at p
//     percent its autoscaler's minimum is at least p percent of the full
//     size the capacity percent counts against (FuzzScaledBounds), so
//     whatever the load, the pods a capacity percent promises are there.
//   - I3, supersession goes through the planner. Input.Superseded lists
//     the releases a newer one overtook (and older ones still holding
//     something). They only fall, to zero, in the lower phases: their
//     traffic leaves first among the falling weights, after the contender's
//     and the incumbent's capacity rose and their traffic moved, so the
//     releases taking that traffic have the capacity for it; their capacity
//     leaves once their traffic is zero and achieved. A step is done only
//     when they are.
//   - I4, progress or a reason. Plan never decides nothing while nothing
//     is pending: it writes, waits for a stage that is moving, or says
//     which field is wrong. (Its callers' half, re-creating missing
//     targets and never reading a missing incumbent as none, is the
//     release controller's.)
//   - I5, gates judge served traffic. A step with gates (a soak, analysis
//     checks; StrategyStep.Gated) going forward with an incumbent is done
//     only when Input.GatePassed says they passed, and they are judged
//     only once every target of the step is settled: Plan waits at
//     StageAnalysis, with nothing to write, so the checks measure the
//     step's own traffic. A failed gate is an abort, which the release
//     controller asks for (spec.aborted) and Plan executes like any other:
//     a retreat has no gates, and neither has a first release.
//
// FuzzPlan checks Plan from random starting states, with and without
// waves; FuzzRollouts, a
// multi-release simulator, checks I1 from what DNS would serve and the
// pods that are ready, I3 at every write and I4 at every step, through new
// templates at every step, advances, aborts, clusters whose pods turn
// ready late or are lost, control planes cut off, and gates that pass late
// or fail (aborting the release mid-step), with waves (aborts in any
// wave) or without; a test shows that
// each check catches a planner broken on purpose. The supersede-*.story
// files tell supersession at every step of every preset.
package strategies
