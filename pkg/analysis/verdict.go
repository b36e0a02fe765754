package analysis

import (
	"fmt"
	"time"
)

// Policy is how a check turns measurements into a verdict. Zero values
// are the defaults Defaulted fills in.
type Policy struct {
	// Interval is the time between measurements; a check of one
	// measurement needs none.
	Interval time.Duration
	// Count is how many measurements the check takes; 1 by default.
	Count int32
	// FailureLimit is how many failed measurements are tolerated; 0 by
	// default: the first failure fails the check.
	FailureLimit int32
	// InconclusiveLimit is how many inconclusive measurements are
	// tolerated; 0 by default.
	InconclusiveLimit int32
	// ConsecutiveErrorLimit is how many errors in a row are tolerated; 4
	// by default, as Argo Rollouts has it: a Prometheus restarting must
	// not abort a release.
	ConsecutiveErrorLimit int32
}

// DefaultConsecutiveErrorLimit is ConsecutiveErrorLimit's default.
const DefaultConsecutiveErrorLimit = 4

// Defaulted fills in the defaults of the zero fields that have one.
func (p Policy) Defaulted() Policy {
	if p.Count <= 0 {
		p.Count = 1
	}
	if p.ConsecutiveErrorLimit <= 0 {
		p.ConsecutiveErrorLimit = DefaultConsecutiveErrorLimit
	}
	return p
}

// Validate names the field of a policy that cannot work.
func (p Policy) Validate() error {
	switch {
	case p.Interval < 0:
		return fmt.Errorf("interval %s: must not be negative", p.Interval)
	case p.Count > 1 && p.Interval == 0:
		return fmt.Errorf("count %d: more than one measurement needs an interval between them", p.Count)
	case p.FailureLimit < 0, p.InconclusiveLimit < 0, p.ConsecutiveErrorLimit < 0, p.Count < 0:
		return fmt.Errorf("count, failureLimit, inconclusiveLimit and consecutiveErrorLimit must not be negative")
	}
	return nil
}

// NextAt is when the next measurement is due: at once (started) for the
// first, then an interval after the last one, whatever it came to.
func (p Policy) NextAt(started, last time.Time, t Tally) time.Time {
	if t.Measured == 0 {
		return started
	}
	return last.Add(p.Interval)
}

// Tally counts a check's measurements by phase: all a verdict needs, and
// small enough to keep in a status whatever the count.
type Tally struct {
	Measured, Successful, Failed, Inconclusive, Errors int32
	// ConsecutiveErrors are the errors since the last measurement that
	// was not one.
	ConsecutiveErrors int32
}

// Add counts one more measurement.
func (t Tally) Add(phase Phase) Tally {
	t.Measured++
	if phase == PhaseError {
		t.Errors++
		t.ConsecutiveErrors++
		return t
	}
	t.ConsecutiveErrors = 0
	switch phase {
	case PhaseSuccessful:
		t.Successful++
	case PhaseFailed:
		t.Failed++
	case PhaseInconclusive:
		t.Inconclusive++
	}
	return t
}

// Verdict is the check's phase from its tally: Failed, Inconclusive or
// Successful once decided, Running while measurements remain. A failure
// decides at once, even before count measurements, so that a bad release
// is stopped as soon as it is known to be bad. Errors are not
// measurements of the release: they count towards count only when the
// check is decided otherwise, so a check of count 3 that erred once takes
// a fourth measurement.
func Verdict(p Policy, t Tally) Phase {
	p = p.Defaulted()
	switch {
	case t.Failed > p.FailureLimit:
		return PhaseFailed
	case t.ConsecutiveErrors > p.ConsecutiveErrorLimit:
		return PhaseFailed
	case t.Inconclusive > p.InconclusiveLimit:
		return PhaseInconclusive
	case t.Measured-t.Errors >= p.Count:
		return PhaseSuccessful
	}
	return PhaseRunning
}
