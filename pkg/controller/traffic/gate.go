package traffic

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/health"
	"github.com/convoy-rollouts/convoy/strategies"
)

// The health gate decides which (cluster, release) endpoints may carry
// weight, and how much:
//
//   - An endpoint starts carrying weight only once its release's capacity
//     for the current step is achieved in the cluster (the CapacityTarget's
//     Ready for the cluster).
//   - One that carries weight keeps it while the capacity moves to the next
//     step's, as long as pods are available.
//   - It loses its weight at once when the capacity says the pods are not
//     there or cannot run (health.Unhealthy, or none available).
//   - When convoy cannot see the cluster (health.Blind: its API server has
//     failed --cluster-unreachable-threshold probes in a row, a request to
//     it timed out, or its credentials are gone), the endpoint's weight is
//     frozen, not zeroed. That is evidence about the control plane only:
//     the pods may well still serve, and moving a cluster's share of the
//     traffic onto the others on that evidence alone is what turned a 25 s
//     API server freeze into a failover. Traffic leaves such a cluster on
//     data-plane evidence (DNS health checks of the endpoints) instead.
//
// A frozen endpoint keeps at most the weight published for it last (the
// weight in the hostname's DNSRecordSet), and never more than what it
// would get were the cluster seen, with the capacity last seen there:
//
//   - a lowering is always applied: a release retired, aborted or stepping
//     back still takes its weight out of the cluster, since taking weight
//     away never asks more of any capacity;
//   - a raise waits: convoy cannot see whether capacity for it is there;
//   - an endpoint that carries no weight gets none (I1, capacity covers
//     traffic: it never gains weight where its capacity cannot be seen).
//
// Each release keeps its part of the units (the step's split between
// releases); what its frozen endpoints do not keep of it goes to its
// clusters convoy sees (see gatedWeights). No
// new step starts in the cluster meanwhile: its capacity is not Ready for a
// new spec and its traffic target says WeightFrozen, so the release
// controller waits, and the step completes once the cluster answers again.

// Reasons of the health gate.
const (
	ReasonCapacityNotAchieved = "CapacityNotAchieved"
	ReasonUnhealthy           = "Unhealthy"
	ReasonWeightFrozen        = "WeightFrozen"
)

// gate rules on an endpoint asked to carry weight: its capacity to share
// the release's weight by and, when it may not carry its share, why. seen
// is how reading the endpoint itself went; carrying tells whether it
// carries traffic now.
func gate(ct *convoyv1alpha1.CapacityTarget, cluster string, carrying bool, seen verdict) (int64, verdict) {
	switch {
	case health.Blind(seen.reason):
		// The Service cannot be read: neither can anything else there.
		capacity, v := healthyCapacity(ct, cluster, carrying)
		switch {
		case v.reason == ReasonUnhealthy:
			return 0, v
		case v.frozen:
			return capacity, v
		}
		return lastSeen(ct, cluster, capacity), frozen(cluster, seen)
	case !seen.ok():
		return 0, seen
	}
	return healthyCapacity(ct, cluster, carrying)
}

// healthyCapacity is the release's capacity in a cluster that may carry
// traffic, in available pods, or a verdict saying why none may (see the
// rules above). A frozen verdict comes with the capacity last seen.
func healthyCapacity(ct *convoyv1alpha1.CapacityTarget, cluster string, carrying bool) (int64, verdict) {
	if ct == nil {
		return 0, verdict{reason: ReasonCapacityNotAchieved, message: fmt.Sprintf("cluster %s: the release has no capacity target yet", cluster)}
	}
	for _, st := range ct.Status.Clusters {
		if st.Name != cluster {
			continue
		}
		ready := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionReady)
		switch {
		case ready == nil:
		case health.Blind(ready.Reason):
			return int64(st.AvailableReplicas), frozen(cluster, verdict{reason: ready.Reason, message: ready.Message})
		case health.Unhealthy(ready.Reason):
			return 0, verdict{reason: ReasonUnhealthy, message: fmt.Sprintf("cluster %s: %s: %s", cluster, ready.Reason, ready.Message)}
		case st.AvailableReplicas == 0:
			return 0, verdict{reason: ReasonUnhealthy, message: fmt.Sprintf("cluster %s: no pod of release %s is available (%s)", cluster, ct.Name, ready.Message)}
		case ready.Status == "True" && ready.ObservedGeneration == ct.Generation || carrying:
			return int64(st.AvailableReplicas), verdict{}
		default:
			return 0, verdict{reason: ReasonCapacityNotAchieved, message: fmt.Sprintf("cluster %s: capacity for the step not achieved yet: %s", cluster, ready.Message)}
		}
	}
	return 0, verdict{reason: ReasonCapacityNotAchieved, message: fmt.Sprintf("cluster %s: capacity not reported yet", cluster)}
}

