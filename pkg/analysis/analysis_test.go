package analysis

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestPlaceholders(t *testing.T) {
	for _, tc := range []struct {
		query      string
		perCluster bool
		err        string
	}{
		{query: `sum(rate(http_errors{cluster="{{cluster}}", release="{{ release }}"}[{{interval}}]))`, perCluster: true},
		{query: `sum(rate(http_errors{app="{{application}}", namespace="{{namespace}}"}[5m]))`},
		{query: `up{region="{{region}}"}`, err: "placeholder {{region}} in a global check"},
		{query: `up{cluster="{{cluster}}"}`, err: "placeholder {{cluster}} in a global check"},
		{query: `up{pod="{{pod}}"}`, perCluster: true, err: "unknown placeholder {{pod}}"},
		{query: `up{x="{{}}"}`, perCluster: true, err: "unknown placeholder {{}}"},
		{query: `up`, perCluster: true},
	} {
		err := Placeholders(tc.query, tc.perCluster)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("Placeholders(%q): %v", tc.query, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Placeholders(%q) = %v, want an error with %q", tc.query, err, tc.err)
		}
	}
}

func TestExpand(t *testing.T) {
	vars := Vars{Cluster: "eu-west-1", Region: "eu-west", Release: "web-2", Application: "web", Namespace: "shop", Interval: "30s"}
	got := Expand(`rate(errors{cluster="{{cluster}}",region="{{ region }}",release="{{release}}",app="{{application}}",ns="{{namespace}}"}[{{interval}}]) {{unknown}}`, vars)
	want := `rate(errors{cluster="eu-west-1",region="eu-west",release="web-2",app="web",ns="shop"}[30s]) {{unknown}}`
	if got != want {
		t.Errorf("Expand:\n got %s\nwant %s", got, want)
	}
}

func TestCompileConditionsNamesTheField(t *testing.T) {
	for _, tc := range []struct{ success, failure, err string }{
		{success: "result[0] <", err: "successCondition"},
		{failure: "result[0] + 1.0", err: `failureCondition "result[0] + 1.0": is a double, want a bool`},
		{success: "results[0] < 1", err: "undeclared reference to 'results'"},
		{success: "size(result) == 1 && result[0] < 0.05", failure: "result[0] >= 0.1"},
		{failure: "math.isNaN(result[0])"},
	} {
		_, err := CompileConditions(tc.success, tc.failure)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("CompileConditions(%q, %q): %v", tc.success, tc.failure, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("CompileConditions(%q, %q) = %v, want an error with %q", tc.success, tc.failure, err, tc.err)
		}
	}
}

func TestEvaluate(t *testing.T) {
	for _, tc := range []struct {
		name, success, failure string
		result                 []float64
		want                   Phase
	}{
		{"success holds", "result[0] < 0.05", "", []float64{0.01}, PhaseSuccessful},
		{"success alone, not holding, fails", "result[0] < 0.05", "", []float64{0.2}, PhaseFailed},
		{"failure alone, not holding, succeeds", "", "result[0] > 0.1", []float64{0.05}, PhaseSuccessful},
		{"failure alone holds", "", "result[0] > 0.1", []float64{0.5}, PhaseFailed},
		{"both, neither holds", "result[0] < 0.05", "result[0] > 0.1", []float64{0.07}, PhaseInconclusive},
		{"both, failure wins", "result[0] < 0.5", "result[0] > 0.1", []float64{0.2}, PhaseFailed},
		{"an int compared with a double", "result[0] < 1", "", []float64{0.5}, PhaseSuccessful},
		{"neither condition", "", "", []float64{42}, PhaseSuccessful},
		{"empty result indexed is an error", "result[0] < 0.05", "", nil, PhaseError},
		{"empty result can be asked about", "size(result) == 0 || result[0] < 0.05", "", nil, PhaseSuccessful},
		{"every sample", "result.all(v, v < 0.05)", "", []float64{0.01, 0.2}, PhaseFailed},
		{"NaN", "", "math.isNaN(result[0])", []float64{math.NaN()}, PhaseFailed},
	} {
		c, err := CompileConditions(tc.success, tc.failure)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := c.Evaluate(tc.result)
		if got != tc.want {
			t.Errorf("%s: Evaluate(%v) = %s (%v), want %s", tc.name, tc.result, got, err, tc.want)
		}
		if (got == PhaseError) != (err != nil) {
			t.Errorf("%s: phase %s with error %v: an Error phase, and only it, says why", tc.name, got, err)
		}
	}
}

