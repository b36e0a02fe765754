// Command scale-floor is the floor convoy's scale benchmark (make
// bench-scale, test/scale) is held against: what it costs to put N
// applications' objects into the application clusters with no rollout
// engine at all. It renders each copy of an Application exactly as convoy
// would install its first release (the same names, labels and selectors:
// pkg/controller/installation.Objects, as convoy render does), then, on the
// clock, server-side applies every object straight into every cluster from
// a plain parallel client and waits until every Deployment is available.
//
// Usage:
//
//	scale-floor -f application.yaml --apps 300 --namespace floor \
//	  --kubeconfig KUBECONFIG --contexts ctx1,ctx2,ctx3 [--cleanup] [--json]
//
// The Application's name is the prefix of its copies (app → app-0000,
// app-0001, ...), as test/scale names its Applications; its namespace is
// replaced by --namespace, which is created in each cluster when missing.
// Its chart source must be reachable from here. --cleanup deletes the
// namespace from every cluster afterwards and waits until it is gone, so
// that the next measurement starts from clean clusters. The figures go to
// stderr for people and, with --json, as one JSON object (Result) on the
// last line of stdout, for the benchmark.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	toolscache "k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/controller/application"
	"github.com/convoy-rollouts/convoy/pkg/controller/installation"
	"github.com/convoy-rollouts/convoy/pkg/devenv"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/pkg/render/kustomize"
)

// fieldOwner is the floor's field manager in the clusters.
const fieldOwner = "convoy-scale-floor"

// Result is what a run measured, in seconds.
type Result struct {
	Apps     int `json:"apps"`
	Clusters int `json:"clusters"`
	// Objects is how many objects were applied, over every cluster.
	Objects int `json:"objects"`
	// Render is rendering every copy, before the clock starts.
	Render float64 `json:"renderSeconds"`
	// Applied is from the clock's start until the last apply returned;
	// Available until every Deployment in every cluster was available:
	// the floor.
	Applied   float64 `json:"appliedSeconds"`
	Available float64 `json:"availableSeconds"`
	// Cleanup is deleting the namespace until it was gone everywhere (0
	// without --cleanup).
	Cleanup float64 `json:"cleanupSeconds"`
}

type options struct {
	file, kubeconfig, namespace, cacheDir string
	contexts                              []string
	apps, workers                         int
	timeout                               time.Duration
	cleanup, json                         bool
}

