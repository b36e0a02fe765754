// Package placement chooses the application clusters a Release runs in.
//
// Per required region it takes the requested number of clusters among those
// that are schedulable and have every required capability, ranked by
// weighted rendezvous (highest random weight) hashing of the application and
// the cluster. Rendezvous hashing makes placement stable: the same
// application lands on the same clusters release after release, and when a
// cluster joins or leaves only the applications that rank it among their top
// choices move. The weighted form (score = -weight / ln(hash), with the hash
// mapped uniformly onto (0,1)) gives each cluster a share of placements
// proportional to its weight; Shipper multiplied the hash by the weight
// instead, which skews shares away from the weights.
//
// The package is pure: callers pass the candidate clusters in and get names
// out, or an Error whose Reason a condition can carry.
package placement

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strings"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/strategies"
)

// Candidate is an application cluster as placement sees it.
type Candidate struct {
	Name          string
	Region        string
	Capabilities  []string
	Unschedulable bool
	// Labels are the Cluster's labels, which selectors match.
	Labels map[string]string
	// Weight is the cluster's relative share of placements; 0 means the
	// default, 100.
	Weight int32
}

// Requirement asks for Clusters clusters in Region.
type Requirement struct {
	Region   string
	Clusters int
}

// Reason says why placement failed, for a condition's reason.
type Reason string

const (
	// ReasonNoSuchRegion: no cluster is registered in the region.
	ReasonNoSuchRegion Reason = "NoSuchRegion"
	// ReasonNotEnoughClusters: the region has too few schedulable clusters.
	ReasonNotEnoughClusters Reason = "NotEnoughClusters"
	// ReasonNotEnoughCapableClusters: enough schedulable clusters, but too
	// few with the required capabilities.
	ReasonNotEnoughCapableClusters Reason = "NotEnoughCapableClusters"
	// ReasonNotEnoughMatchingClusters: enough capable clusters, but too
	// few matching the selector.
	ReasonNotEnoughMatchingClusters Reason = "NotEnoughMatchingClusters"
)

// Error is a placement that cannot be satisfied.
type Error struct {
	Reason  Reason
	Message string
}

func (e *Error) Error() string { return e.Message }

// DefaultWeight is a cluster's weight when it sets none.
const DefaultWeight = 100

// Place returns the clusters for the application key (such as
// "namespace/name"), sorted by name. It fails with an *Error naming the
// first region it cannot satisfy.
func Place(key string, regions []Requirement, capabilities []string, selector *convoyv1alpha1.ClusterSelector, candidates []Candidate) ([]string, error) {
	var chosen []string
	for _, req := range regions {
		names, err := placeRegion(key, req, capabilities, selector, candidates)
		if err != nil {
			return nil, err
		}
		chosen = append(chosen, names...)
	}
	sort.Strings(chosen)
	return chosen, nil
}

func placeRegion(key string, req Requirement, capabilities []string, selector *convoyv1alpha1.ClusterSelector, candidates []Candidate) ([]string, error) {
	var inRegion, schedulable, capable, eligible []Candidate
	for _, c := range candidates {
		if c.Region != req.Region {
			continue
		}
		inRegion = append(inRegion, c)
		if c.Unschedulable {
			continue
		}
		schedulable = append(schedulable, c)
		if !hasAll(c.Capabilities, capabilities) {
			continue
		}
		capable = append(capable, c)
		if selector.Matches(c.Labels) {
			eligible = append(eligible, c)
		}
	}
	switch {
	case len(inRegion) == 0:
		return nil, &Error{ReasonNoSuchRegion, fmt.Sprintf("region %q has no clusters", req.Region)}
	case len(schedulable) < req.Clusters:
		return nil, &Error{ReasonNotEnoughClusters, fmt.Sprintf("region %q needs %d clusters but has %d schedulable (of %d)",
			req.Region, req.Clusters, len(schedulable), len(inRegion))}
	case len(capable) < req.Clusters:
		return nil, &Error{ReasonNotEnoughCapableClusters, fmt.Sprintf("region %q needs %d clusters with capabilities [%s] but has %d (of %d schedulable)",
			req.Region, req.Clusters, strings.Join(capabilities, ", "), len(capable), len(schedulable))}
	case len(eligible) < req.Clusters:
		return nil, &Error{ReasonNotEnoughMatchingClusters, fmt.Sprintf("region %q needs %d clusters matching the selector (%s) but %d of its %d schedulable and capable clusters match",
			req.Region, req.Clusters, selector, len(eligible), len(capable))}
	}
	slices.SortFunc(eligible, func(a, b Candidate) int {
		sa, sb := score(key, a), score(key, b)
		switch {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	names := make([]string, req.Clusters)
	for i := range names {
		names[i] = eligible[i].Name
	}
	return names, nil
}

// score is the weighted rendezvous score of placing key on c.
func score(key string, c Candidate) float64 {
	weight := float64(c.Weight)
	if c.Weight <= 0 {
		weight = DefaultWeight
	}
	return -weight / math.Log(unitHash(key, c.Name))
}

// unitHash maps (key, cluster) uniformly onto the open interval (0, 1).
func unitHash(key, cluster string) float64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write([]byte(cluster))
	x := mix64(h.Sum64())
	// 53 random bits, offset by half a step so neither 0 nor 1 occurs.
	return (float64(x>>11) + 0.5) / (1 << 53)
}

// mix64 is the splitmix64 finalizer: FNV's low bits are poorly mixed for
// short, similar inputs such as cluster names.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// ReasonSpreadTooThin: a spread of replicas leaves a cluster with none.
const ReasonSpreadTooThin Reason = "SpreadTooThin"

// Spread divides total replicas among clusters (names of candidates) in
// proportion to their weights, by the largest remainder: every part within
// one replica of its exact share, the parts adding up to total. A cluster
// left with no replica is an error: raise the total or its weight.
func Spread(total int32, clusters []string, candidates []Candidate) (map[string]int32, error) {
	weights := make([]int64, len(clusters))
	for i, name := range clusters {
		weights[i] = DefaultWeight
		for _, c := range candidates {
			if c.Name == name && c.Weight > 0 {
				weights[i] = int64(c.Weight)
			}
		}
	}
	out := make(map[string]int32, len(clusters))
	for i, n := range strategies.Apportion(int64(total), weights) {
		if n == 0 {
			return nil, &Error{ReasonSpreadTooThin, fmt.Sprintf("spread of %d replicas by cluster weight gives cluster %s (weight %d) none: raise totalReplicas or its weight",
				total, clusters[i], weights[i])}
		}
		out[clusters[i]] = int32(n)
	}
	return out, nil
}
