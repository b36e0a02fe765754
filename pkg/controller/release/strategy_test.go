package release

import (
	"testing"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

func TestRestingStep(t *testing.T) {
	no := false
	pass := convoyv1alpha1.StrategyStep{Name: "pass", WaitForCommand: &no}
	wait := convoyv1alpha1.StrategyStep{Name: "wait"}
	steps := []convoyv1alpha1.StrategyStep{pass, pass, wait, pass, wait}
	tests := []struct {
		name             string
		target, achieved int32
		want             int32
	}{
		{"a waiting step is its own resting step", 2, -1, 2},
		{"a passing step is executed first", 0, -1, 0},
		{"once achieved, the next step is taken up", 0, 0, 1},
		{"up to the first step that waits", 0, 1, 2},
		{"and no further", 0, 2, 2},
		{"a retreat to a passing step rests at the next waiting one", 3, 4, 4},
		{"the last step always rests", 4, 4, 4},
	}
	for _, tt := range tests {
		if got := restingStep(steps, tt.target, tt.achieved); got != tt.want {
			t.Errorf("%s: restingStep(target %d, achieved %d) = %d, want %d", tt.name, tt.target, tt.achieved, got, tt.want)
		}
	}
}
