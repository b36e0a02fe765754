package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli"
	"github.com/convoy-rollouts/convoy/pkg/devenv"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// benchRounds is how many paired samples (floor and convoy) one op of
// BenchmarkAdvanceWaitAgainstFloor takes: a median needs several, and make
// bench's default benchtime runs a single op of anything this slow.
const benchRounds = 5

// floorName is the Deployment the floor scales, beside the releases'.
const floorName = "floor"

// BenchmarkAdvanceWaitAgainstFloor measures `convoy advance --wait` of one
// capacity step against the floor of the same change. The application
// runs the hello chart with 2 replicas in the three application clusters,
// under the suite's in-process manager; the step takes its contender from 0
// to 2 replicas in every cluster. The floor makes that change straight in
// the same clusters, as `kubectl scale` and `kubectl wait` run in parallel
// per cluster would: a Deployment of the same pods, scaled through its
// scale subresource from 0 to 2 in each cluster at once, then watched
// until available. Each round prepares both untimed (a new release resting
// at step 0, the floor at 0, every Deployment settled), then times them in
// turn, in alternating order. It reports the median seconds of each and
// advance/floor, whose goal is 1.2 at most. To tell the controllers' share
// from the command's, a watch of the test's own notes when the release's
// spec asked for the step and when its status said it was achieved:
// controllers-s is that time, and cli-s the rest of the command's (reading
// the rollout and patching before, noticing the achievement after).
func BenchmarkAdvanceWaitAgainstFloor(b *testing.B) {
	env, _, mgmt, ns := begin(b)
	repo := helloRepo(b)
	values := func(round int) string {
		return fmt.Sprintf(`{"replicas":2,"service":{"type":"ClusterIP"},"greeting":"round %d"}`, round)
	}
	app := helloApplication(ns, "bench", repo.URL, "", map[string]any{"replicas": 2, "service": map[string]any{"type": "ClusterIP"}, "greeting": "round 0"})
	app.Spec.Template.ClusterRequirements.Regions = []convoyv1alpha1.RegionRequirement{{Name: "eu-west", Clusters: one(2)}, {Name: "us-east"}}
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{Steps: []convoyv1alpha1.StrategyStep{
		step("dark", 0, 100, 0, 100), step("up", 100, 100, 0, 100), step("full on", 100, 0, 100, 0),
	}}
	first, clusters := completeFirstRelease(b, mgmt, app)
	floor := newFloor(b, env, clusters, ns, first.Name)

	watcher, err := client.NewWithWatch(env.ManagementConfig(b), client.Options{Scheme: devenv.Scheme})
	if err != nil {
		b.Fatal(err)
	}
	contender := first.Name
	var floorSecs, advanceSecs, controllerSecs []float64
	timeFloor := func() {
		floorSecs = append(floorSecs, seconds(func() { floor.scale(b, 2) }))
		floor.scale(b, 0)
		floor.settle(b)
	}
	timeAdvance := func() {
		step := watchStep(b, watcher, ns, contender, 1)
		advanceSecs = append(advanceSecs, seconds(func() {
			expectBenchCLI(b, env, ns, "advance", app.Name, "--wait", "--timeout", "2m")
		}))
		controllerSecs = append(controllerSecs, step())
	}
	round := 0
	for b.Loop() {
		for range benchRounds {
			round++
			setValues(b, mgmt, app, values(round))
			contender = restingContender(b, mgmt, app, contender)
			floor.settle(b)
			if round%2 == 0 {
				timeFloor()
				timeAdvance()
			} else {
				timeAdvance()
				timeFloor()
			}
		}
	}
	var cliSecs []float64
	for i := range advanceSecs {
		cliSecs = append(cliSecs, advanceSecs[i]-controllerSecs[i])
	}
	f, a, c, o := median(floorSecs), median(advanceSecs), median(controllerSecs), median(cliSecs)
	b.ReportMetric(f, "floor-s")
	b.ReportMetric(a, "advance-s")
	b.ReportMetric(a/f, "advance/floor")
	b.ReportMetric(c, "controllers-s")
	b.ReportMetric(o, "cli-s")
	b.Logf("over %d rounds (medians): floor %.3fs; convoy advance --wait %.3fs, %.2f× the floor (goal: at most 1.2×): the controllers' step %.3fs, the command's own time %.3fs\nfloor       %s\nadvance     %s\ncontrollers %s",
		len(floorSecs), f, a, a/f, c, o, formatSecs(floorSecs), formatSecs(advanceSecs), formatSecs(controllerSecs))
}

