// Package loopbacklb stands in for a cloud's load balancer controller in the
// local environment. Each application cluster gets a /24 of the loopback
// range; every Service of type LoadBalancer there gets the next free address
// of it in status.loadBalancer.ingress, as a cloud would assign a public one,
// and the address really listens on the Service's TCP ports, answering 200
// while the Service has ready endpoints and 503 when it has none (listen.go).
//
// It is part of the environment, not of convoy: convoy only reads the
// addresses, exactly as it reads a cloud's.
package loopbacklb

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Cluster is one application cluster to serve.
type Cluster struct {
	Name   string
	Config *rest.Config
	// Subnet is the /24 its addresses come from; see SubnetFor.
	Subnet netip.Prefix
	// Failed, when set and true, breaks the cluster's data plane on
	// purpose: its load balancers refuse connections (see Listen).
	Failed func() bool
}

// SubnetFor is the address range of the i-th application cluster
// (127.1.<i+1>.0/24), so addresses tell at a glance which cluster they are in.
func SubnetFor(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{127, 1, byte(i + 1), 0}), 24)
}

// Run serves every cluster until ctx ends: assigns addresses and listens
// on them (see Listen).
func Run(ctx context.Context, clusters []Cluster, log io.Writer) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(clusters)+1)
	wg.Go(func() { errs <- Listen(ctx, clusters, log) })
	for _, c := range clusters {
		cs, err := kubernetes.NewForConfig(c.Config)
		if err != nil {
			return fmt.Errorf("cluster %s: %w", c.Name, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- (&assigner{cluster: c, client: cs, log: log, assigned: map[string]netip.Addr{}}).run(ctx)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

type assigner struct {
	cluster Cluster
	client  kubernetes.Interface
	log     io.Writer
	lister  func() ([]*corev1.Service, error)
	get     func(namespace, name string) (*corev1.Service, error)
	// assigned remembers the addresses this assigner gave out, since the
	// informer cache may not show an assignment yet when the next Service
	// asks. Only the single worker goroutine touches it.
	assigned map[string]netip.Addr
}

func (a *assigner) run(ctx context.Context) error {
	factory := informers.NewSharedInformerFactory(a.client, 10*time.Minute)
	services := factory.Core().V1().Services()
	queue := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
	defer queue.ShutDown()
	enqueue := func(obj any) {
		if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
			queue.Add(key)
		}
	}
	if _, err := services.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: func(obj any) {
			if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				queue.Add(key)
			}
		},
	}); err != nil {
		return err
	}
	a.lister = func() ([]*corev1.Service, error) { return services.Lister().List(labels.Everything()) }
	a.get = func(ns, name string) (*corev1.Service, error) { return services.Lister().Services(ns).Get(name) }
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), services.Informer().HasSynced) {
		return ctx.Err()
	}
	go func() { <-ctx.Done(); queue.ShutDown() }()
	for {
		key, shutdown := queue.Get()
		if shutdown {
			return nil
		}
		if err := a.assign(ctx, key); err != nil {
			fmt.Fprintf(a.log, "cluster %s: service %s: %v (retrying)\n", a.cluster.Name, key, err)
			queue.AddRateLimited(key)
		} else {
			queue.Forget(key)
		}
		queue.Done(key)
	}
}

// assign gives the Service an address unless it has one from this cluster's
// subnet or is not a LoadBalancer.
func (a *assigner) assign(ctx context.Context, key string) error {
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	svc, err := a.get(ns, name)
	if apierrors.IsNotFound(err) {
		delete(a.assigned, key)
		return nil
	}
	if err != nil {
		return err
	}
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer || a.hasAddress(svc) {
		return nil
	}
	addr, err := a.nextFree()
	if err != nil {
		return err
	}
	svc = svc.DeepCopy()
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: addr.String(), IPMode: ptr(corev1.LoadBalancerIPModeVIP)}}
	if _, err := a.client.CoreV1().Services(ns).UpdateStatus(ctx, svc, metav1.UpdateOptions{}); err != nil {
		return err
	}
	a.assigned[key] = addr
	fmt.Fprintf(a.log, "cluster %s: service %s: load balancer address %s\n", a.cluster.Name, key, addr)
	return nil
}

func (a *assigner) hasAddress(svc *corev1.Service) bool {
	for _, ing := range svc.Status.LoadBalancer.Ingress {
		if ip, err := netip.ParseAddr(ing.IP); err == nil && a.cluster.Subnet.Contains(ip) {
			return true
		}
	}
	return false
}

// nextFree returns the lowest address of the subnet that no Service holds
// and that this assigner has not just given out.
func (a *assigner) nextFree() (netip.Addr, error) {
	svcs, err := a.lister()
	if err != nil {
		return netip.Addr{}, err
	}
	used := map[netip.Addr]bool{}
	for _, addr := range a.assigned {
		used[addr] = true
	}
	for _, s := range svcs {
		for _, ing := range s.Status.LoadBalancer.Ingress {
			if ip, err := netip.ParseAddr(ing.IP); err == nil {
				used[ip] = true
			}
		}
	}
	for addr := a.cluster.Subnet.Addr().Next(); a.cluster.Subnet.Contains(addr); addr = addr.Next() {
		if !used[addr] && addr.As4()[3] != 255 {
			return addr, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("no free address left in %s", a.cluster.Subnet)
}

func ptr[T any](v T) *T { return &v }
