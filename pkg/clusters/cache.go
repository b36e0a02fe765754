package clusters

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Watched are the kinds convoy watches in application clusters, always
// filtered to convoy's own objects, so memory grows with convoy's objects
// and not with everything the clusters run.
var Watched = []client.Object{&appsv1.Deployment{}, &corev1.Pod{}, &corev1.Service{}}

// ReleaseIndex indexes every kind of the clusters' caches by the
// convoy.dev/release label, so that finding one release's pods, Deployment
// or Services reads those objects only: a label selector alone scans every
// object of the namespace (or the cluster), and at a thousand applications
// in one namespace that made each capacity reconcile match thousands of
// pods. Use it through OfRelease.
const ReleaseIndex = "convoy.dev/release"

// OfRelease selects a release's objects in a cluster's cache (with
// InNamespace, those of one namespace) through ReleaseIndex. The cache
// holds convoy's own objects only (its label selector), so the index is
// the whole selection.
func OfRelease(release string) client.ListOption {
	return client.MatchingFields{ReleaseIndex: release}
}

func releaseOf(obj client.Object) []string {
	if rel := obj.GetLabels()[convoyv1alpha1.LabelRelease]; rel != "" {
		return []string{rel}
	}
	return nil
}

// cacheSyncTimeout bounds the wait for a new cluster cache to fill.
const cacheSyncTimeout = 30 * time.Second

// Handler is told about every change to a watched object of any cluster.
type Handler func(cluster string, obj client.Object)

type clusterCache struct {
	version string
	// ready is closed once the cache has synced (cache and stop are set)
	// or failed to (err is set).
	ready chan struct{}
	cache cache.Cache
	stop  context.CancelFunc
	err   error
}

// caches holds the Store's per-cluster caches.
type caches struct {
	mu       sync.Mutex
	byName   map[string]*clusterCache
	handlers []changeHandler
	// kinds are watched on top of Watched, as controllers asked (Watch).
	kinds []client.Object
}

// Watch adds kinds to those watched in every cluster, with the same label
// filter and the same OnChange handlers, for a controller that needs more
// than Watched. Register kinds before the first Cache.
func (s *Store) Watch(kinds ...client.Object) {
	s.caches.mu.Lock()
	defer s.caches.mu.Unlock()
	for _, kind := range kinds {
		if !slices.ContainsFunc(s.caches.watched(), func(k client.Object) bool { return reflect.TypeOf(k) == reflect.TypeOf(kind) }) {
			s.caches.kinds = append(s.caches.kinds, kind)
		}
	}
}

// watched is every kind a cluster cache watches.
func (cs *caches) watched() []client.Object {
	return append(slices.Clone(Watched), cs.kinds...)
}

// changeHandler is told about a change with the object before it (nil
// when it was added or deleted) and after.
type changeHandler func(cluster string, old, obj client.Object)

// OnChange registers a handler for changes to watched objects in every
// cluster, present and future. Register handlers before the first Cache.
func (s *Store) OnChange(h Handler) {
	s.onChange(func(cluster string, _, obj client.Object) { h(cluster, obj) })
}

func (s *Store) onChange(h changeHandler) {
	s.caches.mu.Lock()
	defer s.caches.mu.Unlock()
	s.caches.handlers = append(s.caches.handlers, h)
}

// Cache returns a started cache of the named cluster's convoy-labelled
// Deployments, Pods and Services (and the kinds added by Watch), built on
// first use and rebuilt when the cluster's URL or credentials change. One
// caller builds it while others of the same cluster wait, and nobody holds
// the Store meanwhile: a cluster that does not answer delays only its own
// callers, for up to cacheSyncTimeout.
func (s *Store) Cache(ctx context.Context, name string) (cache.Cache, error) {
	cfg, version, err := s.config(ctx, name)
	if err != nil {
		return nil, err
	}
	s.caches.mu.Lock()
	cc, ok := s.caches.byName[name]
	if !ok || cc.version != version {
		if ok && cc.stop != nil {
			cc.stop() // built from the old URL or credentials
		}
		cc = &clusterCache{version: version, ready: make(chan struct{})}
		if s.caches.byName == nil {
			s.caches.byName = map[string]*clusterCache{}
		}
		s.caches.byName[name] = cc
		go s.build(name, cfg, cc, s.caches.watched())
	}
	s.caches.mu.Unlock()
	select {
	case <-cc.ready:
		if cc.err != nil {
			return nil, cc.err
		}
		return cc.cache, nil
	case <-ctx.Done():
		return nil, &Error{name, ReasonClusterUnreachable, fmt.Errorf("waiting for the cache of cluster %s: %w", name, ctx.Err())}
	}
}

