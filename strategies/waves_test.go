package strategies

import (
	"math/rand"
	"slices"
	"testing"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

func TestReached(t *testing.T) {
	waves := []Wave{{Name: "a", Clusters: []string{"c1"}, First: 0, Last: 1}, {Name: "b", Clusters: []string{"c2", "c3"}, First: 2, Last: 3}}
	all := []string{"c1", "c2", "c3"}
	if got := Reached(waves, all, 1); !slices.Equal(got, []string{"c1"}) {
		t.Errorf("step 1: %v, want the first wave's", got)
	}
	if got := Reached(waves, all, 2); !slices.Equal(got, all) {
		t.Errorf("step 2: %v, want both waves'", got)
	}
	if got := Reached(nil, all, 0); !slices.Equal(got, all) {
		t.Errorf("without waves: %v, want every cluster", got)
	}
}

// An abort during wave 3 of a rollout over 4 clusters in 3 waves retreats
// every wave reached, the last first: wave 3's clusters give the contender
// up before wave 2's, and wave 2's before wave 1's; every decision keeps the
// invariants (checkDecision), with seeds shuffling the order in which
// clusters get ready.
func TestAbortDuringWaveThree(t *testing.T) {
	clusters := []string{"c1", "c2", "c3", "c4"}
	for seed := int64(1); seed <= 20; seed++ {
		steps, waves := inWaves(presetSteps(convoyv1alpha1.PresetCanary), clusters, 3, 0) // c1 c2 | c3 | c4
		w := &world{rng: rand.New(rand.NewSource(seed)), steps: steps, clusters: clusters, hasIncumbent: true, waves: waves}
		w.settle(waves[2].First) // wave 3 at its first step (canary-10)
		w.targetStep = waves[2].First + 1
		// Part of the way into wave 3's next step...
		for range 1 + int(seed)%4 {
			in := w.input()
			d, err := Plan(in)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkDecision(in, d); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			w.apply(d.Patch)
			w.tick()
		}
		// ...then aborted: step 0 gives everything back to the incumbent.
		w.steps = slices.Clone(w.steps)
		w.steps[0].Capacity = convoyv1alpha1.CapacitySplit{Incumbent: 100}
		w.steps[0].Traffic = convoyv1alpha1.TrafficSplit{Incumbent: 100}
		w.targetStep, w.achievedStep = 0, int32(len(w.steps)-1)
		gone := map[string]int{} // cluster → iteration its contender capacity reached 0
		iteration := 0
		if _, err := w.runStep(func(in Input, d Decision) error {
			iteration++
			for _, c := range clusters {
				if _, seen := gone[c]; !seen && w.specs[contenderCapacity][c] == 0 {
					gone[c] = iteration
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !(gone["c4"] < gone["c3"] && gone["c3"] < gone["c1"] && gone["c3"] < gone["c2"]) {
			t.Fatalf("seed %d: the contender's capacity left the clusters at iterations %v: want wave 3 (c4), then wave 2 (c3), then wave 1 (c1, c2)", seed, gone)
		}
	}
}
