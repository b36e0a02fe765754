package strategies

import (
	"fmt"
	"slices"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// FieldError is an Input that Plan cannot execute: Field names what is
// wrong the way a person finds it on the Release (steps[2].traffic.contender,
// targetStep) or in the Input (clusters[3], targets[incumbent traffic]).
// Nothing is decided for an invalid Input, so nothing half-applies; the
// input has to change before Plan can go on.
type FieldError struct {
	Field  string
	Detail string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Detail }

func fieldErrorf(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Detail: fmt.Sprintf(format, args...)}
}

// Bounds of the values Plan accepts, the same as the API's validation.
const (
	maxPercent    = 100
	maxStepWeight = 10000   // StrategyStep traffic weights
	maxWeight     = 1000000 // TrafficTarget weights
)

// validateSteps checks the strategy and the step indexes. The whole
// strategy is checked, not only the step executed, so a broken step is
// reported when the release starts rather than when it gets there.
func validateSteps(in *Input) error {
	n := int32(len(in.Steps))
	if n == 0 {
		return fieldErrorf("steps", "the strategy has no steps")
	}
	for i := range in.Steps {
		if err := validateStep(i, &in.Steps[i]); err != nil {
			return err
		}
		// Traffic targets are written one at a time: between two steps
		// whose weights sum alike one release's weight rises while the
		// other's falls, and no write gives either more share than its step
		// does. With different sums both may have to rise, and whichever
		// rises first outgrows its capacity (I1).
		if total, first := stepTotal(in.Steps[i]), stepTotal(in.Steps[0]); total != first {
			return fieldErrorf(fmt.Sprintf("steps[%d].traffic", i),
				"the weights sum to %d but steps[0]'s sum to %d: every step's weights must have the same total (only the ratio counts; percentages are usual)", total, first)
		}
	}
	if in.TargetStep < 0 || in.TargetStep >= n {
		return fieldErrorf("targetStep", "%d is not a step: the strategy has steps 0 to %d", in.TargetStep, n-1)
	}
	if in.AchievedStep < -1 || in.AchievedStep >= n {
		return fieldErrorf("achievedStep", "%d is not a step: the strategy has steps 0 to %d (-1 for none)", in.AchievedStep, n-1)
	}
	// A first release runs the last step alone: without an incumbent to
	// serve, a zero contender weight there would leave DNS no endpoint.
	if last := in.Steps[n-1]; !in.HasIncumbent && last.Traffic.Contender == 0 {
		return fieldErrorf(fmt.Sprintf("steps[%d].traffic.contender", n-1),
			"is 0, but a first release has no incumbent to take the traffic: the last step must give the contender traffic")
	} else if !in.HasIncumbent && last.Capacity.Contender < maxPercent {
		// Alone, it takes every answer: only full capacity covers that (I1).
		return fieldErrorf(fmt.Sprintf("steps[%d].capacity.contender", n-1),
			"is %d%%, but a first release serves all the traffic alone at the last step: it must be 100%%", last.Capacity.Contender)
	}
	return nil
}

func stepTotal(s convoyv1alpha1.StrategyStep) int64 {
	return int64(s.Traffic.Contender) + int64(s.Traffic.Incumbent)
}

func validateStep(i int, s *convoyv1alpha1.StrategyStep) error {
	field := func(name string) string { return fmt.Sprintf("steps[%d].%s", i, name) }
	for _, c := range [...]struct {
		name     string
		value    int32
		max      int32
		capacity int32 // for weights: the same release's capacity
	}{
		{"capacity.contender", s.Capacity.Contender, maxPercent, -1},
		{"capacity.incumbent", s.Capacity.Incumbent, maxPercent, -1},
		{"traffic.contender", s.Traffic.Contender, maxStepWeight, s.Capacity.Contender},
		{"traffic.incumbent", s.Traffic.Incumbent, maxStepWeight, s.Capacity.Incumbent},
	} {
		if c.value < 0 || c.value > c.max {
			return fieldErrorf(field(c.name), "%d is outside 0 to %d", c.value, c.max)
		}
		if c.value > 0 && c.capacity == 0 {
			return fieldErrorf(field(c.name), "is %d but the release's capacity is 0%%: traffic would go to a release with no pods", c.value)
		}
	}
	total := int64(s.Traffic.Contender) + int64(s.Traffic.Incumbent)
	if total == 0 {
		return fieldErrorf(field("traffic"), "contender and incumbent weights are both 0: DNS would have no endpoint")
	}
	// I1: a release's share of the step's traffic never exceeds its
	// capacity percent.
	for _, c := range [...]struct {
		name             string
		weight, capacity int32
	}{
		{"traffic.contender", s.Traffic.Contender, s.Capacity.Contender},
		{"traffic.incumbent", s.Traffic.Incumbent, s.Capacity.Incumbent},
	} {
		if int64(c.weight)*maxPercent > int64(c.capacity)*total {
			return fieldErrorf(field(c.name), "%d of %d is %.1f%% of the traffic, more than the release's capacity of %d%%: capacity must cover traffic",
				c.weight, total, float64(c.weight)*100/float64(total), c.capacity)
		}
	}
	return nil
}

// validateClusters checks a release's cluster list: not empty, no empty
// names, no duplicates.
func validateClusters(field string, clusters []string) error {
	if len(clusters) == 0 {
		return fieldErrorf(field, "no clusters")
	}
	seen := make(map[string]struct{}, len(clusters))
	for i, c := range clusters {
		if c == "" {
			return fieldErrorf(fmt.Sprintf("%s[%d]", field, i), "empty cluster name")
		}
		if _, dup := seen[c]; dup {
			return fieldErrorf(fmt.Sprintf("%s[%d]", field, i), "cluster %q is listed twice", c)
		}
		seen[c] = struct{}{}
	}
	return nil
}

// validateTargetKeys rejects targets other than the four a step drives.
func validateTargetKeys(targets map[Target]Observed) error {
	for t := range targets {
		if slotOf(t) == noSlot {
			return fieldErrorf(targetField(t), "not a target a step drives: want role contender or incumbent, kind capacity or traffic")
		}
	}
	return nil
}

// unknownCluster is the first (by name) cluster of values that is not one
// of clusters. Only called once counting showed there is one.
func unknownCluster(values map[string]int32, clusters []string) string {
	var unknown []string
	for c := range values {
		if !slices.Contains(clusters, c) {
			unknown = append(unknown, c)
		}
	}
	return slices.Min(unknown)
}

func targetField(t Target) string { return fmt.Sprintf("targets[%s %s]", t.Role, t.Kind) }
