//go:build scale

// Package scale measures convoy at scale (issue 14): the real
// convoy-manager binary (test/managerproc, restricted to the run's
// namespace) driving many Applications of the hello chart, 3 replicas
// each, in the local environment's application clusters (kwok pods), each
// figure printed next to its goal. It is built only with the scale tag
// (make bench-scale): it loads the machine for minutes.
//
// BenchmarkScale runs, in order:
//
//  1. the floor: hack/scale-floor renders every Application's first
//     release exactly as convoy installs it, server-side applies it straight
//     into the clusters from a plain parallel client (in a namespace of its
//     own) and waits until every Deployment is available; then deletes it;
//  2. first releases: the Applications created in parallel; the time from
//     the last create returning until every first release is Complete, and
//     its ratio to the floor;
//  3. a new revision: every template patched in parallel; per application,
//     the time from its patch returning to step 0 achieved in every cluster
//     (p50, p99, max), and the time from the last patch to the last;
//  4. idle: nothing changing, the manager's CPU (from /proc), its writes and
//     API requests per second per cluster (client-go's
//     rest_client_requests_total on its /metrics), and its renders when it
//     counts them (RendersMetric);
//  5. memory at steady state: RSS (and its peak) from /proc, heap in use
//     from /metrics;
//  6. failover (with 2 clusters or more): a revision publishing each
//     application under a health-checked DNS hostname, then one cluster's
//     endpoints failed (the environment's FailEndpoints): the time until the
//     manager's DNS server answers no address in that cluster for any
//     application, then the time until every application is answered there
//     again once restored.
//
// Every wait is bounded (ScaleTimeoutVar); the namespaces are deleted at
// the end. Knobs, from the environment:
//
//	CONVOY_SCALE_APPS=1000      Applications (make bench-scale's default; 300 for quick runs)
//	CONVOY_SCALE_CLUSTERS=3     3: every cluster of the environment; 1: the one cluster of a
//	                            one-cluster region (us-east-1), for the comparison with Argo Rollouts
//	CONVOY_SCALE_IDLE=2m        how long the idle phase measures
//	CONVOY_SCALE_FAILOVER=on    off skips the failover phase, which fails a cluster's endpoints
//	                            for every user of the environment for up to a minute or two
//	CONVOY_SCALE_TIMEOUT=20m    bound of each phase's wait
//	CONVOY_SCALE_SHARDS=1       managers, each with --shards N --shard i; their CPU, memory,
//	                            writes and requests are added up (failover is measured with 1)
package scale

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/controller/cluster"
	"github.com/convoy-rollouts/convoy/pkg/devenv"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/managerproc"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// The knobs of a run, from the environment.
const (
	AppsVar         = "CONVOY_SCALE_APPS"
	ClustersVar     = "CONVOY_SCALE_CLUSTERS"
	IdleVar         = "CONVOY_SCALE_IDLE"
	FailoverVar     = "CONVOY_SCALE_FAILOVER"
	ScaleTimeoutVar = "CONVOY_SCALE_TIMEOUT"
	ShardsVar       = "CONVOY_SCALE_SHARDS"
)

// The goals of issue 14, for 1,000 applications × 3 clusters; the Argo
// Rollouts figures are for 300 applications in one cluster.
const (
	goalReaction        = 60 * time.Second
	argoFirstReleases   = 33.7 // seconds
	argoNewRevision     = 39.9 // seconds
	argoIdleCPU         = 1.2  // % of a core
	goalFloorRatio      = 1.5
	goalIdleCPU         = 1.0 // % of a core
	goalRSSMB           = 150 // at 1,000 × 3
	goalKBPerAppCluster = 50  // the former steady-state memory benchmark's goal
)

const (
	// zone is the manager's DNS zone.
	zone = "scale.convoy.test"
	// appPrefix names the Applications app-0000, app-0001...; hack/
	// scale-floor names its copies the same way.
	appPrefix = "app"
	// applyWorkers is how many requests the benchmark's clients (and the
	// floor's) make at a time.
	applyWorkers = 32
	// replicas is every application's capacity per cluster.
	replicas = 3
)

