package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/managerproc"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// The knobs of a run, from the environment.
const (
	// SeedVar replays a run: the driver draws every choice from it.
	SeedVar = "CONVOY_CHAOS_SEED"
	// RolloutsVar is how many new templates the driver applies.
	RolloutsVar = "CONVOY_CHAOS_ROLLOUTS"
	// MaxCutVar caps an API cut (20s; at least 5s).
	MaxCutVar = "CONVOY_CHAOS_MAX_CUT"
	// EndpointFailuresVar set to "off" injects no endpoint failures, to
	// look at the control plane's faults alone.
	EndpointFailuresVar = "CONVOY_CHAOS_ENDPOINT_FAILURES"
)

const (
	defaultRollouts = 10
	// fullReplicas is every release's full capacity per cluster.
	fullReplicas = 3
	// ttl is the records' TTL.
	ttl = time.Second
	// historyLimit is the applications' revisionHistoryLimit: small, so
	// that long runs prune.
	historyLimit = 5
	// queryRate is the sampler's target, in queries a second.
	queryRate = 250
	// perRollout bounds the chaos phase: this much per rollout, plus
	// chaosSlack.
	perRollout = 45 * time.Second
	chaosSlack = 2 * time.Minute
	// healTimeout bounds the heal phase.
	healTimeout = 4 * time.Minute
)

type config struct {
	seed             uint64
	rollouts         int
	maxCut           time.Duration
	endpointFailures bool
}

func loadConfig(t *testing.T) config {
	c := config{seed: uint64(time.Now().UnixNano()), rollouts: defaultRollouts, maxCut: 20 * time.Second, endpointFailures: os.Getenv(EndpointFailuresVar) != "off"}
	if v := os.Getenv(SeedVar); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: not a seed (an unsigned integer): %v", SeedVar, v, err)
		}
		c.seed = s
	}
	if v := os.Getenv(RolloutsVar); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of rollouts", RolloutsVar, v)
		}
		c.rollouts = n
	}
	if v := os.Getenv(MaxCutVar); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 5*time.Second {
			t.Fatalf("%s=%q: want a duration of at least 5s", MaxCutVar, v)
		}
		c.maxCut = d
	}
	return c
}

// TestChaos is one randomized run: three applications rolled out under
// chaos, then healed, with every DNS answer checked against the capacity
// behind it.
func TestChaos(t *testing.T) {
	cfg := loadConfig(t)
	t.Logf("chaos run: seed %d, %d rollouts (%s=%d replays it)", cfg.seed, cfg.rollouts, SeedVar, cfg.seed)
	env := testenv.Get(t)
	ns := env.Namespace(t)
	c := newCLI(t, env, ns)
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: "../../examples/charts/hello"}}})
	m := managerproc.Start(t, env, ns, zone)
	mc := env.ManagementClient(t)
	var failer endpointFailer
	if cfg.endpointFailures {
		failer = env.Environment
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var observers sync.WaitGroup
	watches := watchClusters(ctx, t, env, ns, &observers)
	tracker := &releaseTracker{c: mc, ns: ns, byName: map[string]*releaseInfo{}}
	observers.Add(1)
	go func() { defer observers.Done(); tracker.run(ctx, 500*time.Millisecond) }()

	var apps []*chaosApp
	for i := range 3 {
		a := &chaosApp{name: fmt.Sprintf("app%d", i)}
		a.host = a.name + "." + ns + "." + zone
		a.templates = []string{a.name + "-first"}
		c.kube("apply", "-f", applicationFile(t, ns, a, repo.URL))
		apps = append(apps, a)
	}
	first := map[string]bool{}
	for _, a := range apps {
		if code, out := c.convoy("wait", a.name, "--complete", "--timeout", "3m"); code != 0 {
			t.Fatalf("the first release of %s did not complete: %s", a.name, out)
		}
		_ = tracker.poll(ctx)
		for _, name := range tracker.withGreeting(a.name, a.templates[0]) {
			first[name] = true
		}
	}

	var hosts []string
	for _, a := range apps {
		hosts = append(hosts, a.host)
	}
	chaosBound := time.Duration(cfg.rollouts)*perRollout + chaosSlack
	s := &sampler{server: m.DNS, hosts: hosts, rate: queryRate, workers: 5,
		max: queryRate * int((chaosBound+healTimeout+time.Minute)/time.Second)}
	sampling, stopSampling := context.WithCancel(ctx)
	defer stopSampling()
	sampled := make(chan struct{})
	go func() { defer close(sampled); s.run(sampling) }()

	d := &driver{t: t, rng: rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e3779b97f4a7c15)), cli: c, mc: mc, env: env, m: m,
		tracker: tracker, apps: apps, failer: failer, maxCut: cfg.maxCut}
	t.Cleanup(d.restoreEnvironment)
	d.chaos(cfg.rollouts, time.Now().Add(chaosBound))
	d.heal(healTimeout)

	// The last answers need an observation after them: sampling stops
	// first, the pollers a moment later.
	time.Sleep(2 * time.Second)
	stopSampling()
	<-sampled
	time.Sleep(time.Second)
	stop()
	observers.Wait()
	_ = tracker.poll(context.Background())

	report(t, cfg, d, s, watches, tracker, first)
}

