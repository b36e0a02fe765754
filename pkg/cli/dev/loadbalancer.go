package dev

import (
	"context"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/convoy-rollouts/convoy/pkg/devenv"
)

func newLoadBalancerCommand(o *options) *cobra.Command {
	return detachedCommand(o, "loadbalancer", "Assign loopback addresses to LoadBalancer Services and write HTTPRoute status (started by 'dev up')",
		func(ctx context.Context, env *devenv.Environment) error { return env.RunStandIns(ctx, o.out) })
}

// detachedCommand is a hidden command that 'dev up' starts as a detached
// process of the environment: it runs until SIGTERM or SIGINT.
func detachedCommand(o *options, use, short string, run func(context.Context, *devenv.Environment) error) *cobra.Command {
	return &cobra.Command{
		Use:    use,
		Short:  short,
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := devenv.Load(o.devenv().Dir)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return run(ctx, env)
		},
	}
}
