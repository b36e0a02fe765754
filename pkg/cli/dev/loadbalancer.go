package dev

import (
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/convoy-rollouts/convoy/pkg/devenv"
)

func newLoadBalancerCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:    "loadbalancer",
		Short:  "Assign loopback addresses to LoadBalancer Services (started by 'dev up')",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := devenv.Load(o.devenv().Dir)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return env.RunLoadBalancer(ctx, o.out)
		},
	}
}
