package strategies

import (
	"fmt"
	"testing"
)

// BenchmarkPlan50Clusters plans one step of a 50-cluster rollout: the
// vanguard's canary step with everything but the incumbent's capacity
// achieved, so Plan validates the input, walks every stage and writes the
// last one's patch, the most work a call does.
func BenchmarkPlan50Clusters(b *testing.B) {
	clusters := make([]string, 50)
	for i := range clusters {
		clusters[i] = fmt.Sprintf("cluster-%02d", i)
	}
	steps := vanguard()
	in := Input{
		Steps: steps, TargetStep: 1, AchievedStep: 0, Clusters: clusters, Installed: true, HasIncumbent: true,
		Targets: map[Target]Observed{
			cc: {Values: uniform(clusters, 10), Achieved: true},
			ct: {Values: uniform(clusters, 10), Achieved: true},
			it: {Values: uniform(clusters, 90), Achieved: true},
			ic: {Values: uniform(clusters, 100), Achieved: true},
		},
	}
	done := in.with(ic, uniform(clusters, 90), true)
	for _, c := range []struct {
		name      string
		in        Input
		wantPatch bool
	}{{"patch", in, true}, {"done", done, false}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := Plan(c.in)
				if err != nil || (d.Patch != nil) != c.wantPatch {
					b.Fatalf("Plan = %s, %v", show(d), err)
				}
			}
		})
	}
}
