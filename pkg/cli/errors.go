package cli

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
)

// isUsageError tells flag and argument mistakes, which exit 2, from failures.
func isUsageError(cmd *cobra.Command, err error) bool {
	var usage *clierr.UsageError
	if errors.As(err, &usage) {
		return true
	}
	// cobra reports its own parse errors as plain errors.
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "flag needs an argument", "accepts ", "requires at least", "required flag"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return cmd == nil
}
