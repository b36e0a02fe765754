package strategies

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// With the presets' weights (every step's add up to 100), moving between
// any two steps shifts the contender's share of the traffic monotonically
// from the one step's split to the other's: no write on the way overshoots
// either, whatever order the clusters get ready in.
func TestPresetSharesMoveMonotonically(t *testing.T) {
	for _, p := range []convoyv1alpha1.StrategyPreset{convoyv1alpha1.PresetVanguard, convoyv1alpha1.PresetCanary, convoyv1alpha1.PresetBlueGreen} {
		steps := presetSteps(p)
		for from := range int32(len(steps)) {
			for to := range int32(len(steps)) {
				for _, seed := range storySeeds {
					if err := shareWalk(steps, from, to, seed); err != nil {
						t.Errorf("%s, step %d → %d, seed %d: %v", p, from, to, seed, err)
					}
				}
			}
		}
	}
	// Weights that do not keep their sum (10/10 to 100/300) would have to
	// rise together, and whichever rose first would outgrow its capacity:
	// Plan refuses such a strategy.
	uneven := []convoyv1alpha1.StrategyStep{step("a", 100, 100, 10, 10), step("b", 100, 100, 100, 300)}
	if err := shareWalk(uneven, 0, 1, 1); err == nil || !strings.Contains(err.Error(), "steps[1].traffic: the weights sum to 400 but steps[0]'s sum to 20") {
		t.Errorf("10/10 to 100/300: %v, want the uneven totals refused", err)
	}
}

// shareWalk moves two releases settled at step from to step to, and fails
// when the contender's share of all the weight, after any write, is not
// between its share before that write and its share at step to.
func shareWalk(steps []convoyv1alpha1.StrategyStep, from, to int32, seed int64) error {
	w := &world{rng: rand.New(rand.NewSource(seed)), steps: steps, clusters: storyClusters, hasIncumbent: true}
	w.settle(from)
	w.targetStep = to
	share := func() (int64, int64) { // contender weight, all weight
		c := total(w.specs[contenderTraffic])
		return c, c + total(w.specs[incumbentTraffic])
	}
	goal := steps[to].Traffic
	gc, gt := int64(goal.Contender), int64(goal.Contender+goal.Incumbent)
	pc, pt := share()
	_, err := w.runStep(func(_ Input, d Decision) error {
		c, all := share()
		la, lb := min2(pc, pt, gc, gt)
		ha, hb := max2(pc, pt, gc, gt)
		if c*lb < la*all || c*hb > ha*all {
			return fmt.Errorf("contender share %d/%d is not between %d/%d and the goal %d/%d", c, all, pc, pt, gc, gt)
		}
		pc, pt = c, all
		return nil
	})
	return err
}

// min2 and max2 pick the smaller and the larger of the fractions a/b and x/y.
func min2(a, b, x, y int64) (int64, int64) {
	if a*y <= x*b {
		return a, b
	}
	return x, y
}

func max2(a, b, x, y int64) (int64, int64) {
	if a*y >= x*b {
		return a, b
	}
	return x, y
}
