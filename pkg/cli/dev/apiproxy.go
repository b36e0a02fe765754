package dev

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
	"github.com/convoy-rollouts/convoy/pkg/devenv"
)

// newAPIProxyCommand runs the API proxies in their own detached process
// rather than in the load balancer stand-in's: they carry all of convoy's
// traffic to the application clusters, so they must not stop with a
// stand-in that watches those clusters, and they need no Kubernetes client.
func newAPIProxyCommand(o *options) *cobra.Command {
	return detachedCommand(o, "apiproxy", "Relay convoy's connections to each application cluster's API server (started by 'dev up')",
		func(ctx context.Context, env *devenv.Environment) error {
			done := make(chan error, 1)
			if err := env.StartAPIProxies(ctx, o.out, func(err error) { done <- err }); err != nil {
				return err
			}
			return <-done
		})
}

func newCutCommand(o *options) *cobra.Command {
	var cluster string
	var d time.Duration
	cmd := &cobra.Command{
		Use:   "cut --cluster NAME [--for DURATION]",
		Short: "Cut convoy off from an application cluster's API server",
		Long: `Reset every connection convoy has to the application cluster's API server and
refuse new ones, as a network partition would, for DURATION or until
'convoy dev restore'. The API server keeps running, and the kubeconfig's
context for the cluster still reaches it.`,
		Example: `  convoy dev cut --cluster eu-west-1 --for 15s`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cluster == "" {
				return clierr.Usage("--cluster is required")
			}
			if d < 0 {
				return clierr.Usage("--for %s: want a positive duration", d)
			}
			env, err := devenv.Load(o.devenv().Dir)
			if err != nil {
				return err
			}
			if err := env.CutAPI(cmd.Context(), cluster, d); err != nil {
				return err
			}
			until := fmt.Sprintf("until 'convoy dev restore --cluster %s'", cluster)
			if d > 0 {
				until = "until " + time.Now().Add(d).Format(time.RFC3339)
			}
			fmt.Fprintf(o.out, "convoy is cut off from the API server of cluster %s %s\n", cluster, until)
			return nil
		},
	}
	cmd.Flags().StringVar(&cluster, "cluster", "", "the application cluster")
	cmd.Flags().DurationVar(&d, "for", 0, "how long the cut lasts (default: until 'convoy dev restore')")
	return cmd
}

func newRestoreCommand(o *options) *cobra.Command {
	var cluster string
	cmd := &cobra.Command{
		Use:   "restore --cluster NAME",
		Short: "End a cut of an application cluster's API server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cluster == "" {
				return clierr.Usage("--cluster is required")
			}
			env, err := devenv.Load(o.devenv().Dir)
			if err != nil {
				return err
			}
			if err := env.RestoreAPI(cmd.Context(), cluster); err != nil {
				return err
			}
			fmt.Fprintf(o.out, "convoy reaches the API server of cluster %s again\n", cluster)
			return nil
		},
	}
	cmd.Flags().StringVar(&cluster, "cluster", "", "the application cluster")
	return cmd
}
