// Package tenants is `convoy tenants`: a platform team grants a namespace to
// convoy in its application clusters, in one command.
package tenants

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
	"github.com/convoy-rollouts/convoy/pkg/clusterjoin"
	"github.com/convoy-rollouts/convoy/pkg/manager"
)

// NewCommand returns `convoy tenants` with grant.
func NewCommand(out io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tenants",
		Short: "Grant namespaces to convoy in application clusters",
	}
	cmd.AddCommand(newGrant(out))
	return cmd
}

type grantOptions struct {
	kubeconfig, managementContext, contextPrefix string
	clusters                                     []string
	contexts                                     map[string]string
	all                                          bool
	tenant                                       clusterjoin.Tenant
	hostnames                                    string
	out                                          io.Writer
}

func newGrant(out io.Writer) *cobra.Command {
	o := &grantOptions{out: out}
	cmd := &cobra.Command{
		Use:   "grant NAMESPACE (--clusters A,B | --all)",
		Short: "Grant a namespace to convoy in application clusters",
		Long: `Grant a namespace to convoy in application clusters, as a platform team.
In each chosen cluster (its kubeconfig context is --cluster-context NAME=CTX,
else --context-prefix followed by the Cluster's name) it creates the namespace, the tenant's ServiceAccount
(--service-account, default convoy-tenant), a RoleBinding of it to a
ClusterRole in that namespace only (--role, default convoy-tenant, which it
creates: edit-like rights on the workload kinds charts hold), and a Role that
lets convoy's agent impersonate that ServiceAccount there and nowhere else.
Convoy installs, scales and removes the namespace's releases as that
ServiceAccount, so the cluster's RBAC and Pod Security admission decide what
they may do. With --hostnames it also records, on the management cluster's
Namespace, the hostname patterns the namespace may publish. Running it again
converges.`,
		Example: `  convoy tenants grant team-a --all
  convoy tenants grant team-a --clusters eu-west-1,us-east-1 --pod-security restricted
  convoy tenants grant team-a --all --hostnames '*.team-a.apps.example.com'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.tenant.Namespace = args[0]
			return o.run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	f.StringVar(&o.managementContext, "management-context", "", "kubeconfig context of the management cluster (default: the current context)")
	f.StringVar(&o.contextPrefix, "context-prefix", "", "prefix of the application clusters' kubeconfig contexts: a Cluster N is reached through context PREFIX+N")
	f.StringToStringVar(&o.contexts, "cluster-context", nil, "the kubeconfig context of a cluster, as NAME=CONTEXT (repeatable; wins over --context-prefix)")
	f.StringSliceVar(&o.clusters, "clusters", nil, "the application clusters to grant the namespace in")
	f.BoolVar(&o.all, "all", false, "grant the namespace in every joined application cluster")
	f.StringVar(&o.tenant.ServiceAccount, "service-account", clusterjoin.DefaultTenantServiceAccount, "the ServiceAccount convoy impersonates in the namespace")
	f.StringVar(&o.tenant.Role, "role", "", "an existing ClusterRole to bind in the namespace instead of convoy-tenant")
	f.StringVar(&o.tenant.PodSecurity, "pod-security", "", "a Pod Security level to enforce in the namespace: privileged, baseline or restricted")
	f.StringVar(&o.hostnames, "hostnames", "", "comma-separated hostname patterns the namespace may publish (annotation "+convoyv1alpha1.AnnotationAllowedHostnames+")")
	return cmd
}

func (o *grantOptions) client(kubeContext string) (client.Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return nil, clierr.Usage("kubeconfig context %q: %v", kubeContext, err)
	}
	return client.New(cfg, client.Options{Scheme: manager.Scheme})
}

func (o *grantOptions) run(ctx context.Context) error {
	if o.all == (len(o.clusters) > 0) {
		return clierr.Usage("name the clusters to grant namespace %s in with --clusters, or use --all", o.tenant.Namespace)
	}
	switch o.tenant.PodSecurity {
	case "", "privileged", "baseline", "restricted":
	default:
		return clierr.Usage("--pod-security %q: use privileged, baseline or restricted", o.tenant.PodSecurity)
	}
	mgmt, err := o.client(o.managementContext)
	if err != nil {
		return err
	}
	names, err := o.clusterNames(ctx, mgmt)
	if err != nil {
		return err
	}
	for _, name := range names {
		kubeContext, ok := o.contexts[name]
		if !ok {
			kubeContext = o.contextPrefix + name
		}
		c, err := o.client(kubeContext)
		if err != nil {
			return fmt.Errorf("cluster %s: %w", name, err)
		}
		if err := clusterjoin.Grant(ctx, c, o.tenant); err != nil {
			return fmt.Errorf("cluster %s: %w", name, err)
		}
		fmt.Fprintf(o.out, "cluster %s: namespace %s granted to service account %s\n", name, o.tenant.Namespace, serviceAccount(o.tenant))
	}
	if o.hostnames != "" {
		if err := clusterjoin.GrantHostnames(ctx, mgmt, o.tenant.Namespace, o.hostnames); err != nil {
			return fmt.Errorf("management cluster: %w", err)
		}
		fmt.Fprintf(o.out, "management cluster: namespace %s may publish %s\n", o.tenant.Namespace, o.hostnames)
	}
	return nil
}

func serviceAccount(t clusterjoin.Tenant) string {
	if t.ServiceAccount == "" {
		return clusterjoin.DefaultTenantServiceAccount
	}
	return t.ServiceAccount
}

// clusterNames are the clusters named by --clusters, each checked to be
// joined, or every joined cluster with --all.
func (o *grantOptions) clusterNames(ctx context.Context, mgmt client.Client) ([]string, error) {
	list := &convoyv1alpha1.ClusterList{}
	if err := mgmt.List(ctx, list); err != nil {
		return nil, fmt.Errorf("listing the joined clusters: %w", err)
	}
	var joined []string
	for _, c := range list.Items {
		joined = append(joined, c.Name)
	}
	slices.Sort(joined)
	if o.all {
		if len(joined) == 0 {
			return nil, fmt.Errorf("no application cluster is joined: convoy clusters join first")
		}
		return joined, nil
	}
	for _, name := range o.clusters {
		if !slices.Contains(joined, name) {
			return nil, clierr.Usage("cluster %q is not joined (joined: %s)", name, strings.Join(joined, ", "))
		}
	}
	return o.clusters, nil
}