// reconcilesMetric is controller-runtime's count of reconciles, by
// controller.
const reconcilesMetric = "controller_runtime_reconcile_total"

// RendersMetric is the counter of renders the idle phase reads from the
// manager's /metrics; until the manager has it, renders are reported as
// not measured.
const RendersMetric = "convoy_renders_total"

// WritesMetric counts the controllers' writes; the process's other writes
// (the DNS server's lease renewals) are reported beside it.
const WritesMetric = "convoy_controller_writes_total"

// config is a run's knobs.
type config struct {
	apps     int
	clusters int // 0: every cluster
	idle     time.Duration
	failover bool
	timeout  time.Duration
	shards   int
}

func loadConfig(b *testing.B) config {
	c := config{apps: 1000, idle: 2 * time.Minute, failover: os.Getenv(FailoverVar) != "off", timeout: 20 * time.Minute, shards: 1}
	if v := os.Getenv(ShardsVar); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 8 {
			b.Fatalf("%s=%q: want a number of shards from 1 to 8", ShardsVar, v)
		}
		c.shards = n
	}
	if v := os.Getenv(AppsVar); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 9999 {
			b.Fatalf("%s=%q: want a number of applications from 1 to 9999", AppsVar, v)
		}
		c.apps = n
	}
	if v := os.Getenv(ClustersVar); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want 1 or the environment's number of clusters", ClustersVar, v)
		}
		c.clusters = n
	}
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{{IdleVar, &c.idle}, {ScaleTimeoutVar, &c.timeout}} {
		if v := os.Getenv(d.name); v != "" {
			dur, err := time.ParseDuration(v)
			if err != nil || dur < time.Second {
				b.Fatalf("%s=%q: want a duration of at least 1s, such as 2m", d.name, v)
			}
			*d.to = dur
		}
	}
	return c
}

func TestMain(m *testing.M) {
	// The benchmark's own clients log nothing worth reading.
	ctrllog.SetLogger(logr.Discard())
	os.Exit(managerproc.Main(m, "../..", "hack/scale-floor"))
}

// run is one benchmark run: its environment, manager and figures.
type run struct {
	b        *testing.B
	cfg      config
	env      *testenv.Env
	ns       string
	clusters []devenv.AppCluster
	regions  []convoyv1alpha1.RegionRequirement
	repoURL  string
	// m is the manager (shard 0's when sharded: its DNS server and
	// profiles are the ones looked at); ms are every shard's.
	m       *managerproc.Manager
	ms      []*managerproc.Manager
	proc    *process
	tracker *tracker
	report  *report
}

// BenchmarkScale runs the scenario once (see the package comment) and
// reports every figure with its goal.
func BenchmarkScale(b *testing.B) {
	cfg := loadConfig(b)
	env := testenv.Get(b)
	r := &run{b: b, cfg: cfg, env: env, report: &report{}}
	// The table is printed however far the run got.
	b.Cleanup(func() { r.report.print(b) })
	r.clusters, r.regions = selectClusters(b, env, cfg.clusters)
	r.report.title = fmt.Sprintf("convoy at scale: %d applications × %d clusters × %d replicas", cfg.apps, len(r.clusters), replicas)
	if cfg.shards > 1 {
		r.report.title += fmt.Sprintf(", %d shards (figures of the managers added up)", cfg.shards)
	}
	r.repoURL = chartrepo.Start(b, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: "../../examples/charts/hello"}}}).URL
	r.ns = env.Namespace(b)

	floor := r.floor()

	r.proc = &process{}
	for i := range cfg.shards {
		// Probes at the product's default pace, as in production: the
		// idle phase counts them.
		args := []string{"--cluster-probe-interval", cluster.DefaultInterval.String(), "--pprof"}
		if cfg.shards > 1 {
			args = append(args, "--shards", strconv.Itoa(cfg.shards), "--shard", strconv.Itoa(i))
		}
		m := managerproc.StartWith(b, env, r.ns, zone, managerproc.Options{Metrics: true, Probes: true, Args: args})
		r.ms = append(r.ms, m)
		r.proc.pids = append(r.proc.pids, m.Pid())
		r.proc.metrics = append(r.proc.metrics, "http://"+m.Metrics+"/metrics")
	}
	r.m = r.ms[0]
	// Cleanups run last first: this one before the managers are killed,
	// so that they run the finalizers.
	b.Cleanup(r.uninstall)
	r.awaitReady()
	base := r.proc.memory(b)
	r.tracker = startTracker(b, env, r.ns, cfg.timeout)

	first := r.firstReleases(floor)
	second := r.newRevision(first)
	r.idle()
	r.memory(base)
	if cfg.failover && cfg.shards > 1 {
		r.report.add("failover: no DNS answer into the failed cluster", "skipped", "measured with one manager", verdictNA)
	} else if cfg.failover {
		r.failover(first, second)
	} else {
		r.report.add("failover: no DNS answer into the failed cluster", "skipped", FailoverVar+"=off", verdictNA)
	}
	for b.Loop() {
		// The measurements are the phases above, not a loop body.
	}
}

