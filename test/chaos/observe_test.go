package chaos

import (
	"context"
	"encoding/json"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/miekg/dns"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// What the suite observes, independently of convoy: the capacity and the
// load-balancer addresses in the application clusters (read directly, not
// through convoy's cuttable path), the DNS server's answers, and the
// Releases in the management cluster.

// snapshot is one observation of an application cluster, taken between
// start and end.
type snapshot struct {
	start, end time.Time
	// available pods by release.
	available map[string]int32
	// addresses maps a LoadBalancer address to its release.
	addresses map[string]string
}

// clusterWatch polls one application cluster's Deployments and Services of
// convoy's releases in the run's namespace.
type clusterWatch struct {
	name   string
	subnet netip.Prefix
	c      client.Client
	ns     string

	mu     sync.Mutex
	snaps  []snapshot
	errors int
}

// run polls every interval until ctx ends.
func (w *clusterWatch) run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		w.poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (w *clusterWatch) poll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s := snapshot{start: time.Now(), available: map[string]int32{}, addresses: map[string]string{}}
	ofReleases := []client.ListOption{client.InNamespace(w.ns), client.HasLabels{convoyv1alpha1.LabelRelease}}
	deps, svcs := &appsv1.DeploymentList{}, &corev1.ServiceList{}
	if err := w.c.List(ctx, deps, ofReleases...); err != nil {
		w.failed()
		return
	}
	if err := w.c.List(ctx, svcs, ofReleases...); err != nil {
		w.failed()
		return
	}
	s.end = time.Now()
	for _, d := range deps.Items {
		s.available[d.Labels[convoyv1alpha1.LabelRelease]] += d.Status.AvailableReplicas
	}
	for _, svc := range svcs.Items {
		for _, in := range svc.Status.LoadBalancer.Ingress {
			if in.IP != "" {
				s.addresses[in.IP] = svc.Labels[convoyv1alpha1.LabelRelease]
			}
		}
	}
	w.mu.Lock()
	w.snaps = append(w.snaps, s)
	w.mu.Unlock()
}

func (w *clusterWatch) failed() {
	w.mu.Lock()
	w.errors++
	w.mu.Unlock()
}

// around (called once polling stopped) returns the last snapshot that ended before from and the first
// that started after to: what was known just before an answer was formed
// and just after. ok is false when either is missing.
func (w *clusterWatch) around(from, to time.Time) (before, after snapshot, ok bool) {
	i := sort.Search(len(w.snaps), func(i int) bool { return !w.snaps[i].end.Before(from) })
	if i == 0 {
		return snapshot{}, snapshot{}, false
	}
	before = w.snaps[i-1]
	j := sort.Search(len(w.snaps), func(j int) bool { return !w.snaps[j].start.Before(to) })
	if j == len(w.snaps) {
		return snapshot{}, snapshot{}, false
	}
	return before, w.snaps[j], true
}

// within returns the snapshots taken wholly inside [from, to).
func (w *clusterWatch) within(from, to time.Time) []snapshot {
	i := sort.Search(len(w.snaps), func(i int) bool { return !w.snaps[i].start.Before(from) })
	j := i
	for j < len(w.snaps) && w.snaps[j].end.Before(to) {
		j++
	}
	return w.snaps[i:j]
}

// outcome is what a DNS query got.
type outcome uint8

const (
	answered outcome = iota // an A record
	noRecord                // an answer without an A record (NXDOMAIN, SERVFAIL, empty)
	noAnswer                // no answer in time: the manager, and its DNS server, down
)

// answer is one DNS query: sent and received bound when the server formed
// the answer.
type answer struct {
	sent, received time.Time
	host           int
	addr           netip.Addr
	outcome        outcome
	// rcode is the answer's response code, for noRecord.
	rcode int
}

// sampler asks the DNS server for the hostnames, round robin, at rate
// queries a second spread over workers, until ctx ends or max answers.
type sampler struct {
	server  string
	hosts   []string
	rate    int
	workers int
	max     int

	mu      sync.Mutex
	answers []answer
	began   time.Time
	ended   time.Time
}

