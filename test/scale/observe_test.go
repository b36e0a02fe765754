//go:build scale

package scale

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/devenv"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// What the benchmark observes: the Releases, from a watch (each change
// stamped when it arrives, not when a poll happens to see it), and the
// manager process, from /proc and its /metrics.

// releaseTimes is when a Release was first seen in a state.
type releaseTimes struct {
	name, app string
	// complete: Complete True; achieved: a step achieved in every
	// selected cluster (status.achievedStep set, which a new release's
	// first is step 0).
	complete, achieved time.Time
}

// tracker stamps Releases' changes from an informer on the run's
// namespace.
type tracker struct {
	timeout time.Duration
	mu      sync.Mutex
	byName  map[string]*releaseTimes
}

func startTracker(b *testing.B, env *testenv.Env, ns string, timeout time.Duration) *tracker {
	t := &tracker{timeout: timeout, byName: map[string]*releaseTimes{}}
	c, err := cache.New(env.ManagementConfig(b), cache.Options{Scheme: devenv.Scheme, DefaultNamespaces: map[string]cache.Config{ns: {}}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	inf, err := c.GetInformer(ctx, &convoyv1alpha1.Release{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    t.observe,
		UpdateFunc: func(_, obj any) { t.observe(obj) },
	}); err != nil {
		b.Fatal(err)
	}
	go func() { _ = c.Start(ctx) }()
	synced, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	if !c.WaitForCacheSync(synced) {
		b.Fatal("the Releases' informer did not sync within a minute")
	}
	return t
}

func (t *tracker) observe(obj any) {
	rel, ok := obj.(*convoyv1alpha1.Release)
	if !ok {
		return
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.byName[rel.Name]
	if r == nil {
		r = &releaseTimes{name: rel.Name, app: rel.Labels[convoyv1alpha1.LabelApplication]}
		t.byName[rel.Name] = r
	}
	if r.complete.IsZero() && conditions.IsTrue(rel.Status.Conditions, convoyv1alpha1.ConditionComplete) {
		r.complete = now
	}
	if r.achieved.IsZero() && rel.Status.AchievedStep != nil {
		r.achieved = now
	}
}

// found is, per application, the release found and when it got there.
type found struct {
	at   map[string]time.Time
	name map[string]string
}

// releases finds, per application, the release that got to a state (when
// says when, zero if not yet), leaving out the releases of earlier phases.
// Of two, the earlier wins.
func (t *tracker) releases(when func(*releaseTimes) time.Time, earlier ...map[string]string) found {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := found{at: map[string]time.Time{}, name: map[string]string{}}
next:
	for _, r := range t.byName {
		at := when(r)
		if at.IsZero() || r.app == "" {
			continue
		}
		for _, e := range earlier {
			if e[r.app] == r.name {
				continue next
			}
		}
		if was, ok := f.at[r.app]; !ok || at.Before(was) {
			f.at[r.app], f.name[r.app] = at, r.name
		}
	}
	return f
}

// await waits until find finds want applications, logging progress, and
// fails the benchmark after the phase timeout. The times come from the
// informer's events, so the pace of this loop does not change them.
func (t *tracker) await(b *testing.B, what string, want int, find func() found) found {
	start := time.Now()
	deadline, lastLog := start.Add(t.timeout), start
	for {
		f := find()
		if len(f.at) >= want {
			return f
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s: %d of %d after %s", what, len(f.at), want, t.timeout)
		}
		if time.Since(lastLog) >= 10*time.Second {
			b.Logf("%s: %d of %d after %s", what, len(f.at), want, fmtDur(time.Since(start)))
			lastLog = time.Now()
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// process is the manager as the benchmark sees it: one process, or one
// per shard (ShardsVar), whose figures add up.
type process struct {
	pids    []int
	metrics []string
}

// userHz is the kernel's clock tick for /proc's times (USER_HZ, 100 on
// every Linux architecture Go runs on).
const userHz = 100

// cpuMark is the process's CPU time (user + system, in ticks) at a moment.
type cpuMark struct {
	ticks uint64
	at    time.Time
}

func (p *process) cpu(b *testing.B) cpuMark {
	m := cpuMark{at: time.Now()}
	for _, pid := range p.pids {
		ticks, ok := procTicks(pid)
		if !ok {
			b.Fatalf("the manager's CPU time: /proc/%d/stat unreadable", pid)
		}
		m.ticks += ticks
	}
	return m
}

// cpuSince is the CPU the process used since m, in % of one core.
func (p *process) cpuSince(b *testing.B, m cpuMark) float64 {
	now := p.cpu(b)
	return float64(now.ticks-m.ticks) / userHz / now.at.Sub(m.at).Seconds() * 100
}

// memory is the process's resident memory now and at its peak, and its
// Go heap in use.
type memory struct{ rss, peak, heap uint64 }

func (p *process) memory(b *testing.B) memory {
	var m memory
	for _, pid := range p.pids {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			b.Fatalf("the manager's memory: %v", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			switch f[0] {
			case "VmRSS:":
				m.rss += kb << 10
			case "VmHWM:":
				m.peak += kb << 10
			}
		}
	}
	heap, ok := p.scrape(b).gauge("go_memstats_heap_inuse_bytes")
	if !ok {
		b.Fatalf("%v has no go_memstats_heap_inuse_bytes", p.metrics)
	}
	m.heap = uint64(heap)
	return m
}

// metrics are the families of a scrape of /metrics.
type metrics map[string]*dto.MetricFamily

// scrape reads every process's /metrics; the series of several
// processes are put side by side, so that sums are the manager's.
func (p *process) scrape(b *testing.B) metrics {
	all := metrics{}
	for _, url := range p.metrics {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatalf("scraping the manager: %v", err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			b.Fatalf("scraping the manager: %s: %s", url, resp.Status)
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatalf("scraping the manager: %s: %v", url, err)
		}
		for name, f := range families {
			if have, ok := all[name]; ok {
				have.Metric = append(have.Metric, f.Metric...)
			} else {
				all[name] = f
			}
		}
	}
	return all
}

// awaitQuiet waits until every work queue of the manager has been empty
// for 3 scrapes in a row, a second apart.
func (p *process) awaitQuiet(b *testing.B, timeout time.Duration) {
	deadline, quiet := time.Now().Add(timeout), 0
	for quiet < 3 {
		if depth, _ := p.scrape(b).gauge("workqueue_depth"); depth == 0 {
			quiet++
		} else {
			quiet = 0
		}
		if time.Now().After(deadline) {
			b.Logf("the manager's work queues were not quiet within %s; measuring idle anyway", timeout)
			return
		}
		time.Sleep(time.Second)
	}
}

// gauge sums a gauge's series.
func (m metrics) gauge(name string) (float64, bool) {
	f, ok := m[name]
	if !ok {
		return 0, false
	}
	sum := 0.0
	for _, s := range f.GetMetric() {
		sum += s.GetGauge().GetValue()
	}
	return sum, true
}

// counter sums a counter's series.
func (m metrics) counter(name string) (float64, bool) {
	f, ok := m[name]
	if !ok {
		return 0, false
	}
	sum := 0.0
	for _, s := range f.GetMetric() {
		sum += s.GetCounter().GetValue()
	}
	return sum, true
}

// counterBy sums a counter's series by one label's value.
func (m metrics) counterBy(name, label string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range m[name].GetMetric() {
		for _, l := range s.GetLabel() {
			if l.GetName() == label {
				out[l.GetValue()] += s.GetCounter().GetValue()
			}
		}
	}
	return out
}

// requests are client-go's requests (rest_client_requests_total) by API
// server host and method, of the methods keep accepts (every method when
// nil).
func (m metrics) requests(keep func(method string) bool) requestCounts {
	out := requestCounts{}
	for _, s := range m["rest_client_requests_total"].GetMetric() {
		labels := map[string]string{}
		for _, l := range s.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if keep == nil || keep(labels["method"]) {
			out[hostMethod{labels["host"], labels["method"]}] += s.GetCounter().GetValue()
		}
	}
	return out
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

type hostMethod struct{ host, method string }

// requestCounts count requests by API server host and method.
type requestCounts map[hostMethod]float64

func (c requestCounts) minus(d requestCounts) requestCounts {
	out := requestCounts{}
	for k, n := range c {
		out[k] = n - d[k]
	}
	return out
}

func (c requestCounts) total() float64 {
	sum := 0.0
	for _, n := range c {
		sum += n
	}
	return sum
}

// byHost sums the methods of each host.
func (c requestCounts) byHost() map[string]float64 {
	out := map[string]float64{}
	for k, n := range c {
		out[k.host] += n
	}
	return out
}

// hosts are the hosts counted: the management cluster first, then by
// name.
func (c requestCounts) hosts(names hostNames) []string {
	var hosts []string
	for h := range c.byHost() {
		hosts = append(hosts, h)
	}
	key := func(h string) string {
		if names.of(h) == managementName {
			return ""
		}
		return names.of(h)
	}
	sort.Slice(hosts, func(i, j int) bool { return key(hosts[i]) < key(hosts[j]) })
	return hosts
}

// methods lists a host's methods with a count, divided by per: "GET
// 6.10, PUT 0.10".
func (c requestCounts) methods(host string, per float64, format string) string {
	var parts []string
	for k, n := range c {
		if k.host == host && n != 0 {
			parts = append(parts, fmt.Sprintf("%s "+format, k.method, n/per))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// breakdown lists the hosts and methods with a count, by name:
// "(management: PUT 2)".
func (c requestCounts) breakdown(names hostNames) string {
	var parts []string
	for _, h := range c.hosts(names) {
		if m := c.methods(h, 1, "%.0f"); m != "" {
			parts = append(parts, names.of(h)+": "+m)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, "; ") + ")"
}

// hostNames names API servers by the host:port of their URL.
type hostNames map[string]string

func (n hostNames) of(host string) string {
	if name, ok := n[host]; ok {
		return name
	}
	return host
}

func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return rawURL
	}
	return u.Host
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

func rawMerge(patch []byte) client.Patch { return client.RawPatch(types.MergePatchType, patch) }

// deleteNamespace deletes a namespace without waiting for it to go.
func deleteNamespace(ctx context.Context, c client.Client, name string) error {
	err := c.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// histogramBy sums a histogram's sample sums and counts by one label's
// value.
func (m metrics) histogramBy(name, label string) (sums, counts map[string]float64) {
	sums, counts = map[string]float64{}, map[string]float64{}
	for _, s := range m[name].GetMetric() {
		for _, l := range s.GetLabel() {
			if l.GetName() == label {
				sums[l.GetValue()] += s.GetHistogram().GetSampleSum()
				counts[l.GetValue()] += float64(s.GetHistogram().GetSampleCount())
			}
		}
	}
	return sums, counts
}

// controllerTimes says, per controller, between two scrapes: how many
// reconciles ran, their mean duration, and the mean wait in the queue
// before them: where a phase's time went.
func controllerTimes(before, after metrics) string {
	workSum, workN := after.histogramBy("controller_runtime_reconcile_time_seconds", "controller")
	workSum0, workN0 := before.histogramBy("controller_runtime_reconcile_time_seconds", "controller")
	waitSum, waitN := after.histogramBy("workqueue_queue_duration_seconds", "name")
	waitSum0, waitN0 := before.histogramBy("workqueue_queue_duration_seconds", "name")
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(workN)) {
		n := workN[c] - workN0[c]
		if n == 0 {
			continue
		}
		work := (workSum[c] - workSum0[c]) / n
		wait := 0.0
		if w := waitN[c] - waitN0[c]; w > 0 {
			wait = (waitSum[c] - waitSum0[c]) / w
		}
		parts = append(parts, fmt.Sprintf("%s %.0f× %s (queued %s)", c, n, fmtDur(time.Duration(work*float64(time.Second))), fmtDur(time.Duration(wait*float64(time.Second)))))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}