// uninstall deletes the run's namespace while the manager still runs, and
// waits until it is gone: its InstallationTargets' finalizers uninstall
// the releases from the clusters, which only a manager does.
func (r *run) uninstall() {
	b, mc := r.b, r.env.ManagementClient(r.b)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.timeout)
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: r.ns}}
	if err := deleteNamespace(ctx, mc, r.ns); err != nil {
		b.Errorf("deleting namespace %s: %v", r.ns, err)
		return
	}
	for {
		err := mc.Get(ctx, client.ObjectKeyFromObject(ns), ns)
		if apierrors.IsNotFound(err) {
			b.Logf("namespace %s uninstalled and deleted in %s", r.ns, fmtDur(time.Since(start)))
			return
		}
		if ctx.Err() != nil {
			b.Errorf("namespace %s still there %s after its deletion", r.ns, r.cfg.timeout)
			return
		}
		time.Sleep(time.Second)
	}
}

// selectClusters picks the clusters of the run and the regions that
// select exactly them: every cluster, or (n == 1) the one of a region
// that has only one.
func selectClusters(b *testing.B, env *testenv.Env, n int) ([]devenv.AppCluster, []convoyv1alpha1.RegionRequirement) {
	perRegion := map[string][]devenv.AppCluster{}
	var order []string
	for _, c := range env.Clusters {
		if perRegion[c.Region] == nil {
			order = append(order, c.Region)
		}
		perRegion[c.Region] = append(perRegion[c.Region], c)
	}
	switch n {
	case 0, len(env.Clusters):
		var regions []convoyv1alpha1.RegionRequirement
		for _, name := range order {
			regions = append(regions, convoyv1alpha1.RegionRequirement{Name: name, Clusters: ptr(int32(len(perRegion[name])))})
		}
		return env.Clusters, regions
	case 1:
		for _, name := range order {
			if len(perRegion[name]) == 1 {
				return perRegion[name], []convoyv1alpha1.RegionRequirement{{Name: name}}
			}
		}
		b.Fatalf("%s=1: the environment has no region with a single cluster to pin the applications to", ClustersVar)
	}
	b.Fatalf("%s=%d: use 1 or %d (every cluster of the environment)", ClustersVar, n, len(env.Clusters))
	return nil, nil
}

// application is the Application every copy starts from: the hello chart
// with 3 replicas and a ClusterIP Service (as the Argo Rollouts comparison
// ran), vanguard's steps, in the run's clusters.
func (r *run) application(name, ns string) *convoyv1alpha1.Application {
	return &convoyv1alpha1.Application{
		TypeMeta:   metav1.TypeMeta{APIVersion: convoyv1alpha1.GroupVersion.String(), Kind: "Application"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: convoyv1alpha1.ApplicationSpec{Template: convoyv1alpha1.ReleaseEnvironment{
			Source:              convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: r.repoURL, Name: "hello"}},
			Values:              &apiextensionsv1.JSON{Raw: []byte(fmt.Sprintf(`{"replicas":%d,"greeting":"first","service":{"type":"ClusterIP"}}`, replicas))},
			ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: r.regions},
			Strategy:            convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetVanguard},
		}},
	}
}

func appName(i int) string { return fmt.Sprintf("%s-%04d", appPrefix, i) }

