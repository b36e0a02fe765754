package devenv

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// ClusterStatus is what Status saw of one cluster.
type ClusterStatus struct {
	Name    string
	Context string
	Region  string // empty for the management cluster
	// Version is the kube-apiserver's version; empty when unreachable.
	Version    string
	NodesReady int
	Nodes      int
	// Registered tells whether the management cluster has its Cluster object.
	Registered bool
	Err        error
}

// Status probes every cluster of the environment, each within a few seconds.
func (e *Environment) Status(ctx context.Context) []ClusterStatus {
	statuses := []ClusterStatus{e.probe(ctx, ManagementName, e.ManagementContext, "")}
	registered := map[string]bool{}
	if mgmt, _, err := newClient(e.Kubeconfig, e.ManagementContext); err == nil {
		list := &convoyv1alpha1.ClusterList{}
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if mgmt.List(tctx, list) == nil {
			for _, c := range list.Items {
				registered[c.Name] = true
			}
		}
		cancel()
	}
	for _, c := range e.Clusters {
		s := e.probe(ctx, c.Name, e.Context(c.Name), c.Region)
		s.Registered = registered[c.Name]
		statuses = append(statuses, s)
	}
	return statuses
}

func (e *Environment) probe(ctx context.Context, name, kubeContext, region string) ClusterStatus {
	s := ClusterStatus{Name: name, Context: kubeContext, Region: region}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, cfg, err := newClient(e.Kubeconfig, kubeContext)
	if err != nil {
		s.Err = err
		return s
	}
	cfg.Timeout = 5 * time.Second
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		s.Err = err
		return s
	}
	v, err := dc.ServerVersion()
	if err != nil {
		s.Err = err
		return s
	}
	s.Version = v.GitVersion
	nodes := &corev1.NodeList{}
	if err := c.List(ctx, nodes, client.Limit(100)); err != nil {
		s.Err = err
		return s
	}
	s.Nodes = len(nodes.Items)
	for _, n := range nodes.Items {
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				s.NodesReady++
			}
		}
	}
	return s
}
