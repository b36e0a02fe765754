package strategies

import (
	"testing"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Every preset is a valid strategy: ends with the contender alone at full
// capacity and traffic, never zeroes both weights, and never lets traffic
// exceed what capacity is up for.
func TestPresetsAreWellFormed(t *testing.T) {
	for _, name := range []convoyv1alpha1.StrategyPreset{convoyv1alpha1.PresetVanguard, convoyv1alpha1.PresetCanary, convoyv1alpha1.PresetBlueGreen} {
		steps, err := Steps(convoyv1alpha1.Strategy{Preset: name})
		if err != nil {
			t.Fatal(err)
		}
		last := steps[len(steps)-1]
		if last.Capacity != (convoyv1alpha1.CapacitySplit{Contender: 100}) || last.Traffic.Incumbent != 0 || last.Traffic.Contender == 0 {
			t.Errorf("%s: last step %+v does not put the contender alone in service", name, last)
		}
		seen := map[string]bool{}
		for _, s := range steps {
			if seen[s.Name] {
				t.Errorf("%s: step name %q twice", name, s.Name)
			}
			seen[s.Name] = true
			if s.Traffic.Contender+s.Traffic.Incumbent == 0 {
				t.Errorf("%s: step %q has no traffic at all", name, s.Name)
			}
			if s.Traffic.Contender > 0 && s.Capacity.Contender == 0 || s.Traffic.Incumbent > 0 && s.Capacity.Incumbent == 0 {
				t.Errorf("%s: step %q sends traffic to a release without capacity", name, s.Name)
			}
		}
	}
}

func TestStepsReturnsListedStepsOrACopyOfThePreset(t *testing.T) {
	listed := []convoyv1alpha1.StrategyStep{step("only", 100, 0, 1, 0)}
	if got, _ := Steps(convoyv1alpha1.Strategy{Steps: listed}); len(got) != 1 || got[0].Name != "only" {
		t.Errorf("listed steps: got %v", got)
	}
	a, _ := Steps(convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetCanary})
	a[0].Name = "changed"
	b, _ := Steps(convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetCanary})
	if b[0].Name == "changed" {
		t.Error("Steps returned the preset itself, not a copy")
	}
	if _, err := Steps(convoyv1alpha1.Strategy{Preset: "nope"}); err == nil {
		t.Error("unknown preset accepted")
	}
}
