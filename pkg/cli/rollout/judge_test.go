package rollout

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

func TestJudge(t *testing.T) {
	steps := []convoyv1alpha1.StrategyStep{{Name: "dark"}, {Name: "canary"}, {Name: "full"}}
	app := func(mut ...func(*convoyv1alpha1.Application)) *convoyv1alpha1.Application {
		a := &convoyv1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Name: "web", Generation: 2}}
		a.Status.ObservedGeneration = 2
		a.Status.Contender = "web-2"
		for _, m := range mut {
			m(a)
		}
		return a
	}
	rel := func(mut ...func(*convoyv1alpha1.Release)) *convoyv1alpha1.Release {
		r := &convoyv1alpha1.Release{ObjectMeta: metav1.ObjectMeta{Name: "web-2", Generation: 3}}
		r.Spec.Environment.Strategy.Steps = steps
		r.Spec.TargetStep = 1
		r.Status.ObservedGeneration = 3
		r.Status.AchievedStep = &convoyv1alpha1.AchievedStep{Step: 1, Name: "canary"}
		r.Status.WaitingFor = convoyv1alpha1.WaitingForCommand
		for _, m := range mut {
			m(r)
		}
		return r
	}
	cond := func(typ, reason string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: metav1.ConditionTrue, Reason: reason, Message: reason + " message"}
	}
	step1 := goal{step: 1, name: "1 (2/3 canary)"}
	step2 := goal{step: 2, name: "2 (3/3 full)"}
	for _, tc := range []struct {
		name     string
		app      *convoyv1alpha1.Application
		rel      *convoyv1alpha1.Release
		goal     goal
		want     outcome
		fragment string
	}{
		{"achieved", app(), rel(), step1, reached, "achieved step 1 (2/3 canary)"},
		{"achieved beyond", app(), rel(func(r *convoyv1alpha1.Release) { r.Status.AchievedStep.Step = 2 }), step1, reached, "achieved"},
		{"stale release status is never success", app(), rel(func(r *convoyv1alpha1.Release) { r.Status.ObservedGeneration = 2 }), step1, progressing, "catching up"},
		{"stale application status is never success", app(func(a *convoyv1alpha1.Application) { a.Status.ObservedGeneration = 1 }), rel(), step1, progressing, "catching up"},
		{"achieved but traffic moving again", app(), rel(func(r *convoyv1alpha1.Release) { r.Status.WaitingFor = convoyv1alpha1.WaitingForTraffic }), step1, progressing, "waiting for Traffic"},
		{"resting before the asked step", app(), rel(), step2, blocked, "waits for a command (convoy advance) before 2 (3/3 full)"},
		{"on its way to the asked step", app(), rel(func(r *convoyv1alpha1.Release) {
			r.Spec.TargetStep = 2
			r.Status.WaitingFor = convoyv1alpha1.WaitingForCapacity
		}), step2, progressing, "waiting for Capacity"},
		{"blocked application", app(func(a *convoyv1alpha1.Application) {
			a.Status.Conditions = []metav1.Condition{cond(convoyv1alpha1.ConditionBlocked, "RolloutBlocked")}
		}), rel(), step1, blocked, "is blocked"},
		{"superseded", app(func(a *convoyv1alpha1.Application) { a.Status.Contender = "web-3" }), rel(), step1, superseded, "superseded by web-3"},
		{"superseded condition", app(), rel(func(r *convoyv1alpha1.Release) {
			r.Status.Conditions = []metav1.Condition{cond(convoyv1alpha1.ConditionSuperseded, "NewerRelease")}
		}), step1, superseded, "superseded"},
		{"gone", app(), nil, step1, superseded, "gone"},
		{"aborted", app(), rel(func(r *convoyv1alpha1.Release) { r.Spec.Aborted = &convoyv1alpha1.Abort{Reason: "bad canary"} }), step1, failed, "aborted: bad canary"},
		{"a failed gate, before its abort", app(), rel(func(r *convoyv1alpha1.Release) {
			r.Status.Gate = &convoyv1alpha1.StepGate{Step: 1, ObservedGeneration: r.Generation, Phase: "Failed", Reason: "AnalysisFailed",
				Message: "check errors in us-east-1 failed: Failed, value [0.2]"}
		}), step1, failed, "failed at step 1: AnalysisFailed: check errors in us-east-1 failed: Failed, value [0.2]"},
		{"a gate failed under an older spec", app(), rel(func(r *convoyv1alpha1.Release) {
			r.Status.Gate = &convoyv1alpha1.StepGate{Step: 1, ObservedGeneration: r.Generation - 1, Phase: "Failed"}
		}), step1, reached, "achieved step 1"},
		{"stalled", app(), rel(func(r *convoyv1alpha1.Release) {
			r.Status.Conditions = []metav1.Condition{cond(convoyv1alpha1.ConditionStalled, "InvalidStrategy")}
		}), step1, failed, "failed: InvalidStrategy"},
		{"complete", app(), rel(func(r *convoyv1alpha1.Release) {
			r.Status.Conditions = []metav1.Condition{cond(convoyv1alpha1.ConditionComplete, "LastStepAchieved")}
		}), goal{complete: true, name: "the last step"}, reached, "complete"},
		{"not complete, resting", app(), rel(), goal{complete: true, name: "the last step"}, blocked, "before the last step"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := judge(tc.app, tc.rel, tc.goal)
			if got != tc.want || !strings.Contains(msg, tc.fragment) {
				t.Fatalf("judge = %d %q, want %d containing %q", got, msg, tc.want, tc.fragment)
			}
		})
	}
}