// floor runs hack/scale-floor with the applications' first template in a
// namespace of its own, which it deletes afterwards (before convoy runs,
// so that the two do not share the machine), and returns its time.
func (r *run) floor() time.Duration {
	b := r.b
	ns := fmt.Sprintf("scale-floor-%d", time.Now().UnixNano()%1e6)
	var contexts []string
	for _, c := range r.clusters {
		contexts = append(contexts, r.env.Context(c.Name))
		b.Cleanup(func() { // in case the floor failed before its own cleanup
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = deleteNamespace(ctx, r.env.ClusterClient(b, c.Name), ns)
		})
	}
	app, err := yaml.Marshal(r.application(appPrefix, ns))
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "application.yaml")
	if err := os.WriteFile(file, app, 0o644); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*r.cfg.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(managerproc.Bin, "scale-floor"), "-f", file,
		"--apps", strconv.Itoa(r.cfg.apps), "--namespace", ns, "--kubeconfig", r.env.Kubeconfig,
		"--contexts", strings.Join(contexts, ","), "--workers", strconv.Itoa(applyWorkers),
		"--timeout", r.cfg.timeout.String(), "--cleanup", "--json")
	cmd.Stderr = os.Stderr // its progress, live
	cpu := sampleEnvCPU(r.env.Dir, nil)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("hack/scale-floor: %v", err)
	}
	envSecs, byRole := sampleEnvCPU(r.env.Dir, nil).since(cpu)
	own := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	r.report.add("  CPU spent, floor's client and environment", fmt.Sprintf("%.0f core-s: scale-floor %.0fs, %s", own+envSecs, own, byRole),
		"(report; includes deleting its objects)", verdictNA)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var res map[string]float64
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		b.Fatalf("hack/scale-floor printed no result: %v\n%s", err, out)
	}
	floor := seconds(res["availableSeconds"])
	r.report.add("floor: plain parallel apply until available", fmtDur(floor),
		fmt.Sprintf("≤ %s (if over: hold the 1.5× anyway)", goalReaction), verdictOf(floor <= goalReaction))
	b.Logf("floor: rendered in %.1fs (off the clock), applied in %.1fs, available in %s, cleaned up in %.1fs",
		res["renderSeconds"], res["appliedSeconds"], fmtDur(floor), res["cleanupSeconds"])
	b.ReportMetric(floor.Seconds(), "s-floor")
	return floor
}

// awaitReady waits until the manager's caches are synced (/readyz).
func (r *run) awaitReady() {
	for _, m := range r.ms {
		url := "http://" + m.Probes + "/readyz"
		testenv.Eventually(r.b, 2*time.Minute, func() error {
			resp, err := http.Get(url)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s: %s: %s", url, resp.Status, body)
			}
			return nil
		})
	}
}

// firstReleases creates every Application in parallel and waits until
// every first release is Complete. It returns each application's first
// release.
func (r *run) firstReleases(floor time.Duration) map[string]string {
	b, mc := r.b, r.env.ManagementClient(r.b)
	cpu, scraped := r.proc.cpu(b), r.proc.scrape(b)
	envCPUStart := sampleEnvCPU(r.env.Dir, r.proc.pids)
	waits := r.sampleWaits()
	start := time.Now()
	err := parallel(context.Background(), applyWorkers, r.cfg.apps, func(ctx context.Context, i int) error {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		return mc.Create(ctx, r.application(appName(i), r.ns))
	})
	if err != nil {
		b.Fatalf("creating the Applications: %v", err)
	}
	applied := time.Now()
	b.Logf("%d Applications created in %s", r.cfg.apps, fmtDur(applied.Sub(start)))
	first := r.tracker.await(b, "first releases Complete", r.cfg.apps, func() found {
		return r.tracker.releases(func(rel *releaseTimes) time.Time { return rel.complete })
	})
	waits.report(b, "first releases")
	envSecs, byRole := sampleEnvCPU(r.env.Dir, r.proc.pids).since(envCPUStart)
	last := latest(slices.Collect(maps.Values(first.at)))
	took := last.Sub(applied)
	cpuPct := r.proc.cpuSince(b, cpu)

	goal := fmt.Sprintf("≤ %s", goalReaction)
	ok := took <= goalReaction
	if len(r.clusters) == 1 {
		goal += fmt.Sprintf("; < %.1fs (Argo Rollouts, 300 in 1 cluster)", argoFirstReleases)
		ok = ok && took.Seconds() < argoFirstReleases
	}
	r.report.add("first releases Complete, after the last create returned", fmtDur(took), goal, verdictOf(ok))
	ratio := took.Seconds() / floor.Seconds()
	r.report.add("  ratio to the floor", fmt.Sprintf("%.2f×", ratio), fmt.Sprintf("≤ %.1f×", goalFloorRatio), verdictOf(ratio <= goalFloorRatio))
	r.report.add("  manager CPU meanwhile", fmt.Sprintf("%.0f%% of a core", cpuPct), "(report)", verdictNA)
	r.report.add("  CPU spent, manager and environment", fmt.Sprintf("%.0f core-s: %s", envSecs, byRole), "(report; compare the floor's)", verdictNA)
	after := r.proc.scrape(b)
	r.report.add("  reconciles: count, mean time (mean queue wait)", controllerTimes(scraped, after), "(report)", verdictNA)
	r.requestsPerApp(scraped, after)
	b.ReportMetric(took.Seconds(), "s-first-releases")
	b.ReportMetric(ratio, "x-floor")
	return first.name
}