// watchClusters starts a poller per application cluster, through the
// kubeconfig's direct contexts (never convoy's cuttable path).
func watchClusters(ctx context.Context, t *testing.T, env *testenv.Env, ns string, wg *sync.WaitGroup) []*clusterWatch {
	subnets := env.LoadBalancerSubnets()
	var watches []*clusterWatch
	for i, cl := range env.Clusters {
		w := &clusterWatch{name: cl.Name, subnet: netip.MustParsePrefix(subnets[i]), c: env.ClusterClient(t, cl.Name), ns: ns}
		watches = append(watches, w)
		wg.Add(1)
		go func() { defer wg.Done(); w.run(ctx, 250*time.Millisecond) }()
	}
	return watches
}

// applicationFile writes the application's first template as YAML: the
// hello chart in all three clusters, in four steps, published in the chaos
// zone, with a fast health check.
func applicationFile(t *testing.T, ns string, a *chaosApp, repoURL string) string {
	t.Helper()
	limit := int32(historyLimit)
	app := &convoyv1alpha1.Application{
		TypeMeta:   metav1.TypeMeta{APIVersion: convoyv1alpha1.GroupVersion.String(), Kind: "Application"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: a.name},
		Spec: convoyv1alpha1.ApplicationSpec{RevisionHistoryLimit: &limit, Template: convoyv1alpha1.ReleaseEnvironment{
			Source: convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: repoURL, Name: "hello"}},
			Values: &apiextensionsv1.JSON{Raw: []byte(fmt.Sprintf(`{"replicas":%d,"greeting":%q}`, fullReplicas, a.templates[0]))},
			ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: []convoyv1alpha1.RegionRequirement{
				{Name: "eu-west", Clusters: ptr(2)}, {Name: "us-east"}}},
			Strategy: convoyv1alpha1.Strategy{Steps: fourSteps()},
			Traffic: &convoyv1alpha1.TrafficSpec{DNS: &convoyv1alpha1.DNSTraffic{
				Hostname: a.host, TTLSeconds: int32(ttl / time.Second), HealthCheck: &chaosHealthCheck}},
		}},
	}
	out, err := yaml.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), a.name+".yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fourSteps: dark, canary, half and full.
func fourSteps() []convoyv1alpha1.StrategyStep {
	s := func(name string, cc, ic, ct, it int32) convoyv1alpha1.StrategyStep {
		return convoyv1alpha1.StrategyStep{Name: name, Capacity: convoyv1alpha1.CapacitySplit{Contender: cc, Incumbent: ic},
			Traffic: convoyv1alpha1.TrafficSplit{Contender: ct, Incumbent: it}}
	}
	return []convoyv1alpha1.StrategyStep{s("dark", 34, 100, 0, 100), s("canary", 34, 100, 10, 90),
		s("half", 67, 67, 50, 50), s("full", 100, 0, 100, 0)}
}

func ptr(n int32) *int32 { return &n }

