// Package clusters is `convoy clusters`: join an application cluster to
// convoy, and list the joined clusters with their health.
package clusters

import (
	"io"

	"github.com/spf13/cobra"
)

// NewCommand returns `convoy clusters` with join and list.
func NewCommand(out io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "clusters",
		Short: "Join application clusters and list them",
	}
	cmd.AddCommand(newJoin(out), newList(out))
	return cmd
}