func main() {
	var o options
	var contexts string
	// A flag set of its own: controller-runtime's packages register
	// --kubeconfig on the global one.
	fs := flag.NewFlagSet("scale-floor", flag.ExitOnError)
	fs.StringVar(&o.file, "f", "", "the Application whose copies are applied (YAML)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig with a context per application cluster")
	fs.StringVar(&contexts, "contexts", "", "comma-separated kubeconfig contexts of the application clusters to apply to")
	fs.StringVar(&o.namespace, "namespace", "", "namespace of the objects in every cluster (created when missing)")
	fs.StringVar(&o.cacheDir, "cache-dir", "", "where charts are cached (default: a temporary directory)")
	fs.IntVar(&o.apps, "apps", 10, "how many copies of the Application")
	fs.IntVar(&o.workers, "workers", 32, "parallel requests")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "bound of the whole run")
	fs.BoolVar(&o.cleanup, "cleanup", false, "delete the namespace from every cluster afterwards and wait until it is gone")
	fs.BoolVar(&o.json, "json", false, "print the Result as JSON on the last line of stdout")
	_ = fs.Parse(os.Args[1:]) // ExitOnError
	for _, c := range strings.Split(contexts, ",") {
		if c = strings.TrimSpace(c); c != "" {
			o.contexts = append(o.contexts, c)
		}
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "scale-floor:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	switch {
	case o.file == "":
		return errors.New("-f: name the Application to copy")
	case o.kubeconfig == "":
		return errors.New("--kubeconfig: required")
	case len(o.contexts) == 0:
		return errors.New("--contexts: name at least one application cluster's context")
	case o.namespace == "":
		return errors.New("--namespace: required")
	case o.apps < 1 || o.workers < 1:
		return fmt.Errorf("--apps %d, --workers %d: both must be positive", o.apps, o.workers)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	app, err := loadApplication(o.file)
	if err != nil {
		return err
	}
	if o.cacheDir == "" {
		dir, err := os.MkdirTemp("", "scale-floor-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.cacheDir = dir
	}
	clusters, err := connect(o.kubeconfig, o.contexts)
	if err != nil {
		return err
	}
	res := Result{Apps: o.apps, Clusters: len(clusters)}

	start := time.Now()
	objs, err := renderCopies(ctx, o, app)
	if err != nil {
		return err
	}
	res.Render = time.Since(start).Seconds()
	var deployments []string
	for _, perApp := range objs {
		for _, obj := range perApp {
			if obj.GetKind() == "Deployment" && obj.GroupVersionKind().Group == appsv1.GroupName {
				deployments = append(deployments, obj.GetName())
			}
		}
		res.Objects += len(perApp) * len(clusters)
	}
	progress("rendered %d copies of %s (%d objects each cluster) in %.1fs", o.apps, app.Name, res.Objects/len(clusters), res.Render)
	for _, c := range clusters {
		if err := c.ensureNamespace(ctx, o.namespace); err != nil {
			return err
		}
	}
	if o.cleanup {
		defer func() {
			begin := time.Now()
			if err := deleteNamespace(o.timeout, clusters, o.namespace); err != nil {
				fmt.Fprintln(os.Stderr, "scale-floor: cleanup:", err)
			}
			res.Cleanup = time.Since(begin).Seconds()
			progress("namespace %s deleted from every cluster in %.1fs", o.namespace, res.Cleanup)
			if o.json {
				out, _ := json.Marshal(res)
				fmt.Println(string(out))
			}
		}()
	}

	// On the clock: every object into every cluster, in parallel, then
	// every Deployment available.
	start = time.Now()
	waits := make(chan error, len(clusters))
	availableAt := make([]time.Time, len(clusters))
	if err := applyAll(ctx, o.workers, clusters, o.namespace, objs); err != nil {
		return err
	}
	res.Applied = time.Since(start).Seconds()
	progress("applied %d objects to %d clusters in %.1fs", res.Objects, len(clusters), res.Applied)
	for i, c := range clusters {
		go func() {
			err := c.awaitAvailable(ctx, o.namespace, deployments)
			availableAt[i] = time.Now()
			waits <- err
		}()
	}
	for range clusters {
		if err := <-waits; err != nil {
			return err
		}
	}
	last := start
	for _, at := range availableAt {
		if at.After(last) {
			last = at
		}
	}
	res.Available = last.Sub(start).Seconds()
	progress("every Deployment of the %d copies available in %d clusters %.1fs after the clock started (floor)", o.apps, len(clusters), res.Available)
	if o.json && !o.cleanup {
		out, _ := json.Marshal(res)
		fmt.Println(string(out))
	}
	return nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "scale-floor %s: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

func loadApplication(path string) (*convoyv1alpha1.Application, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	app := &convoyv1alpha1.Application{}
	if err := yaml.UnmarshalStrict(data, app); err != nil {
		return nil, fmt.Errorf("%s: not an Application: %w", path, err)
	}
	if app.Name == "" {
		return nil, fmt.Errorf("%s: metadata.name: the prefix of the copies' names is missing", path)
	}
	return app, nil
}

// renderCopies renders the first release of each copy of app as the
// controllers would install it: the application controller's release name,
// the release controller's InstallationTarget (its source resolved once:
// every copy pins the same version), the installation controller's
// objects. The same path as convoy render (pkg/cli/offline).
func renderCopies(ctx context.Context, o options, app *convoyv1alpha1.Application) ([][]*unstructured.Unstructured, error) {
	renderer, err := manager.Renderer(o.cacheDir)
	if err != nil {
		return nil, err
	}
	resolved, err := renderer.Resolve(ctx, app.Spec.Template.Source, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: resolving spec.template.source: %w", o.file, err)
	}
	out := make([][]*unstructured.Unstructured, o.apps)
	err = parallel(ctx, o.workers, o.apps, func(ctx context.Context, i int) error {
		cp := app.DeepCopy()
		cp.Name, cp.Namespace = copyName(app.Name, i), o.namespace
		name, err := application.ReleaseName(cp, 1)
		if err != nil {
			return fmt.Errorf("naming the release of %s: %w", cp.Name, err)
		}
		it := &convoyv1alpha1.InstallationTarget{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: cp.Namespace, Labels: map[string]string{
				convoyv1alpha1.LabelApplication: cp.Name,
				convoyv1alpha1.LabelRelease:     name,
			}},
			Spec: convoyv1alpha1.InstallationTargetSpec{Source: resolved, Values: cp.Spec.Template.Values},
		}
		objs, err := installation.Objects(ctx, renderer, kustomize.Distinguish, it, nil)
		if err != nil {
			return fmt.Errorf("rendering %s as release %s: %w", cp.Name, name, err)
		}
		out[i] = objs
		return nil
	})
	return out, err
}

// copyName names copy i of the Application named prefix, as test/scale
// names its Applications.
func copyName(prefix string, i int) string { return fmt.Sprintf("%s-%04d", prefix, i) }

// cluster is one application cluster's clients.
type cluster struct {
	context string
	c       client.Client
	cs      kubernetes.Interface
}

func connect(kubeconfig string, contexts []string) ([]*cluster, error) {
	var out []*cluster
	for _, name := range contexts {
		cfg, err := devenv.RESTConfig(kubeconfig, name)
		if err != nil {
			return nil, err
		}
		// A plain parallel client, not held back by client-go's default
		// rate limiter.
		cfg.QPS, cfg.Burst = 1000, 2000
		c, err := client.New(cfg, client.Options{Scheme: devenv.Scheme})
		if err != nil {
			return nil, fmt.Errorf("context %s: %w", name, err)
		}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("context %s: %w", name, err)
		}
		out = append(out, &cluster{context: name, c: c, cs: cs})
	}
	return out, nil
}