// report prints the run's figures and fails the test on any must-be-0
// figure.
func report(t *testing.T, cfg config, d *driver, s *sampler, watches []*clusterWatch, tr *releaseTracker,
	first map[string]bool) {
	var hosts []string
	for _, a := range d.apps {
		hosts = append(hosts, a.host)
	}
	end := s.ended
	ans, unobserved := attribute(s.answers, watches)
	i1, i1Shown := i1Violations(ans, watches, hosts)
	shares := shareCheck(ans, watches, hosts, s.began, end)
	grace := healthCheckGrace(chaosHealthCheck, ttl)
	late, lateChecked, lateShown := lateAnswers(ans, watches, hosts, d.failures, d.m.Starts, grace, end)
	acct := accountReleases(tr, d.apps, historyLimit)

	byOutcome, byRcode := map[outcome]int{}, map[string]int{}
	for _, a := range s.answers {
		byOutcome[a.outcome]++
		if a.outcome == noRecord {
			byRcode[dns.RcodeToString[a.rcode]]++
		}
	}
	span := end.Sub(s.began).Seconds()
	var cutTime time.Duration
	for _, c := range d.cuts {
		cutTime += c.to.Sub(c.from)
	}
	pollErrors := 0
	for _, w := range watches {
		pollErrors += w.errors
	}
	failuresLine := fmt.Sprintf("%d (health check %s every %ds, threshold %d; grace %s)", len(d.failures),
		chaosHealthCheck.Type, chaosHealthCheck.IntervalSeconds, chaosHealthCheck.FailureThreshold, grace)
	if d.failer == nil {
		failuresLine = "0 (" + EndpointFailuresVar + "=off)"
	}
	lines := []string{
		fmt.Sprintf("seed:                          %d (%s=%d replays the driver's choices)", cfg.seed, SeedVar, cfg.seed),
		fmt.Sprintf("rollouts completed:            %d of %d templates applied (+%d first releases)", completed(tr, first), d.counts.templates, len(first)),
		fmt.Sprintf("supersessions:                 %d mid-rollout, %d of an aborted release", d.counts.supersessions, d.counts.replacedAborted),
		fmt.Sprintf("advances:                      %d (%d jumps), aborts %d, retries %d", d.counts.advances, d.counts.jumps, d.counts.aborts, d.counts.retries),
		fmt.Sprintf("manager kills:                 %d", d.counts.kills),
		fmt.Sprintf("API blips:                     %d (%s in all)", d.counts.cuts, cutTime.Round(time.Second)),
		fmt.Sprintf("endpoint failures injected:    %s", failuresLine),
		fmt.Sprintf("DNS queries:                   %d in %.0fs (%.0f/s): %d answered, %d without a record %v, %d unanswered in 300ms (the manager down, or slow); %d answers without observations around them",
			len(s.answers), span, float64(len(s.answers))/span, byOutcome[answered], byOutcome[noRecord], byRcode, byOutcome[noAnswer], unobserved),
		fmt.Sprintf("cluster polls failed:          %d", pollErrors),
		fmt.Sprintf("I1 violations:                 %d", i1),
		fmt.Sprintf("late answers to failed endpoints: %d (%d checked)", late, lateChecked),
		fmt.Sprintf("releases:                      %d seen, %d pruned by history; lost %d, duplicated %d", acct.releases, acct.pruned, acct.lost, acct.duplicated),
		fmt.Sprintf("share windows (report only):   %d release-windows checked in %d windows of %s, %d beyond 3σ", shares.checked, shares.windows, shareWindow, shares.flagged),
	}
	if shares.worst != "" {
		lines = append(lines, "  worst: "+shares.worst)
	}
	t.Logf("chaos report\n    %s", strings.Join(lines, "\n    "))
	for _, v := range i1Shown {
		t.Errorf("I1 violation: %s", v)
	}
	if i1 > len(i1Shown) {
		t.Errorf("... and %d more I1 violations", i1-len(i1Shown))
	}
	for _, v := range lateShown {
		t.Errorf("late answer: %s", v)
	}
	if late > len(lateShown) {
		t.Errorf("... and %d more late answers", late-len(lateShown))
	}
	for _, p := range acct.problems {
		t.Errorf("releases: %s", p)
	}
	if t.Failed() {
		t.Logf("replay with %s=%d %s=%d", SeedVar, cfg.seed, RolloutsVar, cfg.rollouts)
	}
}