// newRevision patches every template in parallel and measures, per
// application, the time from its patch returning to its new release's
// step 0 achieved in every cluster. It returns each application's new
// release.
func (r *run) newRevision(first map[string]string) map[string]string {
	b, mc := r.b, r.env.ManagementClient(r.b)
	cpuStart, scraped := r.proc.cpu(b), r.proc.scrape(b)
	waits := r.sampleWaits()
	patched := make([]time.Time, r.cfg.apps)
	patch := []byte(fmt.Sprintf(`{"spec":{"template":{"values":{"replicas":%d,"greeting":"second","service":{"type":"ClusterIP"}}}}}`, replicas))
	err := parallel(context.Background(), applyWorkers, r.cfg.apps, func(ctx context.Context, i int) error {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		app := &convoyv1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: r.ns, Name: appName(i)}}
		if err := mc.Patch(ctx, app, rawMerge(patch)); err != nil {
			return err
		}
		patched[i] = time.Now()
		return nil
	})
	if err != nil {
		b.Fatalf("patching the Applications: %v", err)
	}
	lastPatch := latest(patched)
	second := r.tracker.await(b, "new releases at step 0 in every cluster", r.cfg.apps, func() found {
		return r.tracker.releases(func(rel *releaseTimes) time.Time { return rel.achieved }, first)
	})
	waits.report(b, "new revision")
	var lat []time.Duration
	for i := range r.cfg.apps {
		lat = append(lat, second.at[appName(i)].Sub(patched[i]))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p50, p99, worst := percentile(lat, 50), percentile(lat, 99), lat[len(lat)-1]
	all := latest(slices.Collect(maps.Values(second.at))).Sub(lastPatch)
	cpuPct := r.proc.cpuSince(b, cpuStart)

	goal := fmt.Sprintf("≤ %s", goalReaction)
	ok := all <= goalReaction
	if len(r.clusters) == 1 {
		goal += fmt.Sprintf("; < %.1fs (Argo Rollouts, 300 in 1 cluster)", argoNewRevision)
		ok = ok && all.Seconds() < argoNewRevision
	}
	r.report.add("new revision at step 0 everywhere, after the last patch", fmtDur(all), goal, verdictOf(ok))
	r.report.add("  per application, patch → step 0: p50", fmtDur(p50), "(report)", verdictNA)
	r.report.add("  per application, patch → step 0: p99", fmtDur(p99), fmt.Sprintf("≤ %s", goalReaction), verdictOf(p99 <= goalReaction))
	r.report.add("  per application, patch → step 0: max", fmtDur(worst), fmt.Sprintf("≤ %s", goalReaction), verdictOf(worst <= goalReaction))
	r.report.add("  manager CPU meanwhile", fmt.Sprintf("%.0f%% of a core", cpuPct), "(report)", verdictNA)
	after := r.proc.scrape(b)
	r.report.add("  reconciles: count, mean time (mean queue wait)", controllerTimes(scraped, after), "(report)", verdictNA)
	r.requestsPerApp(scraped, after)
	b.ReportMetric(all.Seconds(), "s-new-revision")
	b.ReportMetric(p50.Seconds(), "s-new-revision-p50")
	b.ReportMetric(p99.Seconds(), "s-new-revision-p99")
	return second.name
}

