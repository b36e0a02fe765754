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
	// Clusters are the release's clusters, each with its weight and its
	// healthy capacity.
	Clusters []ClusterCapacity
}

// ClusterCapacity is a release's weight and healthy capacity in one
// cluster.
type ClusterCapacity struct {
	Name string
	// Weight is the release's traffic weight in the cluster (its traffic
	// target's): only the ratios count.
	Weight int64
	// Full is the cluster's replica count at 100% (the capacity target's
	// total replica count); 0 counts as 1.
	Full int64
	// Desired is the pods the release's capacity asks for in the cluster
	// now; 0 when unknown (then healthy capacity counts in full).
	Desired int64
	// Capacity is the healthy capacity: available replicas where the
	// capacity passes the health gate, 0 where the cluster must get no
	// traffic (unhealthy, unreachable, no endpoint, weight 0 there).
	Capacity int64
}

// WithClusterFull returns the releases (a copy) with each cluster's Full
// the largest any release has there. A cluster's full capacity is the
// cluster's, common to every release in it: were each release's own used,
// a contender whose full size differs from the incumbent's (an autoscaled
// release sized by the incumbent's load, a chart whose replicas changed)
// would get a share off the step's weights, more than its capacity covers.
func WithClusterFull(releases []ReleaseTraffic) []ReleaseTraffic {
	full := map[string]int64{}
	for _, r := range releases {
		for _, c := range r.Clusters {
			full[c.Name] = max(full[c.Name], c.Full)
		}
	}
	out := make([]ReleaseTraffic, len(releases))
	for i, r := range releases {
		out[i] = ReleaseTraffic{Name: r.Name, Clusters: slices.Clone(r.Clusters)}
		for j := range out[i].Clusters {
			out[i].Clusters[j].Full = full[out[i].Clusters[j].Name]
		}
	}
	return out
}

// claim is the cluster's nominal claim on the hostname: its weight times
// its full capacity.
func (c ClusterCapacity) claim() float64 {
	return float64(c.Weight) * float64(max(c.Full, 1))
}

// Healthy is the claim scaled by the part of the desired pods that are
// healthy (at most all of it).
func (c ClusterCapacity) Healthy() float64 {
	if c.Capacity <= 0 {
		return 0
	}
	if c.Desired <= 0 || c.Capacity >= c.Desired {
		return c.claim()
	}
	return c.claim() * float64(c.Capacity) / float64(c.Desired)
}

// Demand is the release's claim on the hostname: the sum of its
// clusters', or 0 when no cluster has healthy capacity (its part then
// goes to the other releases).
func (r ReleaseTraffic) Demand() float64 {
	var sum float64
	served := false
	for _, c := range r.Clusters {
		sum += c.claim()
		served = served || c.Capacity > 0 && c.Weight > 0
	}
	if !served {
		return 0
	}
	return sum
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
// Each record claims its weight times its cluster's full capacity (the
// largest full replica count of the releases there, WithClusterFull), so a
// cluster's share of the hostname stays proportional to its capacity
// however the releases split it inside (with waves, clusters hold
// different steps). The releases' claims are apportioned first, over the
// releases that have some healthy capacity, so a release with none hands
// its share to the others rather than to nobody; then each release's part
// is apportioned over its clusters by their claims scaled by the healthy
// part of their desired pods, so a cluster that turns unhealthy gives its
// share to the release's other clusters. Both apportionments use the
// largest remainder method: each result is within one unit of the exact
// quota and the parts add up to the whole.
//
// The result is all zero when no release with weight has healthy
// capacity; the caller must then keep the records it published last
// (Route53 answers an all-zero group with an equal split).
func DNSWeights(units int64, releases []ReleaseTraffic) (Weights, error) {
	if units <= 0 || units > math.MaxInt32 {
		return nil, fieldErrorf("units", "must be between 1 and %d, got %d", math.MaxInt32, units)
	}
	releases = WithClusterFull(releases)
	demands := make([]float64, len(releases))
	for i, r := range releases {
		for j, c := range r.Clusters {
			for _, v := range [...]struct {
				name  string
				value int64
			}{{"weight", c.Weight}, {"full", c.Full}, {"desired", c.Desired}, {"capacity", c.Capacity}} {
				if v.value < 0 || v.value > math.MaxInt32 {
					return nil, fieldErrorf(fmt.Sprintf("releases[%d].clusters[%d].%s", i, j, v.name), "release %s in cluster %s: must be between 0 and %d, got %d", r.Name, c.Name, math.MaxInt32, v.value)
				}
			}
		}
		demands[i] = r.Demand()
	}
	weights := make(Weights, len(releases))
	parts := ApportionReal(units, demands)
	for i, r := range releases {
		healthy := make([]float64, len(r.Clusters))
		for j, c := range r.Clusters {
			healthy[j] = c.Healthy()
		}
		weights[i] = ApportionReal(parts[i], healthy)
	}
	return weights, nil
}

// ApportionReal is Apportion for real shares, such as Demand's: they are
// scaled to integers first (the largest to 2^31; equal shares stay
// exactly equal).
func ApportionReal(total int64, shares []float64) []int64 {
	return Apportion(total, scaled(shares))
}

// shareScale bounds the integer shares Apportion gets from real ones, so
// that units × share fits in an int64.
const shareScale = 1 << 31

// scaled turns real shares into integers proportional to them, the
// largest at shareScale. Equal shares stay exactly equal.
func scaled(shares []float64) []int64 {
	top := 0.0
	for _, s := range shares {
		top = max(top, s)
	}
	out := make([]int64, len(shares))
	if top <= 0 {
		return out
	}
	for i, s := range shares {
		out[i] = int64(math.Round(s / top * shareScale))
	}
	return out
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
