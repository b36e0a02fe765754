package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/controller/installation"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// only returns the one object of the release that list finds in a cluster.
func only[T any](t testing.TB, c client.Client, list client.ObjectList, items func() []T, ns, release string) *T {
	t.Helper()
	if err := c.List(ctxFor(t), list, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: release}); err != nil {
		t.Fatal(err)
	}
	if got := items(); len(got) == 1 {
		return &got[0]
	}
	t.Fatalf("release %s: %d %T items, want 1", release, len(items()), list)
	return nil
}

// A release's Deployment given another image and its ConfigMap patched by
// hand in an application cluster are both restored, and the release's
// target tells of it; spec.replicas stays the capacity controller's.
func TestDriftIsCorrected(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := helloApplication(ns, "drifty", repo.URL, "", nil)
	rel, placed := completeFirstRelease(t, mgmt, app)
	c := env.ClusterClient(t, placed[0])

	deps := &appsv1.DeploymentList{}
	dep := only(t, c, deps, func() []appsv1.Deployment { return deps.Items }, ns, rel.Name)
	image := dep.Spec.Template.Spec.Containers[0].Image
	replicas := *dep.Spec.Replicas
	// What `kubectl set image` sends: a strategic merge patch, as its own
	// field manager.
	setImage := fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":%q,"image":"registry.k8s.io/pause:3.10"}]}}}}`, dep.Spec.Template.Spec.Containers[0].Name)
	edited := time.Now()
	if err := c.Patch(ctx, dep, client.RawPatch(types.StrategicMergePatchType, []byte(setImage)), client.FieldOwner("kubectl-set")); err != nil {
		t.Fatal(err)
	}
	cms := &corev1.ConfigMapList{}
	var cm *corev1.ConfigMap
	if err := c.List(ctx, cms, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: rel.Name}); err != nil {
		t.Fatal(err)
	}
	for i := range cms.Items {
		if cms.Items[i].Labels[convoyv1alpha1.LabelAnchor] == "" {
			cm = &cms.Items[i]
		}
	}
	if cm == nil {
		t.Fatalf("release %s has no ConfigMap but its anchor in cluster %s", rel.Name, placed[0])
	}
	greeting := cm.Data["greeting"]
	// The edit reaches convoy as an event of the cluster's cache, not at
	// the next resync: a Store watching the installed kinds, as the
	// manager's does for the installer, is told of it.
	var told atomic.Bool
	store := &clusters.Store{Management: mgmt, Scheme: manager.Scheme}
	store.Watch(installation.Installed...)
	store.OnChange(func(cluster string, obj client.Object) {
		if got, ok := obj.(*corev1.ConfigMap); ok && cluster == placed[0] && got.Name == cm.Name && got.Data["greeting"] != greeting {
			told.Store(true)
		}
	})
	if _, err := store.Cache(ctx, placed[0]); err != nil {
		t.Fatal(err)
	}
	if err := c.Patch(ctx, cm, client.RawPatch(types.MergePatchType, []byte(`{"data":{"greeting":"patched by hand"}}`)), client.FieldOwner("kubectl-patch")); err != nil {
		t.Fatal(err)
	}

	eventually(t, time.Minute, func() error {
		got, gotCM := &appsv1.Deployment{}, &corev1.ConfigMap{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(dep), got); err != nil {
			return err
		}
		if err := c.Get(ctx, client.ObjectKeyFromObject(cm), gotCM); err != nil {
			return err
		}
		if img := got.Spec.Template.Spec.Containers[0].Image; img != image {
			return fmt.Errorf("Deployment %s has image %s, want %s back", got.Name, img, image)
		}
		if g := gotCM.Data["greeting"]; g != greeting {
			return fmt.Errorf("ConfigMap %s has greeting %q, want %q back", gotCM.Name, g, greeting)
		}
		return nil
	})
	t.Logf("both restored within %s of the first edit (a figure, not an assertion)", time.Since(edited).Round(time.Millisecond))
	eventually(t, 30*time.Second, func() error {
		if !told.Load() {
			return fmt.Errorf("no change of ConfigMap %s reported by the cache of cluster %s", cm.Name, placed[0])
		}
		return nil
	})
	expectEvent(t, mgmt, ns, rel.Name, installation.ReasonDriftCorrected, "cluster "+placed[0]+": ")
	for _, object := range []string{"Deployment " + ns + "/" + dep.Name, "ConfigMap " + ns + "/" + cm.Name} {
		eventually(t, 30*time.Second, func() error {
			for _, line := range managerLogs.lines() {
				if line["msg"] == "drift corrected" && line["release"] == rel.Name && line["cluster"] == placed[0] && line["object"] == object {
					return nil
				}
			}
			return fmt.Errorf("no log line of drift corrected in %s for %s", placed[0], object)
		})
	}
	if spec, _ := replicasIn(t, env, placed[0], ns, rel.Name); spec != replicas {
		t.Errorf("Deployment at %d replicas after the drift was corrected, want the capacity controller's %d", spec, replicas)
	}
}

// cronChart is the hello chart with a CronJob: a workload other than the
// Deployment, which a retired release must not run.
func cronChart(t *testing.T) *chartrepo.Server {
	t.Helper()
	dir := chartrepo.CopyChart(t, helloChart)
	cron := `apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ include "hello.fullname" . }}
spec:
  schedule: "0 0 1 1 *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: tick
              image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
`
	if err := os.WriteFile(filepath.Join(dir, "templates", "cronjob.yaml"), []byte(cron), 0o644); err != nil {
		t.Fatal(err)
	}
	return chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: dir}}})
}

