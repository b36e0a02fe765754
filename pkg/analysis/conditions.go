package analysis

import (
	"errors"
	"fmt"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
)

// Phase is what a measurement, or a check as a whole, came to.
type Phase string

const (
	// PhaseRunning: the check has measurements still to take.
	PhaseRunning Phase = "Running"
	// PhaseSuccessful: the check, or a measurement, passed.
	PhaseSuccessful Phase = "Successful"
	// PhaseFailed: the check, or a measurement, failed; a failed check
	// fails its step.
	PhaseFailed Phase = "Failed"
	// PhaseInconclusive: neither condition held; an inconclusive check
	// holds the release for a person.
	PhaseInconclusive Phase = "Inconclusive"
	// PhaseError: the measurement could not be taken or judged (the
	// query failed, the webhook timed out, result[0] of an empty result).
	// Too many in a row fail the check.
	PhaseError Phase = "Error"
)

// ResultVariable is the name conditions use for the measured values.
const ResultVariable = "result"

// maxCost bounds one evaluation: conditions are a comparison or two, and
// a tenant's expression must not spin the manager.
const maxCost = 10_000

// Conditions are a check's compiled successCondition and failureCondition.
type Conditions struct {
	success, failure cel.Program
}

var env = func() *cel.Env {
	// Cross-type comparisons: result[0] < 1 must mean what it says, not
	// fail to compile for comparing a double with an int.
	e, err := cel.NewEnv(cel.Variable(ResultVariable, cel.ListType(cel.DoubleType)), ext.Math(), cel.CrossTypeNumericComparisons(true))
	if err != nil {
		panic(err) // a fixed environment: cannot fail
	}
	return e
}()

// CompileConditions compiles a check's conditions; either may be empty.
// The error names the condition, and what CEL found wrong with it.
func CompileConditions(success, failure string) (*Conditions, error) {
	var c Conditions
	var err error
	if c.success, err = compile("successCondition", success); err != nil {
		return nil, err
	}
	if c.failure, err = compile("failureCondition", failure); err != nil {
		return nil, err
	}
	return &c, nil
}

func compile(field, expr string) (cel.Program, error) {
	if expr == "" {
		return nil, nil
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return nil, fmt.Errorf("%s %q: %w", field, expr, iss.Err())
	}
	if ast.OutputType() != cel.BoolType {
		return nil, fmt.Errorf("%s %q: is a %s, want a bool (a comparison such as result[0] < 0.05)", field, expr, ast.OutputType())
	}
	prg, err := env.Program(ast, cel.CostLimit(maxCost))
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", field, expr, err)
	}
	return prg, nil
}

// Evaluate judges one measurement's values (see the package doc). The
// error of an Error phase says what could not be evaluated.
func (c *Conditions) Evaluate(result []float64) (Phase, error) {
	succeeded, err := eval("successCondition", c.success, result)
	if err != nil {
		return PhaseError, err
	}
	failed, err := eval("failureCondition", c.failure, result)
	if err != nil {
		return PhaseError, err
	}
	switch {
	case c.success != nil && c.failure == nil:
		failed = !succeeded
	case c.success == nil && c.failure != nil:
		succeeded = !failed
	case c.success == nil && c.failure == nil:
		succeeded = true
	}
	switch {
	case failed:
		return PhaseFailed, nil
	case succeeded:
		return PhaseSuccessful, nil
	}
	return PhaseInconclusive, nil
}

func eval(field string, prg cel.Program, result []float64) (bool, error) {
	if prg == nil {
		return false, nil
	}
	if result == nil {
		result = []float64{}
	}
	out, _, err := prg.Eval(map[string]any{ResultVariable: result})
	if err != nil {
		return false, fmt.Errorf("%s on result %v: %w", field, result, err)
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, errors.New(field + " did not give a bool")
	}
	return bool(b), nil
}
