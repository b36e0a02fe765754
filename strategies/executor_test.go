package strategies

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

var three = []string{"eu-west-a", "eu-west-b", "us-east-a"}

func vanguard() []convoyv1alpha1.StrategyStep {
	steps, _ := Steps(convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetVanguard})
	return steps
}

// at is an input with both releases settled at step: installed, every
// target at the step's values in the three clusters and achieved.
func at(steps []convoyv1alpha1.StrategyStep, step int32) Input {
	s := steps[step]
	return Input{
		Steps: steps, TargetStep: step, AchievedStep: step, Clusters: three, Installed: true, HasIncumbent: true,
		Targets: map[Target]Observed{
			{Contender, Capacity}: {Values: uniform(three, s.Capacity.Contender), Achieved: true},
			{Contender, Traffic}:  {Values: uniform(three, s.Traffic.Contender), Achieved: true},
			{Incumbent, Capacity}: {Values: uniform(three, s.Capacity.Incumbent), Achieved: true},
			{Incumbent, Traffic}:  {Values: uniform(three, s.Traffic.Incumbent), Achieved: true},
		},
	}
}

// with sets targets: each a Target, then an int32 (the same value in every
// cluster) or a map, then whether it is achieved.
func (in Input) with(args ...any) Input {
	targets := make(map[Target]Observed, len(in.Targets))
	for t, o := range in.Targets {
		targets[t] = o
	}
	for i := 0; i < len(args); i += 3 {
		t := args[i].(Target)
		var values map[string]int32
		switch v := args[i+1].(type) {
		case int:
			values = uniform(three, int32(v))
		case map[string]int32:
			values = v
		}
		targets[t] = Observed{Values: values, Achieved: args[i+2].(bool)}
	}
	in.Targets = targets
	return in
}

// to asks for another step.
func (in Input) to(step int32) Input { in.TargetStep = step; return in }

var (
	cc = Target{Contender, Capacity}
	ct = Target{Contender, Traffic}
	ic = Target{Incumbent, Capacity}
	it = Target{Incumbent, Traffic}
)

func patch(t Target, values map[string]int32) *Patch { return &Patch{Target: t, Values: values} }

func achieved(stages ...Stage) []Stage { return append([]Stage{StageInstallation}, stages...) }

