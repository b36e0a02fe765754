// Package dev implements `convoy dev`: the local multi-cluster environment
// (see pkg/devenv) for trying convoy, the demo and the tests.
package dev

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/convoy-rollouts/convoy/pkg/devenv"
)

// options are the flags every dev subcommand shares.
type options struct {
	name     string
	dir      string
	toolsDir string
	out      io.Writer
	errOut   io.Writer
}

func (o *options) devenv() devenv.Options {
	dir := o.dir
	if dir == "" {
		dir = devenv.DefaultDir(o.name)
	}
	return devenv.Options{Name: o.name, Dir: dir, ToolsDir: o.toolsDir, Progress: o.errOut}
}

// NewCommand returns `convoy dev`.
func NewCommand(out, errOut io.Writer) *cobra.Command {
	o := &options{out: out, errOut: errOut}
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run a local management cluster and application clusters",
		Long: `Run convoy's local environment: a management cluster and application clusters,
each a real control plane (etcd, kube-apiserver, kube-controller-manager,
kube-scheduler) with kwok standing in for kubelets, plus a stand-in for a
cloud's load balancer controller that hands out loopback addresses, and a
proxy in front of each application cluster's API server, convoy's path to it,
which 'convoy dev cut' cuts.

Build the binaries it runs first with 'make tools'.`,
	}
	cmd.PersistentFlags().StringVar(&o.name, "name", "convoy", "name of the environment; prefixes its clusters and kubeconfig contexts")
	cmd.PersistentFlags().StringVar(&o.dir, "dir", "", "state directory (default $XDG_CACHE_HOME/convoy/dev/NAME, or $CONVOY_DEV_DIR/NAME)")
	cmd.PersistentFlags().StringVar(&o.toolsDir, "tools-dir", devenv.DefaultToolsDir(), "where 'make tools' put the binaries")
	cmd.AddCommand(newUpCommand(o), newDownCommand(o), newStatusCommand(o), newLoadBalancerCommand(o),
		newTrafficCommand(o), newChartsCommand(o), newAPIProxyCommand(o), newCutCommand(o), newRestoreCommand(o), newFailEndpointsCommand(o))
	return cmd
}
