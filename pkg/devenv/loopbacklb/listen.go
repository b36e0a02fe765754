package loopbacklb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
)

// pollInterval is how often listeners are reconciled without an event, so
// that a Failed switch takes effect within it.
const pollInterval = 200 * time.Millisecond

// Listen makes the addresses the assigners give real, for every cluster
// until ctx ends: on each address of a Service of type LoadBalancer it
// listens on the Service's TCP ports and answers any HTTP request with 200
// while the Service has a ready endpoint (in its EndpointSlices) and 503
// when it has none, as a cloud load balancer with no healthy target does.
// While a cluster's Failed says so, its listeners are closed: connections
// are refused, as when the cluster's data plane is down.
//
// Ports below 1024 need the privilege to bind them (root, or a low
// net.ipv4.ip_unprivileged_port_start); a port that cannot be bound is
// reported once and retried.
//
// Run calls it; tests may call it alone when the environment's own
// stand-in does not listen.
func Listen(ctx context.Context, clusters []Cluster, log io.Writer) error {
	errs := make(chan error, len(clusters))
	for _, c := range clusters {
		cs, err := kubernetes.NewForConfig(c.Config)
		if err != nil {
			return fmt.Errorf("cluster %s: %w", c.Name, err)
		}
		go func() { errs <- listen(ctx, c, cs, log) }()
	}
	var all []error
	for range clusters {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// listeners are one cluster's open load balancer ports.
type listeners struct {
	cluster  Cluster
	log      io.Writer
	services listersv1.ServiceLister
	slices   discoverylisters.EndpointSliceLister
	open     map[netip.AddrPort]*lbListener
	// unbindable remembers ports that failed to bind, to say so once.
	unbindable map[netip.AddrPort]string
}

// lbListener is one load balancer port of a Service.
type lbListener struct {
	service string // namespace/name
	server  *http.Server
}

func listen(ctx context.Context, c Cluster, client kubernetes.Interface, log io.Writer) error {
	factory := informers.NewSharedInformerFactory(client, 10*time.Minute)
	services := factory.Core().V1().Services()
	slices := factory.Discovery().V1().EndpointSlices()
	poke := make(chan struct{}, 1)
	notify := func(any) {
		select {
		case poke <- struct{}{}:
		default:
		}
	}
	handler := cache.ResourceEventHandlerFuncs{AddFunc: notify, UpdateFunc: func(_, o any) { notify(o) }, DeleteFunc: notify}
	if _, err := services.Informer().AddEventHandler(handler); err != nil {
		return err
	}
	l := &listeners{cluster: c, log: log, services: services.Lister(), slices: slices.Lister(),
		open: map[netip.AddrPort]*lbListener{}, unbindable: map[netip.AddrPort]string{}}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), services.Informer().HasSynced, slices.Informer().HasSynced) {
		return nil // ctx ended
	}
	defer l.closeAll()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		l.reconcile()
		select {
		case <-ctx.Done():
			return nil
		case <-poke:
		case <-tick.C:
		}
	}
}

// reconcile opens the ports of every load balancer address and closes
// the others, or closes them all while the cluster is failed.
func (l *listeners) reconcile() {
	want := map[netip.AddrPort]string{}
	if l.cluster.Failed == nil || !l.cluster.Failed() {
		svcs, err := l.services.List(labels.Everything())
		if err != nil {
			fmt.Fprintf(l.log, "cluster %s: listing services: %v\n", l.cluster.Name, err)
			return
		}
		for _, svc := range svcs {
			if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
				continue
			}
			for _, ing := range svc.Status.LoadBalancer.Ingress {
				ip, err := netip.ParseAddr(ing.IP)
				if err != nil || !l.cluster.Subnet.Contains(ip) {
					continue
				}
				for _, p := range svc.Spec.Ports {
					if p.Protocol == corev1.ProtocolTCP || p.Protocol == "" {
						want[netip.AddrPortFrom(ip, uint16(p.Port))] = svc.Namespace + "/" + svc.Name
					}
				}
			}
		}
	}
	for ap, open := range l.open {
		if want[ap] != open.service {
			open.server.Close()
			delete(l.open, ap)
		}
	}
	for ap, svc := range want {
		if l.open[ap] != nil {
			continue
		}
		ln, err := net.Listen("tcp", ap.String())
		if err != nil {
			if l.unbindable[ap] != err.Error() {
				l.unbindable[ap] = err.Error()
				fmt.Fprintf(l.log, "cluster %s: service %s: cannot listen on %s: %v (retrying)\n", l.cluster.Name, svc, ap, err)
			}
			continue
		}
		delete(l.unbindable, ap)
		ns, name, _ := cache.SplitMetaNamespaceKey(svc)
		srv := &http.Server{Handler: l.handler(ns, name), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		l.open[ap] = &lbListener{service: svc, server: srv}
	}
}

// handler answers for the Service: 200 with a ready endpoint, else 503.
func (l *listeners) handler(ns, name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		ready := l.readyEndpoints(ns, name)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if ready == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "cluster %s: service %s/%s has no ready endpoint\n", l.cluster.Name, ns, name)
			return
		}
		fmt.Fprintf(w, "cluster %s: service %s/%s: %s ready endpoints\n", l.cluster.Name, ns, name, strconv.Itoa(ready))
	})
}

// readyEndpoints counts the Service's ready endpoints in its
// EndpointSlices; a missing ready condition means ready (the API's rule).
func (l *listeners) readyEndpoints(ns, name string) int {
	slices, err := l.slices.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: name}))
	if err != nil {
		return 0
	}
	n := 0
	for _, s := range slices {
		for _, ep := range s.Endpoints {
			if ep.Conditions.Ready == nil || *ep.Conditions.Ready {
				n++
			}
		}
	}
	return n
}

func (l *listeners) closeAll() {
	for ap, open := range l.open {
		open.server.Close()
		delete(l.open, ap)
	}
}