func TestPlan(t *testing.T) {
	v := vanguard()
	fresh := Input{Steps: v, AchievedStep: -1, Clusters: three, Installed: true}
	// A strategy whose contender shrinks going forward: a 50% trial that
	// settles at 20% beside a growing incumbent.
	shrink := []convoyv1alpha1.StrategyStep{
		step("trial", 50, 50, 50, 50),
		step("settle", 20, 80, 20, 80),
		step("full on", 100, 0, 100, 0),
	}
	// The contender warms up at full capacity without traffic, then serves
	// 10% on half its capacity.
	warm := []convoyv1alpha1.StrategyStep{
		step("warm", 100, 100, 0, 100),
		step("taste", 50, 100, 10, 90),
		step("full on", 100, 0, 100, 0),
	}

	for _, c := range []struct {
		name string
		in   Input
		want Decision
	}{{
		name: "first release goes straight to the last step and raises capacity first",
		in:   fresh,
		want: Decision{Step: 2, WaitingFor: StageContenderCapacity, Patch: patch(cc, uniform(three, 100)), Achieved: achieved()},
	}, {
		name: "first release ignores whatever it is told about an incumbent",
		in:   fresh.with(ic, 7, false, it, map[string]int32{"elsewhere": -3}, false),
		want: Decision{Step: 2, WaitingFor: StageContenderCapacity, Patch: patch(cc, uniform(three, 100)), Achieved: achieved()},
	}, {
		name: "first release waits for its capacity before any traffic",
		in:   fresh.with(cc, 100, false),
		want: Decision{Step: 2, WaitingFor: StageContenderCapacity, Achieved: achieved()},
	}, {
		name: "first release moves traffic onto achieved capacity",
		in:   fresh.with(cc, 100, true),
		want: Decision{Step: 2, WaitingFor: StageContenderTraffic, Patch: patch(ct, uniform(three, 100)), Achieved: achieved(StageContenderCapacity)},
	}, {
		name: "first release done",
		in:   fresh.with(cc, 100, true, ct, 100, true),
		want: Decision{Step: 2, WaitingFor: StageDone, Achieved: achieved(StageContenderCapacity, StageContenderTraffic)},
	}, {
		name: "not installed: nothing is written",
		in:   func() Input { in := at(v, 0).to(1); in.Installed = false; return in }(),
		want: Decision{Step: 1, WaitingFor: StageInstallation},
	}, {
		name: "second release starts at step 0: one pod of the contender, no traffic",
		in:   at(v, 0).with(cc, 0, true, ct, 0, true),
		want: Decision{Step: 0, WaitingFor: StageContenderCapacity, Patch: patch(cc, uniform(three, 1)), Achieved: achieved()},
	}, {
		name: "step 0 achieved in every stage",
		in:   at(v, 0),
		want: Decision{Step: 0, WaitingFor: StageDone, Achieved: achieved(StageContenderCapacity, StageContenderTraffic, StageIncumbentTraffic, StageIncumbentCapacity)},
	}, {
		name: "forward 0 → 1: contender capacity first",
		in:   at(v, 0).to(1),
		want: Decision{Step: 1, WaitingFor: StageContenderCapacity, Patch: patch(cc, uniform(three, 10)), Achieved: achieved()},
	}, {
		name: "forward: capacity written but its status is stale",
		in:   at(v, 0).to(1).with(cc, 10, false),
		want: Decision{Step: 1, WaitingFor: StageContenderCapacity, Achieved: achieved()},
	}, {
		name: "forward: then the contender's traffic",
		in:   at(v, 0).to(1).with(cc, 10, true),
		want: Decision{Step: 1, WaitingFor: StageContenderTraffic, Patch: patch(ct, uniform(three, 10)), Achieved: achieved(StageContenderCapacity)},
	}, {
		name: "forward: traffic written, not achieved yet",
		in:   at(v, 0).to(1).with(cc, 10, true, ct, 10, false),
		want: Decision{Step: 1, WaitingFor: StageContenderTraffic, Achieved: achieved(StageContenderCapacity)},
	}, {
		name: "forward: then the incumbent's traffic falls",
		in:   at(v, 0).to(1).with(cc, 10, true, ct, 10, true),
		want: Decision{Step: 1, WaitingFor: StageIncumbentTraffic, Patch: patch(it, uniform(three, 90)), Achieved: achieved(StageContenderCapacity, StageContenderTraffic)},
	}, {
		name: "forward: the incumbent's capacity falls last",
		in:   at(v, 0).to(1).with(cc, 10, true, ct, 10, true, it, 90, true),
		want: Decision{Step: 1, WaitingFor: StageIncumbentCapacity, Patch: patch(ic, uniform(three, 90)), Achieved: achieved(StageContenderCapacity, StageContenderTraffic, StageIncumbentTraffic)},
	}, {
		name: "forward: step 1 done",
		in:   at(v, 1).with(),
		want: Decision{Step: 1, WaitingFor: StageDone, Achieved: achieved(StageContenderCapacity, StageContenderTraffic, StageIncumbentTraffic, StageIncumbentCapacity)},
	}, {
		name: "jump 0 → 2: the contender's full capacity before any traffic",
		in:   at(v, 0).to(2),
		want: Decision{Step: 2, WaitingFor: StageContenderCapacity, Patch: patch(cc, uniform(three, 100)), Achieved: achieved()},
	}, {
		name: "jump 0 → 2: the incumbent keeps its capacity until its traffic is gone",
		in:   at(v, 0).to(2).with(cc, 100, true, ct, 100, true, it, 0, false),
		want: Decision{Step: 2, WaitingFor: StageIncumbentTraffic, Achieved: achieved(StageContenderCapacity, StageContenderTraffic)},
	}, {
		name: "abort 2 → 0: backward, the incumbent's capacity comes back first",
		in:   at(v, 2).to(0),
		want: Decision{Step: 0, Backward: true, WaitingFor: StageIncumbentCapacity, Patch: patch(ic, uniform(three, 100)), Achieved: achieved()},
	}, {
		name: "abort: no traffic back until the incumbent's capacity is achieved",
		in:   at(v, 2).to(0).with(ic, 100, false),
		want: Decision{Step: 0, Backward: true, WaitingFor: StageIncumbentCapacity, Achieved: achieved()},
	}, {
		name: "abort: then the incumbent's traffic",
		in:   at(v, 2).to(0).with(ic, 100, true),
		want: Decision{Step: 0, Backward: true, WaitingFor: StageIncumbentTraffic, Patch: patch(it, uniform(three, 100)), Achieved: achieved(StageIncumbentCapacity)},
	}, {
		name: "abort: then the contender's traffic leaves",
		in:   at(v, 2).to(0).with(ic, 100, true, it, 100, true),
		want: Decision{Step: 0, Backward: true, WaitingFor: StageContenderTraffic, Patch: patch(ct, uniform(three, 0)), Achieved: achieved(StageIncumbentCapacity, StageIncumbentTraffic)},
	}, {
		name: "abort: the contender's capacity falls last",
		in:   at(v, 2).to(0).with(ic, 100, true, it, 100, true, ct, 0, true),
		want: Decision{Step: 0, Backward: true, WaitingFor: StageContenderCapacity, Patch: patch(cc, uniform(three, 1)), Achieved: achieved(StageIncumbentCapacity, StageIncumbentTraffic, StageContenderTraffic)},
	}, {
		name: "retreat 2 → 1",
		in:   at(v, 2).to(1),
		want: Decision{Step: 1, Backward: true, WaitingFor: StageIncumbentCapacity, Patch: patch(ic, uniform(three, 90)), Achieved: achieved()},
	}, {
		name: "an unhealthy incumbent does not hold the contender back going forward",
		in:   at(v, 0).to(2).with(ic, 100, false, cc, 100, true),
		want: Decision{Step: 2, WaitingFor: StageContenderTraffic, Patch: patch(ct, uniform(three, 100)), Achieved: achieved(StageContenderCapacity)},
	}, {
		name: "an unhealthy incumbent does not hold its own traffic back from falling",
		in:   at(v, 0).to(2).with(ic, 100, false, cc, 100, true, ct, 100, true),
		want: Decision{Step: 2, WaitingFor: StageIncumbentTraffic, Patch: patch(it, uniform(three, 0)), Achieved: achieved(StageContenderCapacity, StageContenderTraffic)},
	}, {
		name: "traffic moving to the incumbent against the step waits for the incumbent's capacity",
		in:   at(v, 1).with(it, 50, true, ic, 90, false),
		want: Decision{Step: 1, WaitingFor: StageIncumbentCapacity, Achieved: achieved(StageContenderCapacity, StageContenderTraffic)},
	}, {
		name: "traffic leaving the contender against the step waits for the incumbent's capacity to take it",
		in:   at(v, 1).with(ct, 50, true, ic, 90, false),
		want: Decision{Step: 1, WaitingFor: StageIncumbentCapacity, Achieved: achieved(StageContenderCapacity)},
	}, {
		name: "the contender shrinks going forward: incumbent capacity first, contender capacity last",
		in:   at(shrink, 0).to(1),
		want: Decision{Step: 1, WaitingFor: StageIncumbentCapacity, Patch: patch(ic, uniform(three, 80)), Achieved: achieved()},
	}, {
		name: "the contender shrinks going forward: its traffic leaves before its capacity",
		in:   at(shrink, 0).to(1).with(ic, 80, true, it, 80, true),
		want: Decision{Step: 1, WaitingFor: StageContenderTraffic, Patch: patch(ct, uniform(three, 20)), Achieved: achieved()},
	}, {
		name: "warm-up: traffic rises onto the larger capacity before capacity falls",
		in:   at(warm, 0).to(1),
		want: Decision{Step: 1, WaitingFor: StageContenderTraffic, Patch: patch(ct, uniform(three, 10)), Achieved: achieved()},
	}, {
		name: "warm-up: capacity falls once traffic settled",
		in:   at(warm, 0).to(1).with(ct, 10, true, it, 90, true),
		want: Decision{Step: 1, WaitingFor: StageContenderCapacity, Patch: patch(cc, uniform(three, 50)), Achieved: achieved(StageContenderTraffic, StageIncumbentTraffic)},
	}, {
		name: "uneven capacity: a raise never lowers a cluster in the same write",
		in:   at(v, 0).to(1).with(cc, map[string]int32{"eu-west-a": 100, "eu-west-b": 1, "us-east-a": 10}, true),
		want: Decision{Step: 1, WaitingFor: StageContenderCapacity, Patch: patch(cc, map[string]int32{"eu-west-a": 100, "eu-west-b": 10, "us-east-a": 10}), Achieved: achieved()},
	}, {
		name: "uneven capacity: the surplus goes once the contender's traffic is settled",
		in: at(v, 1).with(cc, map[string]int32{"eu-west-a": 100, "eu-west-b": 10, "us-east-a": 10}, true,
			ct, map[string]int32{"eu-west-a": 10, "eu-west-b": 10}, true),
		want: Decision{Step: 1, WaitingFor: StageContenderTraffic, Patch: patch(ct, uniform(three, 10)), Achieved: achieved()},
	}, {
		name: "a missing cluster counts as 0",
		in:   at(v, 1).with(ct, map[string]int32{"eu-west-a": 10, "eu-west-b": 10}, true),
		want: Decision{Step: 1, WaitingFor: StageContenderTraffic, Patch: patch(ct, uniform(three, 10)), Achieved: achieved(StageContenderCapacity)},
	}, {
		name: "the incumbent runs in other clusters: its patches cover its own",
		in: func() Input {
			in := at(v, 1).to(2).with(cc, 100, true, ct, 100, true,
				ic, map[string]int32{"eu-west-a": 90, "ap-south-a": 90}, true, it, map[string]int32{"eu-west-a": 90, "ap-south-a": 90}, true)
			in.IncumbentClusters = []string{"ap-south-a", "eu-west-a"}
			return in
		}(),
		want: Decision{Step: 2, WaitingFor: StageIncumbentTraffic, Patch: patch(it, map[string]int32{"ap-south-a": 0, "eu-west-a": 0}), Achieved: achieved(StageContenderCapacity, StageContenderTraffic)},
	}} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Plan(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Plan:\n got  %s\n want %s", show(got), show(c.want))
			}
			if err := checkDecision(c.in, got); err != nil {
				t.Error(err)
			}
		})
	}
}