func (c *cluster) ensureNamespace(ctx context.Context, ns string) error {
	err := c.c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("context %s: creating namespace %s: %w", c.context, ns, err)
	}
	return nil
}

// applyAll server-side applies every copy's objects into every cluster,
// workers requests at a time; each copy's objects go in install order.
func applyAll(ctx context.Context, workers int, clusters []*cluster, ns string, objs [][]*unstructured.Unstructured) error {
	return parallel(ctx, workers, len(objs)*len(clusters), func(ctx context.Context, k int) error {
		c, perApp := clusters[k%len(clusters)], objs[k/len(clusters)]
		for _, obj := range perApp {
			obj := obj.DeepCopy()
			obj.SetNamespace(ns)
			if err := c.c.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner(fieldOwner), client.ForceOwnership); err != nil {
				return fmt.Errorf("context %s: applying %s %s/%s: %w", c.context, obj.GetKind(), ns, obj.GetName(), err)
			}
		}
		return nil
	})
}

// awaitAvailable watches the namespace's Deployments until each of names
// has all its replicas updated and available.
func (c *cluster) awaitAvailable(ctx context.Context, ns string, names []string) error {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	ready := map[string]bool{}
	note := func(obj any) bool {
		if d, ok := obj.(*appsv1.Deployment); ok && want[d.Name] {
			ready[d.Name] = available(d)
		}
		n := 0
		for _, ok := range ready {
			if ok {
				n++
			}
		}
		return n == len(want)
	}
	deployments := c.cs.AppsV1().Deployments(ns)
	lw := &toolscache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			return deployments.List(ctx, opts)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			return deployments.Watch(ctx, opts)
		},
	}
	synced := func(store toolscache.Store) (bool, error) {
		done := false
		for _, obj := range store.List() {
			done = note(obj)
		}
		return done, nil
	}
	_, err := watchtools.UntilWithSync(ctx, lw, &appsv1.Deployment{}, synced, func(ev watch.Event) (bool, error) {
		return note(ev.Object), nil
	})
	if err != nil {
		n := 0
		for _, ok := range ready {
			if ok {
				n++
			}
		}
		return fmt.Errorf("context %s: %d of %d Deployments available in %s: %w", c.context, n, len(want), ns, err)
	}
	return nil
}

func available(d *appsv1.Deployment) bool {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	s := d.Status
	return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want && s.AvailableReplicas == want && s.Replicas == want
}

// deleteNamespace deletes ns from every cluster and waits until it is
// gone, within timeout.
func deleteNamespace(timeout time.Duration, clusters []*cluster, ns string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(clusters))
	for i, c := range clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
			if err := c.c.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
				errs[i] = fmt.Errorf("context %s: deleting namespace %s: %w", c.context, ns, err)
				return
			}
			for {
				err := c.c.Get(ctx, client.ObjectKeyFromObject(obj), obj)
				if apierrors.IsNotFound(err) {
					return
				}
				select {
				case <-ctx.Done():
					errs[i] = fmt.Errorf("context %s: namespace %s still there after %s", c.context, ns, timeout)
					return
				case <-time.After(time.Second):
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// parallel runs do(0..n-1), workers at a time, and returns the first
// error; once one failed, the rest find ctx cancelled.
func parallel(ctx context.Context, workers, n int, do func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range n {
		g.Go(func() error { return do(ctx, i) })
	}
	return g.Wait()
}
