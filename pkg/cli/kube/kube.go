// Package kube gives convoy's commands the kubeconfig flags kubectl has
// (--kubeconfig, --context, -n, -A) and reads an Application's rollout as
// one snapshot: the Application, its Releases, and each Release's targets.
package kube

import (
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/convoy-rollouts/convoy/pkg/manager"
)

// Flags are the kubeconfig flags of a command.
type Flags struct {
	Kubeconfig    string
	Context       string
	Namespace     string
	AllNamespaces bool
}

// AddTo adds --kubeconfig, --context and -n/--namespace, and -A/--all-namespaces
// when allNamespaces is true.
func (f *Flags) AddTo(fs *pflag.FlagSet, allNamespaces bool) {
	fs.StringVar(&f.Kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&f.Context, "context", "", "the kubeconfig context to use")
	fs.StringVarP(&f.Namespace, "namespace", "n", "", "the namespace (default: the context's namespace, or default)")
	if allNamespaces {
		fs.BoolVarP(&f.AllNamespaces, "all-namespaces", "A", false, "list across all namespaces")
	}
}

func (f *Flags) clientConfig() clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = f.Kubeconfig
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: f.Context})
}

// Client connects to the management cluster and returns the namespace to
// work in: -n, else the context's namespace, else "default". With -A the
// namespace is "" (all).
func (f *Flags) Client() (client.WithWatch, string, error) {
	cc := f.clientConfig()
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("loading the kubeconfig: %w", err)
	}
	// kubectl's limits: a command reads several kinds per look.
	cfg.QPS, cfg.Burst = 50, 300
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: manager.Scheme})
	if err != nil {
		return nil, "", fmt.Errorf("connecting to %s: %w", cfg.Host, err)
	}
	if f.AllNamespaces {
		return c, "", nil
	}
	ns := f.Namespace
	if ns == "" {
		if ns, _, err = cc.Namespace(); err != nil || ns == "" {
			ns = "default"
		}
	}
	return c, ns, nil
}