// lastSeen is the available pods the capacity target last reported in the
// cluster, or capacity when it reported them healthy.
func lastSeen(ct *convoyv1alpha1.CapacityTarget, cluster string, capacity int64) int64 {
	if capacity > 0 || ct == nil {
		return capacity
	}
	for _, st := range ct.Status.Clusters {
		if st.Name == cluster {
			return int64(st.AvailableReplicas)
		}
	}
	return 0
}

// frozen is the verdict for an endpoint in a cluster convoy cannot see.
func frozen(cluster string, why verdict) verdict {
	return verdict{reason: ReasonWeightFrozen, frozen: true, message: fmt.Sprintf(
		"cluster %s cannot be seen (%s: %s): the weight its endpoint carries is frozen, lowered but never raised, until convoy sees the cluster again",
		cluster, why.reason, why.message)}
}

// at locates a (release, cluster) in the apportionment's input order.
type at struct{ release, cluster int }

// frozenWeights are the weights published last (in the record set
// existing, nil when there is none) of the frozen endpoints of targets (by
// verdicts). A frozen endpoint the controller could not read gets the
// addresses published for it last, so it stays in the records.
func frozenWeights(targets []*target, verdicts map[string]verdict, existing *convoyv1alpha1.DNSRecordSet, endpoints map[string]endpoint) map[at]int64 {
	kept := map[at]int64{}
	for i, t := range targets {
		for j, c := range t.tt.Spec.Clusters {
			id := setIdentifier(c.Name, t.rel.Name)
			if !verdicts[id].frozen {
				continue
			}
			kept[at{i, j}] = 0
			if existing == nil {
				continue
			}
			for _, rec := range existing.Spec.Records {
				if rec.SetIdentifier != id {
					continue
				}
				kept[at{i, j}] = int64(rec.Weight)
				if _, ok := endpoints[id]; !ok {
					endpoints[id] = endpoint{addresses: rec.Addresses, target: rec.Target}
				}
			}
		}
	}
	return kept
}

// gatedWeights shares units among the endpoints like
// strategies.DNSWeights, except for the frozen endpoints (kept, by
// position, with the weight published for each last). Each release first
// gets its part of the units as if every cluster were seen (frozen ones
// with the capacity last seen there), so the step's split between
// releases holds. A frozen endpoint keeps the lower of its published
// weight and its share of that part; the rest of the part is shared among
// the release's seen clusters by capacity. A release left with no seen
// capacity hands the rest of its part to the releases that have some, by
// demand, as DNSWeights hands on the part of a release with no healthy
// endpoint.
func gatedWeights(units int64, releases []strategies.ReleaseTraffic, kept map[at]int64) (strategies.Weights, error) {
	ideal, err := strategies.DNSWeights(units, releases)
	if err != nil || len(kept) == 0 {
		return ideal, err
	}
	releases = strategies.WithClusterFull(releases)
	weights := make(strategies.Weights, len(releases))
	rest := make([]int64, len(releases))
	seen := make([][]float64, len(releases))
	demands := make([]float64, len(releases)) // of the releases with seen capacity
	var orphaned int64
	for i, r := range releases {
		weights[i] = make([]int64, len(r.Clusters))
		seen[i] = make([]float64, len(r.Clusters))
		var seenCapacity int64
		for j, c := range r.Clusters {
			rest[i] += ideal[i][j]
			if w, frozen := kept[at{i, j}]; frozen {
				weights[i][j] = min(w, ideal[i][j])
				rest[i] -= weights[i][j]
			} else {
				seen[i][j] = c.Healthy()
				seenCapacity += c.Capacity
			}
		}
		if seenCapacity == 0 {
			orphaned, rest[i] = orphaned+rest[i], 0
		} else {
			demands[i] = r.Demand()
		}
	}
	extra := strategies.ApportionReal(orphaned, demands)
	for i := range releases {
		for j, w := range strategies.ApportionReal(rest[i]+extra[i], seen[i]) {
			if _, frozen := kept[at{i, j}]; !frozen {
				weights[i][j] = w
			}
		}
	}
	return weights, nil
}
