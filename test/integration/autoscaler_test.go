package integration

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/controller/release"
	"github.com/convoy-rollouts/convoy/test/gitserver"
	"github.com/convoy-rollouts/convoy/test/metricsapi"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

const autoscaledKustomization = "../../examples/kustomize/autoscaled-web"

// stableFor is how long the replica counts must hold still at each stop of
// the autoscaled rollout to show that nothing fights the autoscaler:
// CONVOY_HPA_WINDOW (make hpa sets 2m), else 10 s: two of the local
// autoscaler's 5 s syncs, and a fight (convoy and the autoscaler each
// writing the replicas back) shows within one.
func stableFor(t testing.TB) time.Duration {
	if s := os.Getenv("CONVOY_HPA_WINDOW"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("CONVOY_HPA_WINDOW: %v", err)
		}
		return d
	}
	return 10 * time.Second
}

// autoscaledRollout is the state of an autoscaled rollout on the real
// clusters, whose HorizontalPodAutoscaler controllers scale on CPU the
// metrics stand-in reports: the test sets each release's load.
type autoscaledRollout struct {
	t        *testing.T
	env      *testenv.Env
	mgmt     client.Client
	ns       string
	clusters []string
	metrics  map[string]*metricsapi.Server
	table    []string
}

// load sets a release's total CPU use in every cluster, in millicores.
func (a *autoscaledRollout) load(release string, millicores int64) {
	for _, c := range a.clusters {
		a.metrics[c].SetLoad(a.ns, labels.SelectorFromSet(labels.Set{convoyv1alpha1.LabelRelease: release}), millicores)
	}
}

// sized is one release in one cluster: its Deployment and autoscaler as
// the cluster has them, and the bounds convoy reports.
type sized struct {
	replicas, available, hpaDesired int32
	generation                      int64
	lo, hi                          int32
	hpaMin, hpaMax                  int32
}

func (a *autoscaledRollout) read(cluster, release string) (sized, error) {
	var s sized
	c := a.env.ClusterClient(a.t, cluster)
	deps := &appsv1.DeploymentList{}
	if err := c.List(ctxFor(a.t), deps, client.InNamespace(a.ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: release}); err != nil || len(deps.Items) != 1 {
		return s, fmt.Errorf("release %s in %s: %d Deployments (%v)", release, cluster, len(deps.Items), err)
	}
	dep := deps.Items[0]
	s.replicas, s.available, s.generation = *dep.Spec.Replicas, dep.Status.AvailableReplicas, dep.Generation
	hpas := &autoscalingv2.HorizontalPodAutoscalerList{}
	if err := c.List(ctxFor(a.t), hpas, client.InNamespace(a.ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: release}); err != nil || len(hpas.Items) != 1 {
		return s, fmt.Errorf("release %s in %s: %d HorizontalPodAutoscalers (%v)", release, cluster, len(hpas.Items), err)
	}
	hpa := hpas.Items[0]
	s.hpaDesired, s.hpaMax = hpa.Status.DesiredReplicas, hpa.Spec.MaxReplicas
	if hpa.Spec.MinReplicas != nil {
		s.hpaMin = *hpa.Spec.MinReplicas
	}
	ct := &convoyv1alpha1.CapacityTarget{}
	if err := a.mgmt.Get(ctxFor(a.t), client.ObjectKey{Namespace: a.ns, Name: release}, ct); err != nil {
		return s, err
	}
	for _, st := range ct.Status.Clusters {
		if st.Name == cluster && st.Autoscaler != nil {
			s.lo, s.hi = st.Autoscaler.MinReplicas, st.Autoscaler.MaxReplicas
		}
	}
	return s, nil
}

