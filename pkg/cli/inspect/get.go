package inspect

import (
	"context"
	"encoding/json"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
)

type getOptions struct {
	*options
	watch bool
}

func newGet(o *options) *cobra.Command {
	g := &getOptions{options: o}
	cmd := &cobra.Command{
		Use:   "get APP [--watch] [-o tree|wide|json|yaml]",
		Short: "Show an application's rollout: its releases, step and clusters",
		Long: `Show an application's rollout as a tree: the contender release with the step
it achieved (n/N, counting from 1) and what it waits for, the incumbent, and
per cluster each release's replicas (available/desired) and DNS weight
(desired/published) with the cluster's health.

-o wide adds each release's source and status, and health messages in full;
-o json and -o yaml print the same information as a document. --watch prints
again on every change until interrupted: in place on a terminal, otherwise
one tree after another, or one JSON object per line with -o json.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: kube.CompleteApplications(&o.kube),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.checkOutput(cmd); err != nil {
				return err
			}
			return g.run(cmd.Context(), args[0])
		},
	}
	o.addFlags(cmd, false, formatTree, formatWide, formatJSON, formatYAML)
	cmd.Flags().BoolVarP(&g.watch, "watch", "w", false, "print again on every change, until interrupted")
	return cmd
}

func (g *getOptions) run(ctx context.Context, app string) error {
	c, ns, err := g.connect()
	if err != nil {
		return err
	}
	show := rolloutPrinter(g.out, g.output, g.watch, isTerminal(g.out))
	if g.watch {
		return watchRollout(ctx, c, ns, app, show)
	}
	r, err := kube.LoadRollout(ctx, c, ns, app)
	if err != nil {
		return err
	}
	return show(BuildRolloutView(r))
}

// rolloutPrinter prints one RolloutView in a format. Watching, each print
// must stand on its own in a stream: JSON objects one per line, YAML
// documents separated by "---", and trees either redrawn in place (on a
// terminal) or separated by a blank line (in a log or a pipe).
func rolloutPrinter(w io.Writer, format string, watch, terminal bool) func(RolloutView) error {
	printed := false
	return func(v RolloutView) error {
		first := !printed
		printed = true
		switch {
		case format == formatJSON && watch:
			return json.NewEncoder(w).Encode(v)
		case format == formatJSON || format == formatYAML:
			if watch {
				if _, err := io.WriteString(w, "---\n"); err != nil {
					return err
				}
			}
			return writeDocument(w, format, v)
		}
		switch {
		case watch && terminal:
			// Home the cursor and clear the screen, then draw.
			if _, err := io.WriteString(w, "\x1b[H\x1b[2J"); err != nil {
				return err
			}
		case watch && !first:
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		return writeTree(w, v, format == formatWide)
	}
}

// isTerminal reports whether w is a terminal, where --watch redraws in
// place rather than appending.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
