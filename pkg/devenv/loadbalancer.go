package devenv

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/convoy-rollouts/convoy/pkg/devenv/gatewaystandin"
	"github.com/convoy-rollouts/convoy/pkg/devenv/loopbacklb"
)

// LoadBalancerSubnets returns the loopback range each application cluster's
// LoadBalancer Services get addresses from, in the order of e.Clusters.
func (e *Environment) LoadBalancerSubnets() []string {
	var subnets []string
	for i := range e.Clusters {
		subnets = append(subnets, loopbacklb.SubnetFor(i).String())
	}
	return subnets
}

// RunLoadBalancer runs the load balancer stand-in for every application
// cluster until ctx ends.
func (e *Environment) RunLoadBalancer(ctx context.Context, log io.Writer) error {
	clusters, err := e.LoadBalancerClusters(log)
	if err != nil {
		return err
	}
	return loopbacklb.Run(ctx, clusters, log)
}

// LoadBalancerClusters are the application clusters as the load balancer
// stand-in serves them, their data plane failing as FailEndpoints says.
func (e *Environment) LoadBalancerClusters(log io.Writer) ([]loopbacklb.Cluster, error) {
	failures := e.failureWatcher(log)
	var clusters []loopbacklb.Cluster
	for i, c := range e.Clusters {
		cfg, err := RESTConfig(e.Kubeconfig, e.Context(c.Name))
		if err != nil {
			return nil, err
		}
		clusters = append(clusters, loopbacklb.Cluster{Name: c.Name, Config: cfg, Subnet: loopbacklb.SubnetFor(i), Failed: failures(c.Name)})
	}
	return clusters, nil
}

// RunStandIns runs, until ctx ends, every stand-in for what a cloud or a
// platform team provides: the load balancer controller (RunLoadBalancer)
// and a Gateway API implementation's route status (RunGatewayStandIn).
func (e *Environment) RunStandIns(ctx context.Context, log io.Writer) error {
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = e.RunLoadBalancer(ctx, log) })
	wg.Go(func() { errs[1] = e.RunGatewayStandIn(ctx, log) })
	wg.Wait()
	return errors.Join(errs...)
}

// RunGatewayStandIn writes HTTPRoute status in every application cluster
// as a Gateway controller would (package gatewaystandin) until ctx ends.
func (e *Environment) RunGatewayStandIn(ctx context.Context, log io.Writer) error {
	var clusters []gatewaystandin.Cluster
	for _, c := range e.Clusters {
		cfg, err := RESTConfig(e.Kubeconfig, e.Context(c.Name))
		if err != nil {
			return err
		}
		clusters = append(clusters, gatewaystandin.Cluster{Name: c.Name, Config: cfg})
	}
	return gatewaystandin.Run(ctx, clusters, log)
}
