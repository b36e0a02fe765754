// Package gatewaystandin stands in for a Gateway API implementation's
// route status in the local environment, as loopbacklb stands in for a
// cloud's load balancer controller. It routes no traffic: for every
// HTTPRoute of every application cluster it writes status.parents[] as a
// Gateway controller would, one entry per parentRef with controllerName
// ControllerName:
//
//   - Accepted is True, for the route's metadata.generation, when the
//     parent Gateway exists (and has the listener its sectionName names),
//     and False with reason NoMatchingParent when it does not;
//   - ResolvedRefs is True when every backendRef's Service exists, and
//     False with reason BackendNotFound when one does not.
//
// So a test (or a demo) makes a route served by creating its Gateway, and
// keeps it unserved deterministically by naming a Gateway that does not
// exist. It is part of the environment, never of convoy: convoy only reads
// route status, exactly as it reads a real Gateway controller's.
package gatewaystandin

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// ControllerName is the stand-in's name in status.parents[].controllerName.
const ControllerName = "convoy.dev/gateway-stand-in"

// Reasons the stand-in gives, as a Gateway controller would.
const (
	ReasonAccepted         = "Accepted"
	ReasonNoMatchingParent = "NoMatchingParent"
	ReasonResolvedRefs     = "ResolvedRefs"
	ReasonBackendNotFound  = "BackendNotFound"
)

var (
	routes   = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}
	gateways = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "gateways"}
)

// Cluster is one application cluster to serve.
type Cluster struct {
	Name   string
	Config *rest.Config
}

// resync is how often every route is looked at with no event.
const resync = 5 * time.Second

// Run writes route status in every cluster until ctx ends.
func Run(ctx context.Context, clusters []Cluster, log io.Writer) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(clusters))
	for _, c := range clusters {
		dyn, err := dynamic.NewForConfig(c.Config)
		if err != nil {
			return fmt.Errorf("cluster %s: %w", c.Name, err)
		}
		cs, err := kubernetes.NewForConfig(c.Config)
		if err != nil {
			return fmt.Errorf("cluster %s: %w", c.Name, err)
		}
		wg.Go(func() { errs <- (&standIn{cluster: c.Name, dyn: dyn, client: cs, log: log}).run(ctx) })
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

type standIn struct {
	cluster  string
	dyn      dynamic.Interface
	client   kubernetes.Interface
	log      io.Writer
	routes   cache.GenericLister
	gateways cache.GenericLister
	services func(namespace, name string) bool
}

func (s *standIn) run(ctx context.Context) error {
	dynFactory := dynamicinformer.NewDynamicSharedInformerFactory(s.dyn, resync)
	factory := informers.NewSharedInformerFactory(s.client, resync)
	poke := make(chan struct{}, 1)
	nudge := func(any) {
		select {
		case poke <- struct{}{}:
		default:
		}
	}
	handler := cache.ResourceEventHandlerFuncs{AddFunc: nudge, UpdateFunc: func(_, o any) { nudge(o) }, DeleteFunc: nudge}
	routeInformer := dynFactory.ForResource(routes)
	gatewayInformer := dynFactory.ForResource(gateways)
	serviceInformer := factory.Core().V1().Services()
	for _, inf := range []cache.SharedIndexInformer{routeInformer.Informer(), gatewayInformer.Informer(), serviceInformer.Informer()} {
		if _, err := inf.AddEventHandler(handler); err != nil {
			return err
		}
	}
	s.routes, s.gateways = routeInformer.Lister(), gatewayInformer.Lister()
	services := serviceInformer.Lister()
	s.services = func(namespace, name string) bool {
		_, err := services.Services(namespace).Get(name)
		return err == nil
	}
	dynFactory.Start(ctx.Done())
	factory.Start(ctx.Done())
	defer dynFactory.Shutdown()
	defer factory.Shutdown()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-poke:
		}
		if !routeInformer.Informer().HasSynced() || !gatewayInformer.Informer().HasSynced() || !serviceInformer.Informer().HasSynced() {
			time.Sleep(100 * time.Millisecond)
			nudge(nil)
			continue
		}
		s.sync(ctx)
	}
}

// sync writes the status of every route whose status is not what the
// stand-in says.
func (s *standIn) sync(ctx context.Context) {
	objs, err := s.routes.List(labels.Everything())
	if err != nil {
		return
	}
	for _, obj := range objs {
		route, ok := obj.(*unstructured.Unstructured)
		if !ok {
			continue
		}
		want := s.status(route)
		if reflect.DeepEqual(withoutTimes(route.Object["status"]), withoutTimes(want)) {
			continue
		}
		updated := route.DeepCopy()
		updated.Object["status"] = want
		if _, err := s.dyn.Resource(routes).Namespace(route.GetNamespace()).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
			// A conflict or a route just deleted: the next event or
			// resync looks again.
			fmt.Fprintf(s.log, "gateway stand-in: cluster %s: HTTPRoute %s/%s: %v\n", s.cluster, route.GetNamespace(), route.GetName(), err)
		}
	}
}

