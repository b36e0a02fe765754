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
