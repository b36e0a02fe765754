// Package cli builds convoy's command line: one subpackage per command group,
// wired here into a cobra root.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
	"github.com/convoy-rollouts/convoy/pkg/cli/clusters"
	"github.com/convoy-rollouts/convoy/pkg/cli/dev"
	"github.com/convoy-rollouts/convoy/pkg/cli/dnsserver"
	"github.com/convoy-rollouts/convoy/pkg/cli/inspect"
	"github.com/convoy-rollouts/convoy/pkg/cli/offline"
	"github.com/convoy-rollouts/convoy/pkg/cli/rollout"
	"github.com/convoy-rollouts/convoy/pkg/cli/tenants"
)

// Exit codes shared by every command.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// NewRoot returns the convoy command with every subcommand.
func NewRoot(out, errOut io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "convoy",
		Short:         "Progressive multi-cluster rollouts for Kubernetes",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	root.AddCommand(dev.NewCommand(out, errOut), dnsserver.NewCommand(errOut))
	root.AddCommand(rollout.NewCommands(out, errOut)...)
	root.AddCommand(inspect.NewCommands(out, errOut)...)
	root.AddCommand(clusters.NewCommand(out), tenants.NewCommand(out))
	root.AddCommand(offline.NewCommands(out, errOut)...)
	return root
}

// Execute runs the command line args and returns the process exit code.
func Execute(args []string, out, errOut io.Writer) int {
	// The CLI reports errors itself; controller-runtime's client would
	// otherwise warn that no logger is set.
	ctrllog.SetLogger(logr.Discard())
	root := NewRoot(out, errOut)
	root.SetArgs(args)
	// Ctrl-C ends long commands (wait, get --watch, dns) cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(errOut, "Error: %v\n", err)
	var exit *clierr.ExitError
	if errors.As(err, &exit) {
		return exit.Code
	}
	if isUsageError(cmd, err) {
		fmt.Fprintf(errOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return ExitUsage
	}
	return ExitError
}
