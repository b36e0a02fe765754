package clusters

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
	"github.com/convoy-rollouts/convoy/pkg/clusterjoin"
	"github.com/convoy-rollouts/convoy/pkg/manager"
)

type joinOptions struct {
	kubeconfig, context, managementContext string
	cluster                                clusterjoin.Cluster
	out                                    io.Writer
}

func newJoin(out io.Writer) *cobra.Command {
	o := &joinOptions{out: out}
	cmd := &cobra.Command{
		Use:   "join --context CTX --name N --region R [--capability C...]",
		Short: "Join an application cluster to convoy",
		Long: `Join an application cluster to convoy. In the cluster of kubeconfig context
--context it creates the convoy-agent service account in namespace
convoy-system with the least privileges convoy needs (install a release's
namespaced objects, scale its workloads, read pods, events and Services) and a
long-lived token. In the management cluster (--management-context, default the
current context) it stores the token and CA in Secret convoy-system/cluster-N
and creates the Cluster N with its region and capabilities. Running it again
updates both.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	f.StringVar(&o.context, "context", "", "kubeconfig context of the cluster to join")
	f.StringVar(&o.managementContext, "management-context", "", "kubeconfig context of the management cluster (default: the current context)")
	f.StringVar(&o.cluster.Name, "name", "", "name of the Cluster object")
	f.StringVar(&o.cluster.Region, "region", "", "the cluster's region")
	f.StringSliceVar(&o.cluster.Capabilities, "capability", nil, "a capability of the cluster (repeatable)")
	f.StringVar(&o.cluster.APIServerURL, "api-server-url", "", "the cluster's API server URL as the manager reaches it (default: from the kubeconfig)")
	for _, name := range []string{"context", "name", "region"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func (o *joinOptions) config(kubeContext string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig context %q: %w", kubeContext, err)
	}
	return cfg, nil
}

func (o *joinOptions) run(cmd *cobra.Command) error {
	target, err := o.config(o.context)
	if err != nil {
		return clierr.Usage("%v", err)
	}
	mgmtConfig, err := o.config(o.managementContext)
	if err != nil {
		return clierr.Usage("%v", err)
	}
	c, err := client.New(target, client.Options{Scheme: manager.Scheme})
	if err != nil {
		return err
	}
	mgmt, err := client.New(mgmtConfig, client.Options{Scheme: manager.Scheme})
	if err != nil {
		return err
	}
	if o.cluster.APIServerURL == "" {
		o.cluster.APIServerURL = target.Host
	}
	o.cluster.CAData = target.CAData
	if len(o.cluster.CAData) == 0 && target.CAFile != "" {
		if o.cluster.CAData, err = os.ReadFile(target.CAFile); err != nil {
			return fmt.Errorf("reading the CA of context %s: %w", o.context, err)
		}
	}
	fmt.Fprintf(o.out, "joining cluster %s (context %s, %s) in region %s\n", o.cluster.Name, o.context, o.cluster.APIServerURL, o.cluster.Region)
	if err := clusterjoin.Join(cmd.Context(), mgmt, c, o.cluster); err != nil {
		return err
	}
	fmt.Fprintf(o.out, "cluster %s joined: service account %s/%s, Secret %s/%s and Cluster %s\n", o.cluster.Name,
		clusterjoin.SystemNamespace, clusterjoin.AgentName, clusterjoin.SystemNamespace, clusterjoin.SecretName(o.cluster.Name), o.cluster.Name)
	return nil
}
