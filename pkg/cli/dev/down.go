package dev

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/convoy-rollouts/convoy/pkg/devenv"
)

func newDownCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "down",
		Short: "Stop the local environment and delete everything it made",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := o.devenv()
			if err := devenv.Down(cmd.Context(), opts); err != nil {
				return err
			}
			fmt.Fprintf(o.out, "environment %q removed (%s)\n", opts.Name, opts.Dir)
			return nil
		},
	}
}