// settle waits until, in every cluster, each release runs the replicas
// want gives it (0 < n: exactly n; -1: whatever its autoscaler asks for),
// all available, within the bounds convoy reports and set on the
// autoscaler; then checks that nothing moves for stableFor (no fight:
// neither the replicas nor the Deployment's generation change), and adds
// the stop to the table.
func (a *autoscaledRollout) settle(stop string, want map[string]int32) {
	a.t.Helper()
	releases := slices.Sorted(func(yield func(string) bool) {
		for r := range want {
			if !yield(r) {
				return
			}
		}
	})
	eventually(a.t, 3*time.Minute, func() error {
		for _, c := range a.clusters {
			for _, r := range releases {
				s, err := a.read(c, r)
				if err != nil {
					return err
				}
				w := want[r]
				if w == -1 {
					w = s.hpaDesired
				}
				switch {
				case s.replicas != w || s.available != w:
					return fmt.Errorf("%s: release %s in %s has %d replicas (%d available), want %d", stop, r, c, s.replicas, s.available, w)
				case w > 0 && (s.lo != s.hpaMin || s.hi != s.hpaMax):
					return fmt.Errorf("%s: release %s in %s: convoy reports bounds %d..%d, the autoscaler has %d..%d", stop, r, c, s.lo, s.hi, s.hpaMin, s.hpaMax)
				case w > 0 && (w < s.lo || w > s.hi):
					return fmt.Errorf("%s: release %s in %s runs %d, outside its bounds %d..%d", stop, r, c, w, s.lo, s.hi)
				case w > 0 && s.hpaDesired != w:
					return fmt.Errorf("%s: release %s in %s runs %d, its autoscaler asks for %d", stop, r, c, w, s.hpaDesired)
				}
			}
		}
		return nil
	})
	before := map[string]sized{}
	for _, c := range a.clusters {
		for _, r := range releases {
			s, err := a.read(c, r)
			if err != nil {
				a.t.Fatal(err)
			}
			before[c+"/"+r] = s
		}
	}
	window := stableFor(a.t)
	for deadline := time.Now().Add(window); time.Now().Before(deadline); time.Sleep(2 * time.Second) {
		for key, was := range before {
			cluster, release, _ := strings.Cut(key, "/")
			now, err := a.read(cluster, release)
			if err != nil {
				a.t.Fatal(err)
			}
			if now.replicas != was.replicas || now.generation != was.generation {
				a.t.Fatalf("%s: release %s in %s moved from %d replicas (generation %d) to %d (generation %d) within %s: something fights its autoscaler",
					stop, release, cluster, was.replicas, was.generation, now.replicas, now.generation, window)
			}
		}
	}
	row := fmt.Sprintf("%-28s", stop)
	for _, r := range releases {
		s := before[a.clusters[0]+"/"+r]
		if s.replicas == 0 {
			row += fmt.Sprintf("  %s:  0 replicas (autoscaler off)       ", r)
			continue
		}
		row += fmt.Sprintf("  %s: %2d replicas (bounds %-6s wants %2d)", r, s.replicas, fmt.Sprintf("%d..%d", s.lo, s.hi), s.hpaDesired)
	}
	a.table = append(a.table, row)
	a.t.Logf("stable for %s: %s", window, row)
}

// commitRevision commits a change to the kustomization and points the
// Application at it: a new release.
func commitRevision(t *testing.T, mgmt client.Client, app *convoyv1alpha1.Application, repo *gitserver.Repo, n int) convoyv1alpha1.Release {
	t.Helper()
	repo.Commit(fmt.Sprintf("revision %d", n), map[string]string{"deploy/revision.txt": fmt.Sprintf("%d\n", n)})
	changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) { a.Spec.Template.Source.Kustomize.Ref = repo.Head() })
	return waitForReleases(t, mgmt, app, n)[n-1]
}

