package analysis

import (
	"fmt"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Validate checks a check offline, as the release controller will run it:
// its query's placeholders, its conditions, its policy. The error names
// the field (relative to the check) and the cause.
func Validate(spec convoyv1alpha1.AnalysisCheckSpec) error {
	if (spec.Prometheus == nil) == (spec.Webhook == nil) {
		return fmt.Errorf("exactly one of prometheus or webhook must be set")
	}
	if p := spec.Prometheus; p != nil {
		if err := Placeholders(p.Query, spec.Scope != convoyv1alpha1.ScopeGlobal); err != nil {
			return fmt.Errorf("prometheus.query: %w", err)
		}
		if _, err := CompileConditions(p.SuccessCondition, p.FailureCondition); err != nil {
			return fmt.Errorf("prometheus.%w", err)
		}
	}
	if err := PolicyOf(spec).Validate(); err != nil {
		return err
	}
	return nil
}

// PolicyOf is a check's policy, as its spec sets it.
func PolicyOf(spec convoyv1alpha1.AnalysisCheckSpec) Policy {
	p := Policy{Count: spec.Count, FailureLimit: spec.FailureLimit, InconclusiveLimit: spec.InconclusiveLimit, ConsecutiveErrorLimit: spec.ConsecutiveErrorLimit}
	if spec.Interval != nil {
		p.Interval = spec.Interval.Duration
	}
	return p
}
