package release

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/placement"
	"github.com/convoy-rollouts/convoy/pkg/rolloutmetrics"
	"github.com/convoy-rollouts/convoy/strategies"
)

// formWaves puts the release's clusters into its strategy's waves, once:
// the waves in its status are kept for its life, like its clusters, so a
// Cluster relabelled mid-rollout moves no cluster from one wave to
// another. A strategy whose waves cannot be formed (a wave choosing no
// cluster, clusters left over) fails with a *placement.Error before
// anything is installed.
func (r *Reconciler) formWaves(ctx context.Context, rel *convoyv1alpha1.Release, clusters []string) error {
	strategy := rel.Spec.Environment.Strategy
	if len(strategy.Waves) == 0 {
		rel.Status.Waves = nil
		return nil
	}
	if wavesFormed(rel, clusters) {
		return nil
	}
	candidates, err := r.candidates(ctx)
	if err != nil {
		return err
	}
	mine := slices.DeleteFunc(candidates, func(c placement.Candidate) bool { return !slices.Contains(clusters, c.Name) })
	groups, err := placement.Waves("spec.environment.strategy", strategy.Waves, strategy.OneRegionPerWave, mine)
	if err != nil {
		return err
	}
	rel.Status.Waves = make([]convoyv1alpha1.WaveStatus, len(groups))
	for i, g := range groups {
		rel.Status.Waves[i] = convoyv1alpha1.WaveStatus{Name: strategy.Waves[i].Name, Clusters: g, Phase: convoyv1alpha1.WavePending}
	}
	return nil
}

// wavesFormed reports whether the status holds the strategy's waves over
// exactly the release's clusters.
func wavesFormed(rel *convoyv1alpha1.Release, clusters []string) bool {
	waves := rel.Spec.Environment.Strategy.Waves
	if len(rel.Status.Waves) != len(waves) {
		return false
	}
	var all []string
	for i, w := range rel.Status.Waves {
		if w.Name != waves[i].Name || len(w.Clusters) == 0 {
			return false
		}
		all = append(all, w.Clusters...)
	}
	slices.Sort(all)
	return slices.Equal(all, slices.Sorted(slices.Values(clusters)))
}

// plannedWaves are the release's waves as the planner takes them: each
// with its clusters and its steps' span (a Release lists every wave's
// steps one after the other, each marked with its wave).
func plannedWaves(rel *convoyv1alpha1.Release) []strategies.Wave {
	if len(rel.Status.Waves) == 0 {
		return nil
	}
	spans := strategies.Spans(rel.Spec.Environment.Strategy.Steps)
	out := make([]strategies.Wave, 0, len(rel.Status.Waves))
	for i, ws := range rel.Status.Waves {
		w := strategies.Wave{Name: ws.Name, Clusters: ws.Clusters, First: -1, Last: -1}
		if j := slices.IndexFunc(spans, func(s strategies.Wave) bool { return s.Name == ws.Name }); j >= 0 {
			w.First, w.Last = spans[j].First, spans[j].Last
		}
		if spec := rel.Spec.Environment.Strategy.Waves; i < len(spec) && spec[i].MaxConcurrency != nil {
			w.MaxConcurrency = *spec[i].MaxConcurrency
		}
		out = append(out, w)
	}
	return out
}

// recordWaves says where each wave is: Complete once the release achieved
// its last step (and is not going back), Progressing while a step of it
// is executed or it is retreating, Pending before.
func recordWaves(rel *convoyv1alpha1.Release, waves []strategies.Wave, d strategies.Decision) {
	achieved := int32(-1)
	if rel.Status.AchievedStep != nil {
		achieved = rel.Status.AchievedStep.Step
	}
	for i := range rel.Status.Waves {
		ws, w := &rel.Status.Waves[i], waves[i]
		at := min(max(d.Step, w.First), w.Last)
		phase := convoyv1alpha1.WavePending
		switch {
		case achieved >= w.Last && d.Step >= w.Last:
			phase, at = convoyv1alpha1.WaveComplete, w.Last
		case d.Step >= w.First || achieved >= w.First:
			phase = convoyv1alpha1.WaveProgressing
		}
		if phase == convoyv1alpha1.WavePending {
			ws.Step = ""
		} else {
			ws.Step = fmt.Sprintf("%d/%d", at-w.First+1, w.Last-w.First+1)
		}
		if ws.Phase != phase {
			ws.Phase, ws.LastTransitionTime = phase, &metav1.Time{Time: metav1.Now().Time}
		}
	}
}

// notifyWaves tells of waves that started or completed.
func (r *Reconciler) notifyWaves(before, after *convoyv1alpha1.Release) {
	app := after.Labels[convoyv1alpha1.LabelApplication]
	for i, w := range after.Status.Waves {
		was := convoyv1alpha1.WavePending
		if i < len(before.Status.Waves) && before.Status.Waves[i].Name == w.Name {
			was = before.Status.Waves[i].Phase
		}
		if w.Phase == was {
			continue
		}
		switch w.Phase {
		case convoyv1alpha1.WaveProgressing:
			r.Recorder.Eventf(after, nil, corev1.EventTypeNormal, "WaveProgressing", "Wave", "wave %d (%s) moving in %v", i, w.Name, w.Clusters)
		case convoyv1alpha1.WaveComplete:
			r.Recorder.Eventf(after, nil, corev1.EventTypeNormal, "WaveComplete", "Wave", "wave %d (%s) complete in %v", i, w.Name, w.Clusters)
		}
		rolloutmetrics.CountWave(after.Namespace, app, w.Name, string(w.Phase))
	}
}