// checkIdle checks, in every cluster, whether the release's CronJob is
// suspended and its Service holds no load balancer, as idle says.
func checkIdle(t testing.TB, env *testenv.Env, clusters []string, ns, release string, idle bool) error {
	for _, cluster := range clusters {
		c := env.ClusterClient(t, cluster)
		crons, svcs := &batchv1.CronJobList{}, &corev1.ServiceList{}
		cron := only(t, c, crons, func() []batchv1.CronJob { return crons.Items }, ns, release)
		svc := only(t, c, svcs, func() []corev1.Service { return svcs.Items }, ns, release)
		suspended := cron.Spec.Suspend != nil && *cron.Spec.Suspend
		balancer := svc.Spec.Type == corev1.ServiceTypeLoadBalancer || len(svc.Status.LoadBalancer.Ingress) > 0
		if suspended != idle || balancer == idle {
			return fmt.Errorf("cluster %s, release %s: CronJob suspended %t, Service of type %s with addresses %v; want idle %t",
				cluster, release, suspended, svc.Spec.Type, svc.Status.LoadBalancer.Ingress, idle)
		}
	}
	return nil
}

// targetState describes an InstallationTarget for failure messages.
func targetState(t testing.TB, c client.Client, ns, name string) string {
	it := &convoyv1alpha1.InstallationTarget{}
	if err := c.Get(ctxFor(t), client.ObjectKey{Namespace: ns, Name: name}, it); err != nil {
		return err.Error()
	}
	ready := meta.FindStatusCondition(it.Status.Conditions, convoyv1alpha1.ConditionReady)
	return fmt.Sprintf("installation target %s: generation %d observed %d, idle %t, Ready %+v", name, it.Generation, it.Status.ObservedGeneration, it.Spec.Idle, ready)
}

// A release retired behind two newer ones runs nothing and holds no
// address: its CronJob is suspended and its LoadBalancer Service released
// in every cluster, while the newest release keeps both.
func TestRetiredReleaseIsIdle(t *testing.T) {
	env, _, mgmt, ns := begin(t)
	repo := cronChart(t)
	app := helloApplication(ns, "retiree", repo.URL, "", map[string]any{"greeting": "1"})
	first, clusters := completeFirstRelease(t, mgmt, app)
	names := []string{first.Name}
	for i := 2; i <= 3; i++ {
		setValues(t, mgmt, app, fmt.Sprintf(`{"greeting":"%d"}`, i))
		newest := waitForNewContender(t, mgmt, app, names)
		names = append(names, newest.Name)
		if i == 2 {
			markComplete(t, mgmt, newest)
		}
	}
	// The first release is neither the contender nor its incumbent.
	eventually(t, 2*time.Minute, func() error {
		if err := checkIdle(t, env, clusters, ns, first.Name, true); err != nil {
			rel := &convoyv1alpha1.Release{}
			_ = mgmt.Get(ctxFor(t), client.ObjectKey{Namespace: ns, Name: first.Name}, rel)
			return fmt.Errorf("%w; %s; release conditions %+v", err, targetState(t, mgmt, ns, first.Name), rel.Status.Conditions)
		}
		return nil
	})
	waitInstalled(t, mgmt, ns, names[2])
	if err := checkIdle(t, env, clusters, ns, names[2], false); err != nil {
		t.Error(err)
	}
}

// An idle InstallationTarget turned active again runs its objects as
// rendered: the CronJob resumes and the Service gets a load-balancer
// address back.
func TestIdleTargetComesBack(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := cronChart(t)
	app := helloApplication(ns, "lazarus", repo.URL, "", nil)
	rel, clusters := completeFirstRelease(t, mgmt, app)
	// A target of its own, which no release controller drives.
	it := &convoyv1alpha1.InstallationTarget{}
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&rel), it); err != nil {
		t.Fatal(err)
	}
	spare := &convoyv1alpha1.InstallationTarget{}
	spare.Namespace, spare.Name = ns, rel.Name+"-spare"
	spare.Labels = map[string]string{convoyv1alpha1.LabelApplication: app.Name}
	spare.Spec = it.Spec
	if err := mgmt.Create(ctx, spare); err != nil {
		t.Fatal(err)
	}
	waitInstalled(t, mgmt, ns, spare.Name)
	for _, idle := range []bool{true, false} {
		patch := fmt.Sprintf(`{"spec":{"idle":%t}}`, idle)
		if err := mgmt.Patch(ctx, spare, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Minute, func() error {
			if err := checkIdle(t, env, clusters, ns, spare.Name, idle); err != nil {
				return fmt.Errorf("%w; %s", err, targetState(t, mgmt, ns, spare.Name))
			}
			return nil
		})
	}
	// With its address back, the Service is a LoadBalancer again.
	eventually(t, time.Minute, func() error {
		for _, cluster := range clusters {
			c := env.ClusterClient(t, cluster)
			svcs := &corev1.ServiceList{}
			if svc := only(t, c, svcs, func() []corev1.Service { return svcs.Items }, ns, spare.Name); len(svc.Status.LoadBalancer.Ingress) == 0 {
				return fmt.Errorf("cluster %s: Service %s has no address yet", cluster, svc.Name)
			}
		}
		return nil
	})
}