func TestParseStep(t *testing.T) {
	steps := []convoyv1alpha1.StrategyStep{{Name: "dark"}, {Name: "canary"}, {Name: "full on"}}
	for _, tc := range []struct {
		arg  string
		next int32
		want int32
		err  string
	}{
		{"1", 0, 1, ""}, {"canary", 0, 1, ""}, {"Full On", 0, 2, ""}, {"next", 1, 1, ""}, {"next", 5, 2, ""}, {"last", 0, 2, ""},
		{"3", 0, 0, "step 3 is out of range: the strategy has steps 0 to 2"},
		{"-1", 0, 0, "out of range"},
		{"nope", 0, 0, `no step "nope": the strategy's steps are 0 "dark", 1 "canary", 2 "full on"`},
	} {
		got, err := parseStep(steps, tc.arg, tc.next)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseStep(%q) error %v, want %q", tc.arg, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseStep(%q) = %d, %v, want %d", tc.arg, got, err, tc.want)
		}
	}
}

// With waves, --to also takes WAVE/STEP by indexes and a wave's name (its
// last step); the steps' own "wave/step" names work as any name does.
func TestParseStepWithWaves(t *testing.T) {
	steps := []convoyv1alpha1.StrategyStep{
		{Name: "canary/canary", Wave: "canary"}, {Name: "canary/full on", Wave: "canary"},
		{Name: "eu-west/canary", Wave: "eu-west"}, {Name: "eu-west/full on", Wave: "eu-west"},
		{Name: "us-east/full on", Wave: "us-east"},
	}
	for _, tc := range []struct {
		arg  string
		want int32
		err  string
	}{
		{"eu-west/canary", 2, ""}, {"1/0", 2, ""}, {"1/1", 3, ""}, {"2/0", 4, ""}, {"eu-west", 3, ""}, {"canary", 1, ""}, {"US-EAST", 4, ""},
		{"1/2", 0, "no step 1/2: wave 1 has no step 2"},
		{"3/0", 0, "no step 3/0: wave 3 has no step 0"},
	} {
		got, err := parseStep(steps, tc.arg, 0)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseStep(%q) error %v, want %q", tc.arg, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseStep(%q) = %d, %v, want %d", tc.arg, got, err, tc.want)
		}
	}
	if got := waveNames(steps); got != "0 canary, 1 eu-west, 2 us-east" {
		t.Errorf("waveNames = %q", got)
	}
}