// build starts a cache of the kinds in a cluster and waits, at most
// cacheSyncTimeout, for it to sync. Then it replaces the cluster's previous
// cache; a cache that did not sync is dropped, for the next caller to try
// again.
func (s *Store) build(name string, cfg *rest.Config, cc *clusterCache, kinds []client.Object) {
	defer close(cc.ready)
	// The cache outlives the request that asked for it, until it is
	// replaced.
	cacheCtx, stop := context.WithCancel(context.Background())
	c, err := s.start(cacheCtx, name, cfg, kinds)
	s.caches.mu.Lock()
	defer s.caches.mu.Unlock()
	current := s.caches.byName[name] == cc
	if err != nil || !current {
		stop()
		if current {
			delete(s.caches.byName, name)
		}
		cc.err = err
		if err == nil {
			cc.err = &Error{name, ReasonClusterUnreachable, fmt.Errorf("the cache of cluster %s was replaced while it was built", name)}
		}
		return
	}
	cc.cache, cc.stop = c, stop
}

// start starts a cache of the kinds in a cluster and waits for it to sync.
func (s *Store) start(ctx context.Context, name string, cfg *rest.Config, kinds []client.Object) (cache.Cache, error) {
	// Watches are long-lived requests: no client-side timeout.
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = 0
	managed := labels.SelectorFromSet(labels.Set{convoyv1alpha1.LabelManagedBy: convoyv1alpha1.ManagedByConvoy})
	c, err := cache.New(cfg, cache.Options{Scheme: s.Scheme, DefaultLabelSelector: managed, DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{&corev1.Pod{}: {Transform: slimPod}}})
	if err != nil {
		return nil, &Error{name, ReasonClusterUnreachable, err}
	}
	for _, kind := range kinds {
		if err := c.IndexField(ctx, kind, ReleaseIndex, releaseOf); err != nil {
			return nil, &Error{name, ReasonClusterUnreachable, err}
		}
		informer, err := c.GetInformer(ctx, kind)
		if err != nil {
			return nil, &Error{name, ReasonClusterUnreachable, err}
		}
		if _, err := informer.AddEventHandler(s.caches.notify(name)); err != nil {
			return nil, err
		}
	}
	go func() { _ = c.Start(ctx) }()
	syncCtx, cancel := context.WithTimeout(ctx, cacheSyncTimeout)
	defer cancel()
	if !c.WaitForCacheSync(syncCtx) {
		return nil, &Error{name, ReasonClusterUnreachable, fmt.Errorf("cache of cluster %s did not sync within %s", name, cacheSyncTimeout)}
	}
	return c, nil
}

// slimPod keeps what convoy reads of a pod: its identity, labels and why
// it is not ready (pkg/controller/capacity's sad pods). Pods are most of
// what the caches hold, a few for every release in every cluster, and
// their spec, timestamps, addresses and images are most of a pod.
func slimPod(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	pod.ManagedFields = nil
	pod.Annotations = nil
	pod.OwnerReferences = nil
	pod.Spec = corev1.PodSpec{}
	status := corev1.PodStatus{Phase: pod.Status.Phase}
	for _, c := range pod.Status.Conditions {
		status.Conditions = append(status.Conditions, corev1.PodCondition{Type: c.Type, Status: c.Status})
	}
	status.InitContainerStatuses = slimContainers(pod.Status.InitContainerStatuses)
	status.ContainerStatuses = slimContainers(pod.Status.ContainerStatuses)
	pod.Status = status
	return pod, nil
}

// slimContainers keeps each container's name, why it waits and how it
// exited.
func slimContainers(statuses []corev1.ContainerStatus) []corev1.ContainerStatus {
	var out []corev1.ContainerStatus
	for _, cs := range statuses {
		slim := corev1.ContainerStatus{Name: cs.Name}
		if w := cs.State.Waiting; w != nil {
			slim.State.Waiting = &corev1.ContainerStateWaiting{Reason: w.Reason}
		}
		if t := cs.State.Terminated; t != nil {
			slim.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: t.ExitCode}
		}
		out = append(out, slim)
	}
	return out
}

func (cs *caches) notify(cluster string) toolscache.ResourceEventHandler {
	call := func(old, obj any) {
		if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		o, ok := obj.(client.Object)
		if !ok {
			return
		}
		before, _ := old.(client.Object)
		cs.mu.Lock()
		handlers := cs.handlers
		cs.mu.Unlock()
		for _, h := range handlers {
			h(cluster, before, o)
		}
	}
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { call(nil, obj) },
		UpdateFunc: call,
		DeleteFunc: func(obj any) { call(nil, obj) },
	}
}

// Changes is a controller source of changes to the watched objects of
// every application cluster: those filter keeps (old is nil for an object
// added or deleted), mapped to requests by toRequests. Requests go
// straight into the controller's queue, which merges duplicates, so a
// burst of changes (a thousand releases' pods starting) is never dropped,
// as it was from a bounded channel.
func (s *Store) Changes(filter func(old, obj client.Object) bool, toRequests handler.MapFunc) source.Source {
	return source.Func(func(ctx context.Context, queue workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		s.onChange(func(_ string, old, obj client.Object) {
			if !filter(old, obj) {
				return
			}
			for _, req := range toRequests(ctx, obj) {
				queue.Add(req)
			}
		})
		return nil
	})
}
