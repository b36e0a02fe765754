package strategies

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/intstr"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// presets are the built-in strategies an Application may name instead of
// listing steps.
var presets = map[convoyv1alpha1.StrategyPreset][]convoyv1alpha1.StrategyStep{
	// Shipper's vanguard: one pod of the contender with no traffic (staging),
	// then a canary, then all in.
	convoyv1alpha1.PresetVanguard: {
		step("staging", 1, 100, 0, 100),
		step("canary", 10, 90, 10, 90),
		step("full on", 100, 0, 100, 0),
	},
	// A plain canary in three moves.
	convoyv1alpha1.PresetCanary: {
		step("canary-10", 10, 100, 10, 90),
		step("canary-50", 50, 100, 50, 50),
		step("full on", 100, 0, 100, 0),
	},
	// Blue-green: the contender at full capacity beside the incumbent
	// without traffic, then every request at once, then the incumbent goes.
	convoyv1alpha1.PresetBlueGreen: {
		step("green", 100, 100, 0, 100),
		step("switch", 100, 100, 100, 0),
		step("full on", 100, 0, 100, 0),
	},
}

func step(name string, contenderCapacity, incumbentCapacity, contenderTraffic, incumbentTraffic int32) convoyv1alpha1.StrategyStep {
	return convoyv1alpha1.StrategyStep{
		Name:     name,
		Capacity: convoyv1alpha1.CapacitySplit{Contender: contenderCapacity, Incumbent: incumbentCapacity},
		Traffic:  convoyv1alpha1.TrafficSplit{Contender: contenderTraffic, Incumbent: incumbentTraffic},
	}
}

// Steps returns a strategy's steps, expanding a preset. A Release always
// records the expanded steps, so changing a preset later never changes a
// Release in flight.
func Steps(s convoyv1alpha1.Strategy) ([]convoyv1alpha1.StrategyStep, error) {
	if s.Preset == "" {
		return s.Steps, nil
	}
	steps, ok := presets[s.Preset]
	if !ok {
		return nil, fmt.Errorf("unknown strategy preset %q", s.Preset)
	}
	return append([]convoyv1alpha1.StrategyStep(nil), steps...), nil
}

// Pin returns the strategy a Release records: a preset expanded into its
// steps and, with waves (or a wave preset, which needs the Application's
// regions in order), every wave's steps one after the other, named
// "wave/step" and marked with their wave, the wave's gate on its last
// step. The waves themselves keep how they choose their clusters. A
// Release's strategy never changes under a rollout, whatever becomes of
// the presets.
func Pin(s convoyv1alpha1.Strategy, regions []string) (convoyv1alpha1.Strategy, error) {
	var steps []convoyv1alpha1.StrategyStep
	if s.Preset != "" || len(s.Steps) > 0 {
		var err error
		if steps, err = Steps(s); err != nil {
			return s, err
		}
	}
	for i, st := range steps {
		if st.Wave != "" {
			return s, fieldErrorf(fmt.Sprintf("steps[%d].wave", i), "is set by convoy in a Release; an Application leaves it empty")
		}
	}
	waves := s.Waves
	if s.WavePreset != "" {
		var err error
		if waves, err = presetWaves(s.WavePreset, regions); err != nil {
			return s, err
		}
	}
	if len(waves) == 0 {
		if len(steps) == 0 {
			return s, fieldErrorf("steps", "the strategy has no steps")
		}
		return convoyv1alpha1.Strategy{Steps: steps}, nil
	}
	pinned := convoyv1alpha1.Strategy{OneRegionPerWave: s.OneRegionPerWave || s.WavePreset != ""}
	for i, w := range waves {
		if err := w.Selector.Validate(fmt.Sprintf("waves[%d].selector", i)); err != nil {
			return s, &FieldError{Field: fmt.Sprintf("waves[%d].selector", i), Detail: err.Error()}
		}
		if err := validateCount(w.Clusters); err != nil {
			return s, fieldErrorf(fmt.Sprintf("waves[%d].clusters", i), "%v", err)
		}
		own := w.Steps
		if len(own) == 0 {
			own = steps
		}
		if len(own) == 0 {
			return s, fieldErrorf(fmt.Sprintf("waves[%d].steps", i), "wave %s has no steps, and the strategy has neither steps nor a preset to take", w.Name)
		}
		for j, st := range own {
			if st.Wave != "" {
				return s, fieldErrorf(fmt.Sprintf("waves[%d].steps[%d].wave", i, j), "is set by convoy in a Release; an Application leaves it empty")
			}
			st = *st.DeepCopy()
			st.Name, st.Wave = w.Name+"/"+st.Name, w.Name
			if j == len(own)-1 && w.Gate != nil {
				if w.Gate.WaitForCommand != nil {
					st.WaitForCommand = w.Gate.WaitForCommand
				}
				if w.Gate.Pause != nil {
					st.Pause = w.Gate.Pause
				}
				st.Analysis = append(st.Analysis, w.Gate.Analysis...)
			}
			pinned.Steps = append(pinned.Steps, st)
		}
		w = *w.DeepCopy()
		w.Steps, w.Gate = nil, nil
		pinned.Waves = append(pinned.Waves, w)
	}
	// The planner's rules on steps hold across waves: every step's weights
	// share one total, and each step's capacity covers its traffic.
	for i := range pinned.Steps {
		if err := validateStep(i, &pinned.Steps[i]); err != nil {
			return s, err
		}
		if total, first := stepTotal(pinned.Steps[i]), stepTotal(pinned.Steps[0]); total != first {
			return s, fieldErrorf(fmt.Sprintf("steps[%d] (%s).traffic", i, pinned.Steps[i].Name),
				"the weights sum to %d but the first step's sum to %d: every wave's steps must share one total", total, first)
		}
	}
	return pinned, nil
}

// presetWaves are a wave preset's waves for the Application's regions, in
// the order it lists them.
func presetWaves(p convoyv1alpha1.WavePreset, regions []string) ([]convoyv1alpha1.Wave, error) {
	if p != convoyv1alpha1.WavesCanaryClusterThenRegions {
		return nil, fieldErrorf("wavePreset", "unknown wave preset %q", p)
	}
	if len(regions) == 0 {
		return nil, fieldErrorf("wavePreset", "%s needs the cluster requirements' regions", p)
	}
	one := intstr.FromInt32(1)
	waves := []convoyv1alpha1.Wave{{Name: "canary", Regions: []string{regions[0]}, Clusters: &one}}
	for _, r := range regions {
		waves = append(waves, convoyv1alpha1.Wave{Name: r, Regions: []string{r}})
	}
	return waves, nil
}

// validateCount checks a wave's clusters: a count of at least 1, or a
// percentage from 1% to 100%.
func validateCount(n *intstr.IntOrString) error {
	switch {
	case n == nil:
		return nil
	case n.Type == intstr.Int && n.IntVal >= 1:
		return nil
	case n.Type == intstr.String:
		var pct int
		if _, err := fmt.Sscanf(n.StrVal, "%d%%", &pct); err == nil && fmt.Sprintf("%d%%", pct) == n.StrVal && pct >= 1 && pct <= 100 {
			return nil
		}
	}
	return fmt.Errorf("%s is neither a count of at least 1 nor a percentage from 1%% to 100%%", n.String())
}
