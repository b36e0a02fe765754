// Package clierr holds the error kinds commands return, so the root can map
// them to exit codes.
package clierr

import "fmt"

// UsageError is a mistake in how a command was called (exit code 2).
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

// Usage returns a UsageError.
func Usage(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}

// ExitError ends the command with a specific exit code, such as convoy
// wait's 3 (timed out) or 5 (superseded), after printing its message.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Exit returns an ExitError.
func Exit(code int, format string, args ...any) error {
	return &ExitError{Code: code, Err: fmt.Errorf(format, args...)}
}
