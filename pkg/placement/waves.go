package placement

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Reasons a release's waves cannot be formed.
const (
	// ReasonEmptyWave: a wave chooses no cluster.
	ReasonEmptyWave Reason = "EmptyWave"
	// ReasonClustersInNoWave: clusters are left after the last wave.
	ReasonClustersInNoWave Reason = "ClustersInNoWave"
	// ReasonWaveSpansRegions: oneRegionPerWave, and a wave spans two.
	ReasonWaveSpansRegions Reason = "WaveSpansRegions"
)

// Waves splits a release's clusters (candidates, those it was placed on)
// into its strategy's waves, in order. Each wave chooses from the
// clusters the waves before it left, in name order: those in its regions
// and matching its selector, then only its count or percentage of them
// (rounded up). A wave that chooses nothing (its clusters were all taken
// by earlier waves: the waves overlap), clusters left after the last
// wave, and, with oneRegionPerWave, a wave spanning regions are errors
// naming the wave's field (field is the strategy's path).
func Waves(field string, waves []convoyv1alpha1.Wave, oneRegionPerWave bool, candidates []Candidate) ([][]string, error) {
	left := slices.Clone(candidates)
	slices.SortFunc(left, func(a, b Candidate) int { return strings.Compare(a.Name, b.Name) })
	out := make([][]string, len(waves))
	for i, w := range waves {
		at := fmt.Sprintf("%s.waves[%d] (%s)", field, i, w.Name)
		var matched, taken []string
		var chosen []Candidate
		for _, c := range candidates {
			if inWave(w, c) && !slices.ContainsFunc(left, func(l Candidate) bool { return l.Name == c.Name }) {
				taken = append(taken, c.Name)
			}
		}
		for _, c := range left {
			if inWave(w, c) {
				chosen = append(chosen, c)
				matched = append(matched, c.Name)
			}
		}
		if n := countOf(w, len(chosen)); n < len(chosen) {
			chosen = chosen[:n]
		}
		if len(chosen) == 0 {
			msg := fmt.Sprintf("%s chooses no cluster: %s matches none of the %d clusters left", at, describeWave(w), len(left))
			if len(taken) > 0 {
				slices.Sort(taken)
				msg = fmt.Sprintf("%s chooses no cluster: %s matches %s, all taken by earlier waves (the waves overlap)", at, describeWave(w), strings.Join(taken, ", "))
			}
			return nil, &Error{ReasonEmptyWave, msg}
		}
		regions := map[string]bool{}
		for _, c := range chosen {
			out[i] = append(out[i], c.Name)
			regions[c.Region] = true
			left = slices.DeleteFunc(left, func(l Candidate) bool { return l.Name == c.Name })
		}
		if oneRegionPerWave && len(regions) > 1 {
			names := make([]string, 0, len(regions))
			for r := range regions {
				names = append(names, r)
			}
			slices.Sort(names)
			return nil, &Error{ReasonWaveSpansRegions, fmt.Sprintf("%s spans regions %s, but oneRegionPerWave is set: give the wave regions", at, strings.Join(names, ", "))}
		}
	}
	if len(left) > 0 {
		names := make([]string, len(left))
		for i, c := range left {
			names[i] = c.Name
		}
		return nil, &Error{ReasonClustersInNoWave, fmt.Sprintf("%s.waves: clusters %s are in no wave: end with a wave that takes the rest (no regions, selector or clusters)",
			field, strings.Join(names, ", "))}
	}
	return out, nil
}

func inWave(w convoyv1alpha1.Wave, c Candidate) bool {
	return (len(w.Regions) == 0 || slices.Contains(w.Regions, c.Region)) && w.Selector.Matches(c.Labels)
}

// countOf is how many of n matching clusters a wave takes.
func countOf(w convoyv1alpha1.Wave, n int) int {
	if w.Clusters == nil {
		return n
	}
	if s := w.Clusters.StrVal; w.Clusters.Type == intstr.String && strings.HasSuffix(s, "%") {
		var pct int
		fmt.Sscanf(s, "%d%%", &pct)
		return max(1, int(math.Ceil(float64(n)*float64(pct)/100)))
	}
	return int(w.Clusters.IntVal)
}

func describeWave(w convoyv1alpha1.Wave) string {
	var parts []string
	if len(w.Regions) > 0 {
		parts = append(parts, "regions "+strings.Join(w.Regions, ", "))
	}
	if w.Selector != nil {
		parts = append(parts, "selector "+w.Selector.String())
	}
	if len(parts) == 0 {
		return "taking the rest, it"
	}
	return strings.Join(parts, " and ")
}
