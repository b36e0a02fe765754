package dev

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/convoy-rollouts/convoy/pkg/devenv"
)

func newFailEndpointsCommand(o *options) *cobra.Command {
	var (
		cluster string
		d       time.Duration
		restore bool
	)
	cmd := &cobra.Command{
		Use:   "fail-endpoints --cluster NAME [--for DURATION | --restore]",
		Short: "Break an application cluster's data plane: its load balancers refuse connections",
		Long: `Break an application cluster's data plane on purpose: the load balancer
stand-in closes every load balancer port of the cluster, so connections to
its Services' addresses are refused, as when its nodes or network are down.
Pods, Services and the control plane are untouched: only data-plane
evidence, such as the DNS servers' health checks (traffic.dns.healthCheck),
can notice. --for restores it after a while; --restore at once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cluster == "" {
				return errors.New("--cluster is required: the application cluster whose endpoints fail")
			}
			if restore && d != 0 {
				return errors.New("--for and --restore do not go together")
			}
			env, err := devenv.Load(o.devenv().Dir)
			if err != nil {
				return err
			}
			switch {
			case restore:
				err = env.FailEndpoints(cluster, false)
			case d != 0:
				err = env.FailEndpointsFor(cluster, d)
			default:
				err = env.FailEndpoints(cluster, true)
			}
			if err != nil {
				return err
			}
			switch {
			case restore:
				fmt.Fprintf(o.out, "cluster %s: load balancers restored\n", cluster)
			case d != 0:
				fmt.Fprintf(o.out, "cluster %s: load balancers refuse connections for %s\n", cluster, d)
			default:
				fmt.Fprintf(o.out, "cluster %s: load balancers refuse connections until 'convoy dev fail-endpoints --cluster %s --restore'\n", cluster, cluster)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&cluster, "cluster", "", "application cluster whose endpoints fail")
	cmd.Flags().DurationVar(&d, "for", 0, "restore the endpoints after this long (default: until --restore)")
	cmd.Flags().BoolVar(&restore, "restore", false, "restore the cluster's endpoints")
	return cmd
}
