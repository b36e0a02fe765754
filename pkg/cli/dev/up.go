package dev

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
	"github.com/convoy-rollouts/convoy/pkg/devenv"
)

func newUpCommand(o *options) *cobra.Command {
	var topology string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start the local environment, or whatever of it is not running",
		Example: `  convoy dev up
  convoy dev up --clusters eu-west:2,us-east:1,ap-south:1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			clusters, err := devenv.ParseTopology(topology)
			if err != nil {
				return clierr.Usage("%v", err)
			}
			opts := o.devenv()
			opts.Clusters = clusters
			env, err := devenv.Up(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if err := startDetached(env, o.toolsDir, "loadbalancer", env.LoadBalancerPIDFile()); err != nil {
				return fmt.Errorf("starting the stand-ins (load balancer, Gateway route status): %w", err)
			}
			if err := startDetached(env, o.toolsDir, "apiproxy", env.APIProxyPIDFile()); err != nil {
				return fmt.Errorf("starting the API proxies: %w", err)
			}
			// convoy's Cluster objects point at the proxies: report a proxy
			// that cannot listen here, not as clusters convoy cannot reach.
			alive := func() bool { _, alive := devenv.ReadPID(env.APIProxyPIDFile()); return alive }
			if err := env.WaitAPIProxies(cmd.Context(), alive, 30*time.Second); err != nil {
				return err
			}
			printEnvironment(o, env)
			return nil
		},
	}
	cmd.Flags().StringVar(&topology, "clusters", devenv.DefaultTopology, "application clusters per region, as region:count,...")
	return cmd
}

// startDetached runs `convoy dev SUBCOMMAND` in the background, in its own
// session so it outlives this command, logging to SUBCOMMAND.log in the
// environment's directory, unless the process pidFile names runs.
func startDetached(env *devenv.Environment, toolsDir, subcommand, pidFile string) error {
	if _, alive := devenv.ReadPID(pidFile); alive {
		return nil
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logFile, err := os.OpenFile(filepath.Join(env.Dir, subcommand+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(self, "dev", subcommand, "--name", env.Name, "--dir", env.Dir, "--tools-dir", toolsDir)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := os.WriteFile(pidFile, fmt.Appendf(nil, "%d\n", cmd.Process.Pid), 0o644); err != nil {
		return err
	}
	return cmd.Process.Release()
}

func printEnvironment(o *options, env *devenv.Environment) {
	w := tabwriter.NewWriter(o.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CLUSTER\tROLE\tREGION\tCONTEXT\tLOAD BALANCER ADDRESSES\tCONVOY REACHES IT AT")
	fmt.Fprintf(w, "%s\tmanagement\t-\t%s\t-\t-\n", devenv.ManagementName, env.ManagementContext)
	subnets := env.LoadBalancerSubnets()
	for i, c := range env.Clusters {
		fmt.Fprintf(w, "%s\tapplication\t%s\t%s\t%s\t%s\n", c.Name, c.Region, env.Context(c.Name), subnets[i], env.APIProxyURL(c.Name))
	}
	w.Flush()
	fmt.Fprintf(o.out, "\nkubeconfig: %s\n", env.Kubeconfig)
	fmt.Fprintf(o.out, "  export KUBECONFIG=%s\n", env.Kubeconfig)
	fmt.Fprintf(o.out, "  kubectl --context %s get clusters.convoy.dev\n", env.ManagementContext)
	fmt.Fprintf(o.out, "stop it with: convoy dev down --name %s\n", env.Name)
}
