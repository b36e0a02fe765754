package dev

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/convoy-rollouts/convoy/pkg/devenv"
)

func newStatusCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the local environment's clusters and their health",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := devenv.Load(o.devenv().Dir)
			if err != nil {
				return err
			}
			statuses := env.Status(cmd.Context())
			w := tabwriter.NewWriter(o.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "CLUSTER\tREGION\tCONTEXT\tVERSION\tNODES READY\tREGISTERED\tPROBLEM")
			unhealthy := 0
			for _, s := range statuses {
				region, registered, problem := s.Region, "-", "-"
				if region == "" {
					region = "-"
				} else {
					registered = fmt.Sprint(s.Registered)
				}
				if s.Err != nil {
					problem = s.Err.Error()
					unhealthy++
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", s.Name, region, s.Context, s.Version, s.NodesReady, s.Nodes, registered, problem)
			}
			w.Flush()
			lb := "not running"
			if pid, alive := devenv.ReadPID(env.LoadBalancerPIDFile()); alive {
				lb = fmt.Sprintf("running (pid %d)", pid)
			}
			fmt.Fprintf(o.out, "\nload balancer stand-in: %s\nkubeconfig: %s\n", lb, env.Kubeconfig)
			if unhealthy > 0 {
				return fmt.Errorf("%d of %d clusters are unhealthy", unhealthy, len(statuses))
			}
			return nil
		},
	}
}
