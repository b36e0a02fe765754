package dev

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

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
			fmt.Fprintf(o.out, "\nload balancer stand-in: %s\n", lb)
			printAPIProxies(cmd.Context(), o, env)
			fmt.Fprintf(o.out, "kubeconfig: %s\n", env.Kubeconfig)
			if unhealthy > 0 {
				return fmt.Errorf("%d of %d clusters are unhealthy", unhealthy, len(statuses))
			}
			return nil
		},
	}
}

// printAPIProxies shows each application cluster's API proxy, convoy's path
// to it, and whether it is cut.
func printAPIProxies(ctx context.Context, o *options, env *devenv.Environment) {
	proc := "not running"
	if pid, alive := devenv.ReadPID(env.APIProxyPIDFile()); alive {
		proc = fmt.Sprintf("running (pid %d)", pid)
	}
	states, err := env.APIProxyStatus(ctx)
	if err != nil {
		fmt.Fprintf(o.out, "API proxies: %s: %v\n", proc, err)
		return
	}
	fmt.Fprintf(o.out, "API proxies (convoy's path to each API server): %s\n", proc)
	w := tabwriter.NewWriter(o.out, 0, 4, 2, ' ', 0)
	for _, c := range env.Clusters {
		s, ok := states[c.Name]
		if !ok {
			fmt.Fprintf(w, "  %s\t%s\tnot served\n", c.Name, env.APIProxies[c.Name])
			continue
		}
		state := fmt.Sprintf("open, %d connections", s.Connections)
		switch {
		case s.Cut && s.Until != nil:
			state = "CUT until " + s.Until.Format(time.RFC3339)
		case s.Cut:
			state = "CUT until 'convoy dev restore --cluster " + c.Name + "'"
		}
		fmt.Fprintf(w, "  %s\t%s -> %s\t%s\n", c.Name, s.Listen, s.Backend, state)
	}
	w.Flush()
}