// restingContender waits for a contender other than previous to rest at
// step 0, waiting for a command, and returns its name.
func restingContender(tb testing.TB, c client.Client, app *convoyv1alpha1.Application, previous string) string {
	tb.Helper()
	var name string
	eventually(tb, 2*time.Minute, func() error {
		ctx := ctxFor(tb)
		got := &convoyv1alpha1.Application{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(app), got); err != nil {
			return err
		}
		if name = got.Status.Contender; name == previous || name == "" {
			return fmt.Errorf("contender %q, want a new one after %s", name, previous)
		}
		rel := &convoyv1alpha1.Release{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: name}, rel); err != nil {
			return err
		}
		if a := rel.Status.AchievedStep; a == nil || a.Step != 0 || rel.Status.WaitingFor != convoyv1alpha1.WaitingForCommand {
			return fmt.Errorf("release %s achieved %+v, waiting for %q; want step 0, waiting for a command", name, a, rel.Status.WaitingFor)
		}
		return nil
	})
	return name
}

// watchStep watches the release from now on, and returns a function that
// waits until the release has achieved step and returns the seconds from
// its spec asking for the step to its status saying it is achieved, as
// seen by a watch of its own: the controllers' share of an advance.
func watchStep(tb testing.TB, c client.WithWatch, ns, release string, step int32) func() float64 {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	byName := &client.ListOptions{Namespace: ns, Raw: &metav1.ListOptions{FieldSelector: "metadata.name=" + release}}
	list := &convoyv1alpha1.ReleaseList{}
	if err := c.List(ctx, list, byName); err != nil {
		tb.Fatal(err)
	}
	byName.Raw.ResourceVersion = list.ResourceVersion
	w, err := c.Watch(ctx, &convoyv1alpha1.ReleaseList{}, byName)
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan float64, 1)
	go func() {
		defer close(done)
		var asked time.Time
		for ev := range w.ResultChan() {
			rel, ok := ev.Object.(*convoyv1alpha1.Release)
			if !ok {
				continue
			}
			if asked.IsZero() && rel.Spec.TargetStep >= step {
				asked = time.Now()
			}
			a := rel.Status.AchievedStep
			settled := rel.Status.WaitingFor == "" || rel.Status.WaitingFor == convoyv1alpha1.WaitingForCommand
			if !asked.IsZero() && rel.Status.ObservedGeneration == rel.Generation && a != nil && a.Step >= step && settled {
				done <- time.Since(asked).Seconds()
				return
			}
		}
	}()
	return func() float64 {
		defer cancel()
		defer w.Stop()
		secs, ok := <-done
		if !ok {
			tb.Fatalf("release %s: the watch ended before step %d was achieved: %v", release, step, ctx.Err())
		}
		return secs
	}
}

// expectBenchCLI runs convoy in process against the management cluster,
// in namespace ns, and fails unless it exits 0.
func expectBenchCLI(tb testing.TB, env *testenv.Env, ns string, args ...string) {
	tb.Helper()
	var out syncBuffer
	full := slices.Concat(args, []string{"--kubeconfig", env.Kubeconfig, "--context", env.ManagementContext, "-n", ns})
	if code := cli.Execute(full, &out, &out); code != 0 {
		tb.Fatalf("convoy %s exited %d:\n%s", strings.Join(args, " "), code, out.String())
	}
}

// floor is a Deployment of the release's pods in each cluster that no
// controller of convoy's owns: the benchmark scales it as a person with
// kubectl would.
type floor struct {
	ns       string
	clusters map[string]client.WithWatch
}

