package strategies

// Replicas is the number of pods percent of a full replica count of total
// comes to in one cluster: ceil(total × percent / 100), the rule Shipper
// used ("rather over than under capacity"), computed in integers so no
// float rounding can move a boundary. A non-zero percent of a non-zero total
// is never 0 pods, and 0% is always 0 pods.
//
// A negative total counts as 0 and percent is clamped to 0..100, so the
// result is always between 0 and total.
func Replicas(total, percent int32) int32 {
	if total <= 0 || percent <= 0 {
		return 0
	}
	if percent >= 100 {
		return total
	}
	// int64: total × percent overflows int32 from about 21 million pods.
	return int32((int64(total)*int64(percent) + 99) / 100)
}

// ScaledBounds are the bounds convoy gives a release's
// HorizontalPodAutoscaler in one cluster at percent of its capacity: its
// rendered minReplicas and maxReplicas scaled by percent (rounded up, as
// Replicas), the minimum raised to the step's share of the reference size
// (the incumbent's size when the rollout started). The floor is what makes
// capacity go first with an autoscaler: the pods for the step's traffic
// are there before the traffic moves, whatever the load says until then.
// Within the bounds the autoscaler alone sizes the release, so a contender
// follows the load that moves to it, up to percent of its maximum.
//
// A release alone in the cluster (no other release holds capacity there,
// so no traffic can still move to it) gets its rendered bounds whole: the
// floor ends with the rollout. 0% is (0, 0): the Deployment is scaled to
// 0, which switches its autoscaler off.
func ScaledBounds(reference, minReplicas, maxReplicas, percent int32, alone bool) (lo, hi int32) {
	if percent <= 0 {
		return 0, 0
	}
	if alone {
		return minReplicas, maxReplicas
	}
	lo = max(Replicas(minReplicas, percent), Replicas(reference, percent), 1)
	hi = max(Replicas(maxReplicas, percent), lo)
	return lo, hi
}
