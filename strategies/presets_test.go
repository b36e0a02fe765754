package strategies

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

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

func TestPinWaves(t *testing.T) {
	one := intstr.FromInt32(1)
	waitless := false
	pinned, err := Pin(convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetCanary, Waves: []convoyv1alpha1.Wave{
		{Name: "canary", Regions: []string{"eu-west"}, Clusters: &one, Gate: &convoyv1alpha1.WaveGate{WaitForCommand: &waitless}},
		{Name: "rest", Steps: []convoyv1alpha1.StrategyStep{step("all", 100, 0, 100, 0)}},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range pinned.Steps {
		names = append(names, s.Name+"@"+s.Wave)
	}
	if want := "canary/canary-10@canary canary/canary-50@canary canary/full on@canary rest/all@rest"; strings.Join(names, " ") != want {
		t.Errorf("pinned steps %v, want %s", names, want)
	}
	if pinned.Steps[2].Waits() || !pinned.Steps[1].Waits() {
		t.Errorf("the canary wave's gate (no command) belongs on its last step only")
	}
	if len(pinned.Waves) != 2 || pinned.Waves[0].Gate != nil || pinned.Waves[1].Steps != nil {
		t.Errorf("pinned waves %+v keep steps or gates", pinned.Waves)
	}

	preset, err := Pin(convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetCanary, WavePreset: convoyv1alpha1.WavesCanaryClusterThenRegions}, []string{"eu-west", "us-east"})
	if err != nil {
		t.Fatal(err)
	}
	var waves []string
	for _, w := range preset.Waves {
		waves = append(waves, fmt.Sprintf("%s%v", w.Name, w.Regions))
	}
	if strings.Join(waves, " ") != "canary[eu-west] eu-west[eu-west] us-east[us-east]" || !preset.OneRegionPerWave || len(preset.Steps) != 9 {
		t.Errorf("canary-cluster-then-regions: waves %v, one region %v, %d steps", waves, preset.OneRegionPerWave, len(preset.Steps))
	}

	bad := intstr.FromString("150%")
	for _, tc := range []struct {
		strategy convoyv1alpha1.Strategy
		field    string
	}{
		{convoyv1alpha1.Strategy{Waves: []convoyv1alpha1.Wave{{Name: "a"}}}, "waves[0].steps"},
		{convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetCanary, Waves: []convoyv1alpha1.Wave{{Name: "a", Clusters: &bad}}}, "waves[0].clusters"},
		{convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetCanary, Waves: []convoyv1alpha1.Wave{{Name: "a", Selector: &convoyv1alpha1.ClusterSelector{
			MatchExpressions: []convoyv1alpha1.ClusterSelectorRequirement{{Key: "size", Operator: convoyv1alpha1.SelectorGt, Values: []string{"big"}}}}}}}, "waves[0].selector"},
		{convoyv1alpha1.Strategy{Waves: []convoyv1alpha1.Wave{
			{Name: "a", Steps: []convoyv1alpha1.StrategyStep{step("x", 100, 0, 100, 0)}},
			{Name: "b", Steps: []convoyv1alpha1.StrategyStep{step("y", 100, 0, 10, 0)}}}}, "steps[1] (b/y).traffic"},
		{convoyv1alpha1.Strategy{WavePreset: convoyv1alpha1.WavesCanaryClusterThenRegions, Preset: convoyv1alpha1.PresetCanary}, "wavePreset"},
	} {
		_, err := Pin(tc.strategy, nil)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("Pin(%+v) = %v, want a FieldError on %s", tc.strategy, err, tc.field)
		}
	}
}