// requestsPerApp reports the manager's API requests during a phase, per
// application, by API server and method.
func (r *run) requestsPerApp(before, after metrics) {
	all := after.requests(nil).minus(before.requests(nil))
	names := r.hostNames()
	for _, host := range all.hosts(names) {
		if m := all.methods(host, float64(r.cfg.apps), "%.1f"); m != "" {
			r.report.add("  API requests per application to "+names.of(host), m, "(report)", verdictNA)
		}
	}
}

// idle waits until the manager's work queues are empty, then measures it
// over the idle duration with nothing changing.
func (r *run) idle() {
	b := r.b
	r.proc.awaitQuiet(b, 2*time.Minute)
	before, cpu := r.proc.scrape(b), r.proc.cpu(b)
	b.Logf("idle: measuring for %s", r.cfg.idle)
	time.Sleep(r.cfg.idle)
	after := r.proc.scrape(b)
	cpuPct := r.proc.cpuSince(b, cpu)
	span := r.cfg.idle.Seconds()

	goal := fmt.Sprintf("< %.0f%%", goalIdleCPU)
	if len(r.clusters) == 1 {
		goal += fmt.Sprintf(" (Argo Rollouts: %.1f%%)", argoIdleCPU)
	}
	r.report.add(fmt.Sprintf("idle %s: manager CPU", r.cfg.idle), fmt.Sprintf("%.2f%% of a core", cpuPct), goal, verdictOf(cpuPct < goalIdleCPU))
	if w, ok := after.counter(WritesMetric); ok {
		was, _ := before.counter(WritesMetric)
		r.report.add("  controller writes", fmt.Sprintf("%.0f", w-was), "0", verdictOf(w == was))
		b.ReportMetric(w-was, "controller-writes-idle")
	} else {
		r.report.add("  controller writes", "n/a: no counter", WritesMetric+" on /metrics", verdictNA)
	}
	// Every write of the process, the DNS server's lease renewals too.
	writes := after.requests(isWrite).minus(before.requests(isWrite))
	r.report.add("  all writes (POST/PUT/PATCH/DELETE)", fmt.Sprintf("%.0f %s", writes.total(), writes.breakdown(r.hostNames())), "(report: the DNS server renews its lease)", verdictNA)
	if renders, ok := after.counter(RendersMetric); ok {
		was, _ := before.counter(RendersMetric)
		r.report.add("  renders", fmt.Sprintf("%.0f", renders-was), "0", verdictOf(renders == was))
		b.ReportMetric(renders-was, "renders-idle")
	} else {
		r.report.add("  renders", "n/a: no counter", RendersMetric+" on /metrics", verdictNA)
	}
	// Reconciles are no goal of their own, but they say where requests
	// and CPU come from.
	reconciles, was := after.counterBy(reconcilesMetric, "controller"), before.counterBy(reconcilesMetric, "controller")
	var byController []string
	for _, c := range slices.Sorted(maps.Keys(reconciles)) {
		if n := reconciles[c] - was[c]; n != 0 {
			byController = append(byController, fmt.Sprintf("%s %.0f", c, n))
		}
	}
	if len(byController) == 0 {
		byController = []string{"0"}
	}
	r.report.add("  reconciles", strings.Join(byController, ", "), "(report)", verdictNA)
	all := after.requests(nil).minus(before.requests(nil))
	names, perHost := r.hostNames(), all.byHost()
	for _, host := range all.hosts(names) {
		if _, known := names[host]; !known && perHost[host] == 0 {
			continue // another API server the manager once talked to
		}
		rate := perHost[host] / span
		value := fmt.Sprintf("%.2f", rate)
		if m := all.methods(host, span, "%.2f"); m != "" {
			value += " (" + m + ")"
		}
		r.report.add("  API requests/s to "+names.of(host), value, "(report)", verdictNA)
		b.ReportMetric(rate, "req/s-idle-"+names.of(host))
	}
	b.ReportMetric(cpuPct, "%cpu-idle")
	b.ReportMetric(writes.total(), "writes-idle")
}

