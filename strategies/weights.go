package strategies

import (
	"fmt"
	"math"
	"slices"
)

// DNSUnits is how many weight units the embedded DNS server shares among a
// hostname's records: per mille, so a step's split is published to within
// 0.1 point.
const DNSUnits = 1000

// Route53Units is the share for external-dns's aws/weight, whose records
// each hold 0 to 255: with 255 units in all no record can exceed that.
const Route53Units = 255

// ReleaseTraffic is one release's claim on a hostname's traffic.
type ReleaseTraffic struct {
	// Name of the release.
	Name string
	// Demand is the release's traffic weight at its step (its traffic
	// target's weight); only the ratio between releases counts.
	Demand int64
	// Clusters are the release's clusters with their healthy capacity:
	// available replicas where the capacity passes the health gate, 0
	// where the cluster must get no traffic (unhealthy, unreachable, no
	// endpoint, weight 0 in that cluster).
	Clusters []ClusterCapacity
}

// ClusterCapacity is a release's healthy capacity in one cluster.
type ClusterCapacity struct {
	Name     string
	Capacity int64
}

// Weights are integer DNS weights per release and cluster, in the input's
// order: Weights[i][j] is release i in its cluster j.
type Weights [][]int64

// Sum is the total of every weight.
func (w Weights) Sum() int64 {
	var sum int64
	for _, r := range w {
		for _, v := range r {
			sum += v
		}
	}
	return sum
}

// DNSWeights shares units among a hostname's (cluster, release) records.
// The releases' demands are apportioned first, over the releases that have
// some healthy capacity, so a release with none hands its share to the
// others rather than to nobody; then each release's part is apportioned
// over its clusters in proportion to their healthy capacity, so a cluster
// that turns unhealthy gives its share to the release's other clusters.
// Both apportionments use the largest remainder method: each result is
// within one unit of the exact quota and the parts add up to the whole.
//
// The result is all zero when no release with a demand has healthy
// capacity; the caller must then keep the records it published last
// (Route53 answers an all-zero group with an equal split).
func DNSWeights(units int64, releases []ReleaseTraffic) (Weights, error) {
	if units <= 0 || units > math.MaxInt32 {
		return nil, fieldErrorf("units", "must be between 1 and %d, got %d", math.MaxInt32, units)
	}
	demands := make([]int64, len(releases))
	for i, r := range releases {
		if r.Demand < 0 || r.Demand > math.MaxInt32 {
			return nil, fieldErrorf(fmt.Sprintf("releases[%d].demand", i), "release %s: must be between 0 and %d, got %d", r.Name, math.MaxInt32, r.Demand)
		}
		for j, c := range r.Clusters {
			if c.Capacity < 0 || c.Capacity > math.MaxInt32 {
				return nil, fieldErrorf(fmt.Sprintf("releases[%d].clusters[%d].capacity", i, j), "release %s in cluster %s: must be between 0 and %d, got %d", r.Name, c.Name, math.MaxInt32, c.Capacity)
			}
			if c.Capacity > 0 {
				demands[i] = r.Demand
			}
		}
	}
	weights := make(Weights, len(releases))
	parts := Apportion(units, demands)
	for i, r := range releases {
		capacities := make([]int64, len(r.Clusters))
		for j, c := range r.Clusters {
			capacities[j] = c.Capacity
		}
		weights[i] = Apportion(parts[i], capacities)
	}
	return weights, nil
}

// Apportion divides total into integer parts proportional to shares by the
// largest remainder (Hamilton) method: every part is its exact quota
// rounded down or up, the parts add up to total, a zero share gets zero,
// and ties between equal remainders go to the earlier share, so the result
// is stable. All zero shares give all zero parts. Shares must not be
// negative and total × share must fit in an int64.
func Apportion(total int64, shares []int64) []int64 {
	parts := make([]int64, len(shares))
	var sum int64
	for _, s := range shares {
		sum += s
	}
	if sum == 0 || total <= 0 {
		return parts
	}
	remainders := make([]int, 0, len(shares))
	given := int64(0)
	rem := make([]int64, len(shares))
	for i, s := range shares {
		parts[i] = total * s / sum
		rem[i] = total * s % sum
		given += parts[i]
		if s > 0 {
			remainders = append(remainders, i)
		}
	}
	// Largest remainder first; SortStableFunc keeps earlier shares first
	// among equal remainders.
	slices.SortStableFunc(remainders, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for _, i := range remainders[:total-given] {
		parts[i]++
	}
	return parts
}
