package clusters

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/manager"
)

// probeTimeout bounds the health check of one cluster.
const probeTimeout = 5 * time.Second

// Health is a joined cluster as convoy sees it.
type Health struct {
	Name          string   `json:"name"`
	Region        string   `json:"region"`
	Capabilities  []string `json:"capabilities,omitempty"`
	APIServerURL  string   `json:"apiServerURL"`
	Unschedulable bool     `json:"unschedulable,omitempty"`
	Reachable     bool     `json:"reachable"`
	ServerVersion string   `json:"serverVersion,omitempty"`
	Error         string   `json:"error,omitempty"`
}

type listOptions struct {
	kube   kube.Flags
	output string
	out    io.Writer
}

func newList(out io.Writer) *cobra.Command {
	o := &listOptions{out: out}
	cmd := &cobra.Command{
		Use:   "list [-o table|json|yaml]",
		Short: "List the joined clusters and check each with convoy's own credentials",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	o.kube.AddTo(cmd.Flags(), false)
	cmd.Flags().StringVarP(&o.output, "output", "o", "table", "output format: table, json or yaml")
	return cmd
}

func (o *listOptions) run(ctx context.Context) error {
	if !slices.Contains([]string{"table", "json", "yaml"}, o.output) {
		return clierr.Usage("unknown output format %q: use table, json or yaml", o.output)
	}
	c, _, err := o.kube.Client()
	if err != nil {
		return err
	}
	list := &convoyv1alpha1.ClusterList{}
	if err := c.List(ctx, list); err != nil {
		return fmt.Errorf("listing Clusters: %w", err)
	}
	store := &clusters.Store{Management: c, Scheme: manager.Scheme}
	healths := make([]Health, len(list.Items))
	var wg sync.WaitGroup
	for i := range list.Items {
		wg.Go(func() { healths[i] = probe(ctx, store, &list.Items[i]) })
	}
	wg.Wait()
	switch o.output {
	case "json":
		data, _ := json.MarshalIndent(healths, "", "  ")
		_, err = fmt.Fprintln(o.out, string(data))
	case "yaml":
		data, _ := yaml.Marshal(healths)
		_, err = o.out.Write(data)
	default:
		err = writeTable(o.out, healths)
	}
	return err
}

// probe asks the cluster's API server for its version with the
// credentials the manager uses, so a broken Secret shows here as it would
// in a rollout.
func probe(ctx context.Context, store *clusters.Store, cluster *convoyv1alpha1.Cluster) Health {
	h := Health{Name: cluster.Name, Region: cluster.Spec.Region, Capabilities: cluster.Spec.Capabilities,
		APIServerURL: cluster.Spec.APIServerURL, Unschedulable: cluster.Spec.Scheduling.Unschedulable}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	version, err := store.ServerVersion(ctx, cluster.Name)
	if err != nil {
		h.Error = err.Error()
		return h
	}
	h.Reachable, h.ServerVersion = true, version
	return h
}

func writeTable(out io.Writer, healths []Health) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tREGION\tCAPABILITIES\tSCHEDULABLE\tREACHABLE\tVERSION\tERROR")
	for _, h := range healths {
		caps := strings.Join(h.Capabilities, ",")
		if caps == "" {
			caps = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.Name, h.Region, caps, yesNo(!h.Unschedulable), yesNo(h.Reachable), dash(h.ServerVersion), dash(h.Error))
	}
	return w.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
