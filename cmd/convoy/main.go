// Command convoy is the CLI of convoy, the progressive multi-cluster rollout
// engine. Installed as kubectl-convoy it is also a kubectl plugin.
package main

import (
	"os"

	"github.com/convoy-rollouts/convoy/pkg/cli"
)

func main() {
	os.Exit(cli.Execute(os.Args[1:], os.Stdout, os.Stderr))
}