// An autoscaled kustomization (Deployment, Service, HorizontalPodAutoscaler
// on CPU) rolls out with its autoscalers active on the real clusters. At
// every stop the replicas are what the autoscalers ask for, within the
// bounds convoy set for the step, and hold still (no fight); under load in
// the canary both releases scale up and keep the step's ratio; the full
// release gets its own bounds back; an aborted release is scaled to 0 and
// its autoscaler never brings it back, while the incumbent keeps the size
// its autoscaler gives it.
func TestAutoscaledRollout(t *testing.T) {
	env, _, mgmt, ns := begin(t)
	a := &autoscaledRollout{t: t, env: env, mgmt: mgmt, ns: ns, metrics: map[string]*metricsapi.Server{}}
	repo := gitserver.New(t).NewRepo("web")
	files := gitserver.ReadTree(t, autoscaledKustomization, "deploy")
	files["deploy/revision.txt"] = "1\n"
	repo.Commit("autoscaled web", files)
	two := int32(2)
	app := &convoyv1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: convoyv1alpha1.ApplicationSpec{Template: convoyv1alpha1.ReleaseEnvironment{
			Source:              convoyv1alpha1.Source{Kustomize: &convoyv1alpha1.KustomizeSource{RepoURL: repo.FileURL(), Ref: "main", Path: "deploy"}},
			ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: []convoyv1alpha1.RegionRequirement{{Name: "eu-west", Clusters: &two}}},
			Strategy: convoyv1alpha1.Strategy{Steps: []convoyv1alpha1.StrategyStep{
				step("canary", 25, 75, 25, 75), step("half", 50, 50, 50, 50), step("full on", 100, 0, 100, 0),
			}},
			Traffic: &convoyv1alpha1.TrafficSpec{DNS: &convoyv1alpha1.DNSTraffic{Hostname: "web." + ns + "." + dnsZone, TTLSeconds: 1}},
		}},
	}
	if err := mgmt.Create(ctxFor(t), app); err != nil {
		t.Fatal(err)
	}
	first := waitForReleases(t, mgmt, app, 1)[0]
	a.clusters = waitInstalled(t, mgmt, ns, first.Name)
	for _, c := range a.clusters {
		a.metrics[c] = metricsapi.StartForTest(t, env.ClusterConfig(t, c), c)
	}
	// The chart's minimum is a first release's full size; 400m of load at
	// 50% of a 100m request asks for 8.
	a.load(first.Name, 400)
	waitComplete(t, mgmt, &first)
	a.settle("release 1 complete", map[string]int32{first.Name: 8})
	a.checkOwners(first.Name)

	second := commitRevision(t, mgmt, app, repo, 2)
	// The second release's full size is what the incumbent's autoscaler
	// asks for: 8. The canary's floor is a quarter of it, 2, up to a
	// quarter of the maximum 20; the incumbent keeps 6..15.
	a.load(second.Name, 100)
	a.load(first.Name, 300)
	waitAchieved(t, mgmt, &second, 0)
	a.settle("canary 25/75", map[string]int32{second.Name: 2, first.Name: -1})
	// DNS splits the step's weights although the releases' full sizes
	// differ (8 and 2): a quarter of 600 answers is 150, ±4 standard
	// deviations.
	owners := addresses(t, env, ns, a.clusters, first.Name, second.Name)
	counts := newResolver(t, app.Spec.Template.Traffic.DNS.Hostname).shares(600, owners)
	if n := releaseOf(counts, second.Name); n < 108 || n > 192 {
		t.Errorf("canary 25/75: the contender got %d of 600 DNS answers (%v), want about 150", n, counts)
	}
	t.Logf("canary 25/75: DNS answers %v", counts)
	// Load doubles: both autoscalers scale up, 4 and 12, a quarter and
	// three quarters: the step's ratio.
	a.load(second.Name, 200)
	a.load(first.Name, 600)
	a.settle("canary 25/75, twice the load", map[string]int32{second.Name: 4, first.Name: 12})

	setTargetStep(t, mgmt, &second, 1)
	a.load(second.Name, 400)
	a.load(first.Name, 400)
	waitAchieved(t, mgmt, &second, 1)
	a.settle("half 50/50", map[string]int32{second.Name: 8, first.Name: -1})

	setTargetStep(t, mgmt, &second, 2)
	a.load(second.Name, 800)
	a.load(first.Name, 0)
	waitComplete(t, mgmt, &second)
	// Alone in its clusters, the release's autoscaler gets its own bounds
	// back: the reference stops being a floor.
	eventually(t, time.Minute, func() error {
		for _, c := range a.clusters {
			if s, err := a.read(c, second.Name); err != nil || s.lo != 2 || s.hi != 20 {
				return fmt.Errorf("the complete release's autoscaler in %s has bounds %d..%d (%v), want its own 2..20", c, s.lo, s.hi, err)
			}
		}
		return nil
	})
	a.settle("full on 100/0", map[string]int32{second.Name: 16, first.Name: 0})

	third := commitRevision(t, mgmt, app, repo, 3)
	a.load(third.Name, 200)
	a.load(second.Name, 600)
	waitAchieved(t, mgmt, &third, 0)
	a.settle("release 3 canary 25/75", map[string]int32{third.Name: 4, second.Name: -1})
	before := third.DeepCopy()
	third.Spec.Aborted = &convoyv1alpha1.Abort{Reason: "autoscaler test"}
	if err := mgmt.Patch(ctxFor(t), &third, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	// All the load back on the incumbent; the aborted release's would
	// scale it up again were its autoscaler not switched off at 0.
	a.load(second.Name, 800)
	a.settle("release 3 aborted", map[string]int32{third.Name: 0, second.Name: 16})

	t.Logf("replicas per stop in %s (every cluster alike):\n%s", a.clusters[0], strings.Join(a.table, "\n"))
}

