package traffic

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/dnsrecords"
)

// Reasons a (cluster, release) has no endpoint.
const (
	ReasonServiceNotFound        = "ServiceNotFound"
	ReasonServiceNotLoadBalancer = "ServiceNotLoadBalancer"
	ReasonAmbiguousService       = "AmbiguousService"
	ReasonNoLoadBalancerAddress  = "NoLoadBalancerAddress"
)

// endpoint is where a release answers in one cluster: its load balancer's
// IPs, or its hostname when it has no IPs.
type endpoint struct {
	addresses []string
	target    string
	// port is the Service's first TCP port, which health checks probe by
	// default; 0 when it has none.
	port int32
	// service is the release's backend Service in an HTTPRoute
	// (gateway.go).
	service string
}

// verdict says why a (cluster, release) gets no weight; the zero verdict
// means it may.
type verdict struct {
	reason, message string
	// stalled: nothing changes this without a change to the source or the
	// Application (a Service of the wrong type), unlike a pending address.
	stalled bool
	// frozen: convoy cannot see the cluster, and the endpoint keeps at
	// most the weight it carries (see gate.go).
	frozen bool
}

func (v verdict) ok() bool { return v.reason == "" }

// endpointIn finds the release's endpoint in a cluster: the address of its
// Service of type LoadBalancer (the one traffic.dns.serviceName names, when
// the release has several).
func (r *Reconciler) endpointIn(ctx context.Context, cluster string, rel *convoyv1alpha1.Release) (endpoint, verdict) {
	cache, err := r.Clusters.Cache(ctx, cluster)
	if err != nil {
		return endpoint{}, clusterVerdict(err)
	}
	services := &corev1.ServiceList{}
	if err := cache.List(ctx, services, clusters.OfRelease(rel.Name)); err != nil {
		return endpoint{}, clusterVerdict(err)
	}
	want := rel.Spec.Environment.Traffic.DNS.ServiceName
	var named, balancers []*corev1.Service
	for i := range services.Items {
		svc := &services.Items[i]
		if want != "" && !namedAfter(svc.Name, want, rel.Name) {
			continue
		}
		named = append(named, svc)
		if svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
			balancers = append(balancers, svc)
		}
	}
	which := "a Service"
	if want != "" {
		which = fmt.Sprintf("a Service named %s", want)
	}
	switch {
	case len(named) == 0:
		return endpoint{}, verdict{reason: ReasonServiceNotFound, stalled: true,
			message: fmt.Sprintf("release %s has no %s in cluster %s: DNS traffic needs its Service of type LoadBalancer", rel.Name, strings.TrimPrefix(which, "a "), cluster)}
	case len(balancers) == 0:
		svc := named[0]
		return endpoint{}, verdict{reason: ReasonServiceNotLoadBalancer, stalled: true,
			message: fmt.Sprintf("Service %s/%s of release %s in cluster %s is of type %s: DNS traffic needs a Service of type LoadBalancer", svc.Namespace, svc.Name, rel.Name, cluster, typeOf(svc))}
	case len(balancers) > 1:
		var names []string
		for _, svc := range balancers {
			names = append(names, svc.Namespace+"/"+svc.Name)
		}
		slices.Sort(names)
		return endpoint{}, verdict{reason: ReasonAmbiguousService, stalled: true,
			message: fmt.Sprintf("release %s has %d Services of type LoadBalancer in cluster %s (%s): name one with traffic.dns.serviceName", rel.Name, len(balancers), cluster, strings.Join(names, ", "))}
	}
	svc := balancers[0]
	var ep endpoint
	for _, p := range svc.Spec.Ports {
		if p.Protocol == corev1.ProtocolTCP || p.Protocol == "" {
			ep.port = p.Port
			break
		}
	}
	for _, ing := range svc.Status.LoadBalancer.Ingress {
		if addr, err := netip.ParseAddr(ing.IP); err == nil {
			ep.addresses = append(ep.addresses, addr.String())
		} else if ing.Hostname != "" && ep.target == "" {
			ep.target = dnsrecords.Normalize(ing.Hostname)
		}
	}
	if len(ep.addresses) > 0 {
		ep.target = ""
		slices.Sort(ep.addresses)
		ep.addresses = slices.Compact(ep.addresses)
	} else if ep.target == "" {
		return endpoint{}, verdict{reason: ReasonNoLoadBalancerAddress,
			message: fmt.Sprintf("Service %s/%s of release %s in cluster %s has no load balancer address yet", svc.Namespace, svc.Name, rel.Name, cluster)}
	}
	return ep, verdict{}
}

// namedAfter matches a Service's name against traffic.dns.serviceName as
// written in the source: installation may make it distinct per release
// with the release's name as a suffix, and charts often prefix it.
func namedAfter(name, want, release string) bool {
	return name == want || name == want+"-"+release || name == release+"-"+want
}

func typeOf(svc *corev1.Service) corev1.ServiceType {
	if svc.Spec.Type == "" {
		return corev1.ServiceTypeClusterIP
	}
	return svc.Spec.Type
}

// clusterVerdict is the verdict for a cluster that cannot be read.
func clusterVerdict(err error) verdict {
	return verdict{reason: string(clusters.ReasonOf(err)), message: err.Error()}
}