// newFloor creates, in every cluster, a Deployment of 0 replicas whose pods
// are the release's (labelled apart, so that no Service of the release
// selects them).
func newFloor(tb testing.TB, env *testenv.Env, clusters []string, ns, release string) *floor {
	tb.Helper()
	f := &floor{ns: ns, clusters: map[string]client.WithWatch{}}
	for _, name := range clusters {
		c, err := client.NewWithWatch(env.ClusterConfig(tb, name), client.Options{Scheme: devenv.Scheme})
		if err != nil {
			tb.Fatal(err)
		}
		f.clusters[name] = c
		deps := &appsv1.DeploymentList{}
		if err := c.List(ctxFor(tb), deps, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: release}); err != nil || len(deps.Items) != 1 {
			tb.Fatalf("cluster %s: release %s's Deployments: %d, %v", name, release, len(deps.Items), err)
		}
		labels := map[string]string{"convoy.dev/benchmark": floorName}
		template := deps.Items[0].Spec.Template
		template.Labels = labels
		dep := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: floorName},
			Spec: appsv1.DeploymentSpec{
				Replicas: new(int32),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: template,
			},
		}
		if err := c.Create(ctxFor(tb), dep); err != nil {
			tb.Fatalf("cluster %s: %v", name, err)
		}
	}
	return f
}

// scale scales the floor's Deployments to replicas, all clusters at once,
// and waits until every one has them available.
func (f *floor) scale(tb testing.TB, replicas int32) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	errs := make(chan error, len(f.clusters))
	var wg sync.WaitGroup
	for name, c := range f.clusters {
		wg.Go(func() {
			if err := scaleAndWait(ctx, c, f.ns, replicas); err != nil {
				errs <- fmt.Errorf("cluster %s: %w", name, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
}

// scaleAndWait is kubectl scale followed by kubectl wait for the replicas
// to be available: a merge patch of the scale subresource, then a watch of
// the Deployment from the version the patch made.
func scaleAndWait(ctx context.Context, c client.WithWatch, ns string, replicas int32) error {
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: floorName}}
	scale := &autoscalingv1.Scale{}
	patch := client.RawPatch(types.MergePatchType, fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, replicas))
	if err := c.SubResource("scale").Patch(ctx, dep, patch, client.WithSubResourceBody(scale)); err != nil {
		return fmt.Errorf("scaling Deployment %s to %d: %w", floorName, replicas, err)
	}
	list := &appsv1.DeploymentList{}
	byName := &client.ListOptions{Namespace: ns, Raw: &metav1.ListOptions{FieldSelector: "metadata.name=" + floorName}}
	if err := c.List(ctx, list, byName); err != nil {
		return err
	}
	if len(list.Items) == 1 && available(&list.Items[0], replicas) {
		return nil
	}
	byName.Raw.ResourceVersion = list.ResourceVersion
	w, err := c.Watch(ctx, &appsv1.DeploymentList{}, byName)
	if err != nil {
		return err
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if d, ok := ev.Object.(*appsv1.Deployment); ok && ev.Type != watch.Deleted && available(d, replicas) {
			return nil
		}
	}
	return fmt.Errorf("the watch of Deployment %s ended before %d replicas were available: %w", floorName, replicas, ctx.Err())
}

// available is kubectl wait's condition: the Deployment has observed its
// spec and has exactly replicas, all up to date and available.
func available(d *appsv1.Deployment, replicas int32) bool {
	s := d.Status
	return s.ObservedGeneration >= d.Generation && s.Replicas == replicas && s.UpdatedReplicas == replicas && s.AvailableReplicas == replicas
}

// settle waits until every Deployment of the namespace, in every cluster,
// has all its replicas and no others: the releases' scale-downs and the
// floor's are over before anything is timed.
func (f *floor) settle(tb testing.TB) {
	tb.Helper()
	eventually(tb, 2*time.Minute, func() error {
		for name, c := range f.clusters {
			deps := &appsv1.DeploymentList{}
			if err := c.List(ctxFor(tb), deps, client.InNamespace(f.ns)); err != nil {
				return err
			}
			for i := range deps.Items {
				if d := &deps.Items[i]; !available(d, *d.Spec.Replicas) {
					return fmt.Errorf("cluster %s: Deployment %s has %d replicas of %d (%d available)", name, d.Name, d.Status.Replicas, *d.Spec.Replicas, d.Status.AvailableReplicas)
				}
			}
		}
		return nil
	})
}

func seconds(f func()) float64 {
	start := time.Now()
	f()
	return time.Since(start).Seconds()
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func formatSecs(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.3f", x)
	}
	return strings.Join(parts, " ")
}