// status is the route's status as the stand-in writes it: other
// controllers' entries kept, its own one per parentRef, transition times
// kept while a condition's status does not change.
func (s *standIn) status(route *unstructured.Unstructured) map[string]any {
	old, _, _ := unstructured.NestedSlice(route.Object, "status", "parents")
	var parents []any
	previous := map[string]map[string]any{} // our conditions by parent and type
	for _, p := range old {
		m, _ := p.(map[string]any)
		if m["controllerName"] != ControllerName {
			parents = append(parents, p)
			continue
		}
		ref, _, _ := unstructured.NestedMap(m, "parentRef")
		conds, _, _ := unstructured.NestedSlice(m, "conditions")
		for _, c := range conds {
			cm, _ := c.(map[string]any)
			previous[fmt.Sprint(ref)+"|"+fmt.Sprint(cm["type"])] = cm
		}
	}
	refs, _, _ := unstructured.NestedSlice(route.Object, "spec", "parentRefs")
	resolved, unresolved := s.backends(route)
	now := time.Now().UTC().Format(time.RFC3339)
	for _, r := range refs {
		ref, _ := r.(map[string]any)
		accepted, why := s.accepts(route.GetNamespace(), ref)
		condition := func(typ string, ok bool, reason, message string) any {
			status := "False"
			if ok {
				status = "True"
			}
			since := now
			if prev := previous[fmt.Sprint(ref)+"|"+typ]; prev != nil && prev["status"] == status {
				if t, ok := prev["lastTransitionTime"].(string); ok {
					since = t
				}
			}
			return map[string]any{"type": typ, "status": status, "reason": reason, "message": message,
				"observedGeneration": route.GetGeneration(), "lastTransitionTime": since}
		}
		acceptedReason, resolvedReason := ReasonAccepted, ReasonResolvedRefs
		if !accepted {
			acceptedReason = ReasonNoMatchingParent
		}
		if !resolved {
			resolvedReason = ReasonBackendNotFound
		}
		parents = append(parents, map[string]any{
			"parentRef":      ref,
			"controllerName": ControllerName,
			"conditions": []any{
				condition("Accepted", accepted, acceptedReason, why),
				condition("ResolvedRefs", resolved, resolvedReason, unresolved),
			},
		})
	}
	if parents == nil {
		parents = []any{}
	}
	return map[string]any{"parents": parents}
}

// accepts tells whether the parent Gateway exists (with the listener
// sectionName names), and says so.
func (s *standIn) accepts(namespace string, ref map[string]any) (bool, string) {
	if kind, ok := ref["kind"].(string); ok && kind != "Gateway" {
		return false, fmt.Sprintf("the stand-in serves Gateways, not %s", kind)
	}
	if ns, ok := ref["namespace"].(string); ok && ns != "" {
		namespace = ns
	}
	name, _ := ref["name"].(string)
	obj, err := s.gateways.ByNamespace(namespace).Get(name)
	if err != nil {
		return false, fmt.Sprintf("Gateway %s/%s does not exist in cluster %s", namespace, name, s.cluster)
	}
	section, _ := ref["sectionName"].(string)
	if section == "" {
		return true, fmt.Sprintf("accepted by Gateway %s/%s (stand-in)", namespace, name)
	}
	gw, _ := obj.(*unstructured.Unstructured)
	listeners, _, _ := unstructured.NestedSlice(gw.Object, "spec", "listeners")
	for _, l := range listeners {
		if lm, _ := l.(map[string]any); lm["name"] == section {
			return true, fmt.Sprintf("accepted by listener %s of Gateway %s/%s (stand-in)", section, namespace, name)
		}
	}
	return false, fmt.Sprintf("Gateway %s/%s has no listener %s", namespace, name, section)
}

// backends tells whether every backendRef's Service exists, and names
// those that do not.
func (s *standIn) backends(route *unstructured.Unstructured) (bool, string) {
	rules, _, _ := unstructured.NestedSlice(route.Object, "spec", "rules")
	var missing []string
	for _, rule := range rules {
		rm, _ := rule.(map[string]any)
		refs, _, _ := unstructured.NestedSlice(rm, "backendRefs")
		for _, r := range refs {
			ref, _ := r.(map[string]any)
			if kind, ok := ref["kind"].(string); ok && kind != "Service" {
				continue
			}
			ns := route.GetNamespace()
			if n, ok := ref["namespace"].(string); ok && n != "" {
				ns = n
			}
			name, _ := ref["name"].(string)
			if !s.services(ns, name) {
				missing = append(missing, ns+"/"+name)
			}
		}
	}
	if len(missing) > 0 {
		return false, fmt.Sprintf("Services not found: %v", missing)
	}
	return true, "every backend Service exists"
}

// withoutTimes is a status without its conditions' transition times, to
// compare.
func withoutTimes(status any) any {
	m, ok := status.(map[string]any)
	if !ok {
		return nil
	}
	m = (&unstructured.Unstructured{Object: m}).DeepCopy().Object
	parents, _, _ := unstructured.NestedSlice(m, "parents")
	for _, p := range parents {
		pm, _ := p.(map[string]any)
		conds, _, _ := unstructured.NestedSlice(pm, "conditions")
		for _, c := range conds {
			delete(c.(map[string]any), "lastTransitionTime")
		}
		pm["conditions"] = conds
	}
	if parents == nil {
		parents = []any{}
	}
	m["parents"] = parents
	return m
}
