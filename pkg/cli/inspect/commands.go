package inspect

import (
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
)

// NewCommands returns get, list and history.
func NewCommands(out, errOut io.Writer) []*cobra.Command {
	return []*cobra.Command{
		newGet(newOptions(out, errOut)),
		newList(newOptions(out, errOut)),
		newHistory(newOptions(out, errOut)),
	}
}

// options are what every read command shares: the kubeconfig flags, -o,
// and the writers. connect and now stand for the cluster and the clock, so
// tests can run a command against a fake client at a fixed time.
type options struct {
	kube    kube.Flags
	output  string
	formats []string
	out     io.Writer
	errOut  io.Writer
	connect func() (client.WithWatch, string, error)
	now     func() time.Time
}

func newOptions(out, errOut io.Writer) *options {
	o := &options{out: out, errOut: errOut, now: time.Now}
	o.connect = o.kube.Client
	return o
}

// addFlags adds the kubeconfig flags and -o, whose first format is the
// default.
func (o *options) addFlags(cmd *cobra.Command, allNamespaces bool, formats ...string) {
	o.kube.AddTo(cmd.Flags(), allNamespaces)
	o.formats = formats
	cmd.Flags().StringVarP(&o.output, "output", "o", formats[0], "output format: "+strings.Join(formats, ", "))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
}

// checkOutput rejects an -o value the command does not print, as a usage
// error, before anything connects to the cluster.
func (o *options) checkOutput(cmd *cobra.Command) error {
	if slices.Contains(o.formats, o.output) {
		return nil
	}
	return clierr.Usage("%s cannot print -o %s: use %s", cmd.CommandPath(), o.output, strings.Join(o.formats, ", "))
}