// checkOwners checks that convoy's capacity field manager alone sets the
// autoscaler's bounds and the installer none of them.
func (a *autoscaledRollout) checkOwners(release string) {
	a.t.Helper()
	hpas := &autoscalingv2.HorizontalPodAutoscalerList{}
	c := a.env.ClusterClient(a.t, a.clusters[0])
	if err := c.List(ctxFor(a.t), hpas, client.InNamespace(a.ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: release}); err != nil || len(hpas.Items) != 1 {
		a.t.Fatalf("HorizontalPodAutoscalers of %s: %v (%v)", release, hpas.Items, err)
	}
	var owners []string
	for _, m := range hpas.Items[0].ManagedFields {
		if m.FieldsV1 != nil && strings.Contains(string(m.FieldsV1.Raw), `"f:minReplicas"`) {
			owners = append(owners, m.Manager)
		}
	}
	slices.SortFunc(owners, cmp.Compare)
	if len(owners) == 0 || slices.ContainsFunc(owners, func(o string) bool { return o != clusters.CapacityFieldManager }) {
		a.t.Errorf("spec.minReplicas of %s's autoscaler is set by %v, want %s alone", release, owners, clusters.CapacityFieldManager)
	}
}

// Autoscalers convoy cannot size a release by stop it before anything is
// installed, naming the objects and the cause: bounds out of order, two
// autoscalers of one Deployment (they would fight each other), and an
// autoscaler beside clusterRequirements.spread, which sizes by count.
func TestAutoscalerBadInput(t *testing.T) {
	_, _, mgmt, ns := begin(t)
	repo := helloRepo(t)
	autoscaling := func(lo, hi int) map[string]any {
		return map[string]any{"autoscaling": map[string]any{"enabled": true, "minReplicas": lo, "maxReplicas": hi}}
	}
	for _, tc := range []struct {
		name   string
		values map[string]any
		change func(*convoyv1alpha1.Application)
		text   string
	}{
		{name: "reversed", values: autoscaling(5, 2),
			text: "spec.minReplicas 5 and spec.maxReplicas 2: convoy needs 1 ≤ minReplicas ≤ maxReplicas"},
		{name: "spread", values: autoscaling(2, 4), change: func(a *convoyv1alpha1.Application) {
			a.Spec.Template.ClusterRequirements.Spread = &convoyv1alpha1.ReplicaSpread{TotalReplicas: 4}
		}, text: "spec.environment.clusterRequirements.spread sizes the release by a replica count and its HorizontalPodAutoscaler by load"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := helloApplication(ns, "bad-"+tc.name, repo.URL, "", tc.values)
			if tc.change != nil {
				tc.change(app)
			}
			expectNotScheduled(t, mgmt, app, release.ReasonInvalidAutoscaler, tc.text)
		})
	}
}