func show(d Decision) string {
	p := "no patch"
	if d.Patch != nil {
		p = fmt.Sprintf("patch %s %s %v", d.Patch.Target.Role, d.Patch.Target.Kind, d.Patch.Values)
	}
	return fmt.Sprintf("step %d backward=%v waiting %s, %s, achieved %v", d.Step, d.Backward, d.WaitingFor, p, d.Achieved)
}

func TestPlanRejectsInvalidInput(t *testing.T) {
	v := vanguard()
	for _, c := range []struct {
		name string
		in   Input
		want string // the whole error
	}{
		{"no steps", Input{Clusters: three}, "steps: the strategy has no steps"},
		{"target step past the end", at(v, 0).to(3), "targetStep: 3 is not a step: the strategy has steps 0 to 2"},
		{"negative target step", at(v, 0).to(-1), "targetStep: -1 is not a step: the strategy has steps 0 to 2"},
		{"achieved step past the end", func() Input { in := at(v, 0); in.AchievedStep = 3; return in }(),
			"achievedStep: 3 is not a step: the strategy has steps 0 to 2 (-1 for none)"},
		{"capacity over 100%", at([]convoyv1alpha1.StrategyStep{step("a", 100, 0, 1, 0), step("b", 101, 0, 1, 0)}, 0),
			"steps[1].capacity.contender: 101 is outside 0 to 100"},
		{"negative weight", at([]convoyv1alpha1.StrategyStep{step("a", 100, 100, 10, -1)}, 0),
			"steps[0].traffic.incumbent: -1 is outside 0 to 10000"},
		{"weight over the API's bound", at([]convoyv1alpha1.StrategyStep{step("a", 100, 0, 10001, 0)}, 0),
			"steps[0].traffic.contender: 10001 is outside 0 to 10000"},
		{"no traffic at all", at([]convoyv1alpha1.StrategyStep{step("a", 100, 100, 0, 0)}, 0),
			"steps[0].traffic: contender and incumbent weights are both 0: DNS would have no endpoint"},
		{"traffic without capacity", at([]convoyv1alpha1.StrategyStep{step("a", 0, 100, 10, 90), step("b", 100, 0, 1, 0)}, 0),
			"steps[0].traffic.contender: is 10 but the release's capacity is 0%: traffic would go to a release with no pods"},
		{"first release whose last step gives the contender no traffic", func() Input {
			in := at([]convoyv1alpha1.StrategyStep{step("dark", 100, 100, 0, 100)}, 0)
			in.HasIncumbent = false
			return in
		}(), "steps[0].traffic.contender: is 0, but a first release has no incumbent to take the traffic: the last step must give the contender traffic"},
		{"no clusters", func() Input { in := at(v, 0); in.Clusters = nil; return in }(), "clusters: no clusters"},
		{"empty cluster name", func() Input { in := at(v, 0); in.Clusters = []string{"a", ""}; return in }(), "clusters[1]: empty cluster name"},
		{"cluster twice", func() Input { in := at(v, 0); in.Clusters = append(three, "eu-west-b"); return in }(),
			`clusters[3]: cluster "eu-west-b" is listed twice`},
		{"incumbent cluster twice", func() Input { in := at(v, 0); in.IncumbentClusters = []string{"x", "x"}; return in }(),
			`incumbentClusters[1]: cluster "x" is listed twice`},
		{"a target in a cluster the release does not run in", at(v, 0).with(ct, map[string]int32{"eu-west-a": 0, "zz": 1, "mars": 2}, true),
			`targets[contender traffic].values: cluster "mars" is not one of the release's clusters`},
		{"the incumbent in a cluster it does not run in", at(v, 0).with(ic, map[string]int32{"ap-south-a": 100}, true),
			`targets[incumbent capacity].values: cluster "ap-south-a" is not one of the release's clusters`},
		{"capacity out of range", at(v, 0).with(cc, 101, true), `targets[contender capacity].values["eu-west-a"]: 101 is outside 0 to 100`},
		{"negative weight observed", at(v, 0).with(it, -1, true), `targets[incumbent traffic].values["eu-west-a"]: -1 is outside 0 to 1000000`},
		{"unknown target", at(v, 0).with(Target{"canary", Traffic}, 0, true),
			"targets[canary traffic]: not a target a step drives: want role contender or incumbent, kind capacity or traffic"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := Plan(c.in)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Plan = %s, %v; want a *FieldError", show(d), err)
			}
			if err.Error() != c.want {
				t.Errorf("error\n got  %s\n want %s", err, c.want)
			}
			if !strings.HasPrefix(c.want, fe.Field+": ") {
				t.Errorf("Field %q is not what the message names", fe.Field)
			}
			if !reflect.DeepEqual(d, Decision{}) {
				t.Errorf("an invalid input still decided %s", show(d))
			}
		})
	}
}

// Plan neither keeps nor changes the maps it is given, and returns a
// patch map of its own.
func TestPlanLeavesItsInputAlone(t *testing.T) {
	in := at(vanguard(), 0).to(1)
	before := fmt.Sprint(in.Targets)
	d, err := Plan(in)
	if err != nil || d.Patch == nil {
		t.Fatalf("Plan = %s, %v", show(d), err)
	}
	if after := fmt.Sprint(in.Targets); after != before {
		t.Errorf("input changed:\n %s\n %s", before, after)
	}
	d.Patch.Values["eu-west-a"] = 55
	if in.Targets[cc].Values["eu-west-a"] != 1 {
		t.Error("the patch shares a map with the input")
	}
}