// memory reports the manager's memory at steady state, after the idle
// phase.
func (r *run) memory(base memory) {
	b := r.b
	m := r.proc.memory(b)
	units := float64(r.cfg.apps * len(r.clusters))
	r.report.add("steady-state RSS", fmtMB(m.rss), fmt.Sprintf("≤ %d MB (at 1000 × 3)", goalRSSMB), verdictOf(m.rss <= goalRSSMB<<20))
	r.report.add("  peak RSS (VmHWM)", fmtMB(m.peak), "(report)", verdictNA)
	r.report.add("  heap in use", fmtMB(m.heap), "(report)", verdictNA)
	perUnit := float64(m.rss-min(base.rss, m.rss)) / units / 1024
	r.report.add("  RSS over the empty manager's, per app × cluster", fmt.Sprintf("%.0f KB", perUnit), fmt.Sprintf("≤ %d KB", goalKBPerAppCluster), verdictOf(perUnit <= goalKBPerAppCluster))
	r.heapProfile()
	b.ReportMetric(float64(m.rss)/(1<<20), "MB-rss")
	b.ReportMetric(float64(m.peak)/(1<<20), "MB-rss-peak")
	b.ReportMetric(float64(m.heap)/(1<<20), "MB-heap")
	b.ReportMetric(float64(m.heap-min(base.heap, m.heap))/units/1024, "heapKB/app×cluster")
	b.ReportMetric(perUnit, "rssKB/app×cluster")
}

// managementName names the management cluster's API server in the table.
const managementName = devenv.ManagementName

// pprofHeap is where the benchmark looks for the manager's heap profile:
// net/http/pprof's path, on the metrics address.
const pprofHeap = "/debug/pprof/heap"

// heapProfile logs the top of the manager's heap profile (go tool pprof
// -top) when the manager serves one on its metrics address.
func (r *run) heapProfile() {
	b := r.b
	url := "http://" + r.m.Metrics + pprofHeap
	resp, err := http.Get(url)
	if err != nil {
		b.Fatalf("the manager's heap profile: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.report.add("  heap profile", fmt.Sprintf("n/a: %s answers %s", pprofHeap, resp.Status), "pprof on the metrics address", verdictNA)
		return
	}
	file := filepath.Join(b.TempDir(), "heap.pprof")
	data, err := io.ReadAll(resp.Body)
	if err == nil {
		err = os.WriteFile(file, data, 0o644)
	}
	if err != nil {
		b.Fatalf("the manager's heap profile: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=20", "-sample_index=inuse_space",
		filepath.Join(managerproc.Bin, "convoy-manager"), file).CombinedOutput()
	if err != nil {
		b.Fatalf("go tool pprof: %v\n%s", err, top)
	}
	b.Logf("the manager's heap in use, top 20:\n%s", top)
	r.report.add("  heap profile", "logged above (top 20)", "(report)", verdictNA)
}

// hostNames names the API servers the manager talks to, by the host of
// their URL.
func (r *run) hostNames() hostNames {
	names := hostNames{hostOf(r.env.ManagementConfig(r.b).Host): managementName}
	for name, addr := range r.env.APIProxies {
		names[addr] = name
	}
	for _, c := range r.env.Clusters { // direct, when no proxy stands between
		names[hostOf(r.env.ClusterConfig(r.b, c.Name).Host)] = c.Name
	}
	return names
}

func ptr[T any](v T) *T { return &v }

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func fmtDur(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

func fmtMB(n uint64) string { return fmt.Sprintf("%.0f MB", float64(n)/(1<<20)) }

// percentile of sorted durations, nearest rank.
func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i-1, 0)]
}

// latest of some times.
func latest(times []time.Time) time.Time {
	var last time.Time
	for _, t := range times {
		if t.After(last) {
			last = t
		}
	}
	return last
}