func TestConditionsAreBoundedInCost(t *testing.T) {
	c, err := CompileConditions("result.all(a, result.all(b, result.all(c, a + b + c >= 0.0)))", "")
	if err != nil {
		t.Fatal(err)
	}
	result := make([]float64, 100)
	if got, err := c.Evaluate(result); got != PhaseError || err == nil {
		t.Errorf("a million-step condition came to %s (%v), want an Error for its cost", got, err)
	}
}

func tally(phases ...Phase) Tally {
	var t Tally
	for _, p := range phases {
		t = t.Add(p)
	}
	return t
}

func TestVerdict(t *testing.T) {
	const (
		S = PhaseSuccessful
		F = PhaseFailed
		I = PhaseInconclusive
		E = PhaseError
	)
	for _, tc := range []struct {
		name   string
		policy Policy
		taken  []Phase
		want   Phase
	}{
		{"nothing measured yet", Policy{}, nil, PhaseRunning},
		{"one measurement by default", Policy{}, []Phase{S}, PhaseSuccessful},
		{"count 3, two taken", Policy{Count: 3}, []Phase{S, S}, PhaseRunning},
		{"count 3", Policy{Count: 3}, []Phase{S, S, S}, PhaseSuccessful},
		{"first failure fails at once", Policy{Count: 3}, []Phase{F}, PhaseFailed},
		{"a failure within the limit", Policy{Count: 3, FailureLimit: 1}, []Phase{S, F, S}, PhaseSuccessful},
		{"beyond the failure limit", Policy{Count: 5, FailureLimit: 1}, []Phase{F, S, F}, PhaseFailed},
		{"inconclusive holds", Policy{Count: 3}, []Phase{S, I}, PhaseInconclusive},
		{"inconclusive within its limit", Policy{Count: 2, InconclusiveLimit: 1}, []Phase{I, S}, PhaseSuccessful},
		{"errors do not count as measurements", Policy{Count: 2}, []Phase{S, E}, PhaseRunning},
		{"four errors in a row are tolerated", Policy{}, []Phase{E, E, E, E}, PhaseRunning},
		{"the fifth fails", Policy{}, []Phase{E, E, E, E, E}, PhaseFailed},
		{"a measurement resets the run of errors", Policy{Count: 3}, []Phase{E, E, E, E, S, E, E, E, E, S}, PhaseRunning},
		{"own error limit", Policy{ConsecutiveErrorLimit: 1}, []Phase{E, E}, PhaseFailed},
	} {
		if got := Verdict(tc.policy, tally(tc.taken...)); got != tc.want {
			t.Errorf("%s: Verdict(%+v, %v) = %s, want %s", tc.name, tc.policy, tc.taken, got, tc.want)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		p   Policy
		err string
	}{
		{Policy{}, ""},
		{Policy{Count: 3, Interval: time.Minute}, ""},
		{Policy{Count: 3}, "count 3: more than one measurement needs an interval"},
		{Policy{Interval: -time.Second}, "must not be negative"},
		{Policy{FailureLimit: -1}, "must not be negative"},
	} {
		err := tc.p.Validate()
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%+v.Validate() = %v, want %q", tc.p, err, tc.err)
		}
	}
}

func TestNextAt(t *testing.T) {
	start := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	p := Policy{Count: 3, Interval: time.Minute}
	if got := p.NextAt(start, time.Time{}, Tally{}); !got.Equal(start) {
		t.Errorf("first measurement due %s, want at once (%s)", got, start)
	}
	last := start.Add(10 * time.Second)
	if got := p.NextAt(start, last, tally(PhaseError)); !got.Equal(last.Add(time.Minute)) {
		t.Errorf("next measurement due %s, want an interval after the last", got)
	}
}