func (s *sampler) run(ctx context.Context) {
	s.began = time.Now()
	per := s.max / s.workers
	var wg sync.WaitGroup
	results := make([][]answer, s.workers)
	for w := range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[w] = s.work(ctx, w, per)
		}()
	}
	wg.Wait()
	s.ended = time.Now()
	var all []answer
	for _, r := range results {
		all = append(all, r...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].sent.Before(all[j].sent) })
	s.mu.Lock()
	s.answers = all
	s.mu.Unlock()
}

// work is one worker: its share of the rate, at most max queries.
func (s *sampler) work(ctx context.Context, w, max int) []answer {
	c := &dns.Client{Net: "udp", Timeout: 300 * time.Millisecond}
	tick := time.NewTicker(time.Second * time.Duration(s.workers) / time.Duration(s.rate))
	defer tick.Stop()
	var out []answer
	for i := 0; i < max; i++ {
		select {
		case <-ctx.Done():
			return out
		case <-tick.C:
		}
		host := (i*s.workers + w) % len(s.hosts)
		q := new(dns.Msg)
		q.SetQuestion(dns.Fqdn(s.hosts[host]), dns.TypeA)
		q.RecursionDesired = false
		a := answer{sent: time.Now(), host: host, outcome: noAnswer}
		in, _, err := c.ExchangeContext(ctx, q, s.server)
		a.received = time.Now()
		if err == nil {
			a.outcome, a.rcode = noRecord, in.Rcode
			for _, rr := range in.Answer {
				if rec, ok := rr.(*dns.A); ok {
					if addr, ok := netip.AddrFromSlice(rec.A.To4()); ok {
						a.addr, a.outcome = addr, answered
					}
					break
				}
			}
		}
		out = append(out, a)
	}
	return out
}

// releaseInfo is what the suite saw of one Release.
type releaseInfo struct {
	name, app, greeting string
	generation          int64
	complete, aborted   bool
	vanished            bool
}

// releaseTracker lists the namespace's Releases in the management cluster
// now and then, remembering every Release it ever saw.
type releaseTracker struct {
	c  client.Client
	ns string

	mu     sync.Mutex
	byName map[string]*releaseInfo
	errors int
}

func (tr *releaseTracker) run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		_ = tr.poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (tr *releaseTracker) poll(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	list := &convoyv1alpha1.ReleaseList{}
	err := tr.c.List(ctx, list, client.InNamespace(tr.ns))
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if err != nil {
		tr.errors++
		return err
	}
	present := map[string]bool{}
	for i := range list.Items {
		rel := &list.Items[i]
		present[rel.Name] = true
		info := tr.byName[rel.Name]
		if info == nil {
			info = &releaseInfo{name: rel.Name, app: rel.Labels[convoyv1alpha1.LabelApplication],
				greeting: greetingOf(rel), generation: rel.ReleaseGeneration()}
			tr.byName[rel.Name] = info
		}
		info.complete = info.complete || meta.IsStatusConditionTrue(rel.Status.Conditions, convoyv1alpha1.ConditionComplete)
		info.aborted = info.aborted || rel.Spec.Aborted != nil
	}
	for name, info := range tr.byName {
		if !present[name] {
			info.vanished = true
		}
	}
	return nil
}

// withGreeting is the names of the app's Releases made from the template
// with that greeting.
func (tr *releaseTracker) withGreeting(app, greeting string) []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var names []string
	for _, info := range tr.byName {
		if info.app == app && info.greeting == greeting {
			names = append(names, info.name)
		}
	}
	sort.Strings(names)
	return names
}

// greetingOf is the greeting value a Release was made with: each template
// the driver applies has its own.
func greetingOf(rel *convoyv1alpha1.Release) string {
	if rel.Spec.Environment.Values == nil {
		return ""
	}
	var v struct {
		Greeting string `json:"greeting"`
	}
	_ = json.Unmarshal(rel.Spec.Environment.Values.Raw, &v)
	return v.Greeting
}
