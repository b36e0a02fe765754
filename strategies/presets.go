package strategies

import (
	"fmt"

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
