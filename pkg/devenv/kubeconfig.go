package devenv

import (
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// mergeKubeconfig adds one kwokctl cluster's kubeconfig to merged under the
// context name context, so every entry (cluster, user, context) carries it.
func mergeKubeconfig(merged *clientcmdapi.Config, context string, kwokKubeconfig []byte) error {
	cfg, err := clientcmd.Load(kwokKubeconfig)
	if err != nil {
		return fmt.Errorf("reading kubeconfig of %s: %w", context, err)
	}
	src, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok {
		return fmt.Errorf("kubeconfig of %s has no current context", context)
	}
	cluster, user := cfg.Clusters[src.Cluster], cfg.AuthInfos[src.AuthInfo]
	if cluster == nil || user == nil {
		return fmt.Errorf("kubeconfig of %s: context %q lacks its cluster or user", context, cfg.CurrentContext)
	}
	merged.Clusters[context] = cluster
	merged.AuthInfos[context] = user
	merged.Contexts[context] = &clientcmdapi.Context{Cluster: context, AuthInfo: context}
	return nil
}

// RESTConfig returns the REST config of one context of a kubeconfig file.
func RESTConfig(kubeconfig, context string) (*rest.Config, error) {
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: context},
	).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("context %s of %s: %w", context, kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	return cfg, nil
}

// newClient returns a client with the scheme of everything the environment
// creates.
func newClient(kubeconfig, context string) (client.Client, *rest.Config, error) {
	cfg, err := RESTConfig(kubeconfig, context)
	if err != nil {
		return nil, nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: Scheme})
	return c, cfg, err
}
