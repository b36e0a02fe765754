package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/controller/release"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// halfSteps: dark, then half the capacity and traffic each, then all in.
func halfSteps() []convoyv1alpha1.StrategyStep {
	return []convoyv1alpha1.StrategyStep{
		step("dark", 0, 100, 0, 100),
		step("half", 50, 50, 50, 50),
		step("full on", 100, 0, 100, 0),
	}
}

// capacitySampler reads, every 100 ms until stopped, the published DNS
// weights of a hostname and each release's available pods, and records
// every moment a release held more of the weight than its available pods
// cover (I1), beyond one per mille of apportionment rounding.
type capacitySampler struct {
	mu         sync.Mutex
	violations []string
	samples    int
	// weightSeen: the last weight seen per release.
	weightSeen map[string]int64
	stop       func()
	done       chan struct{}
}

func sampleCapacity(t *testing.T, c client.Client, ns, hostname string, onSample func(weights map[string]int64)) *capacitySampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &capacitySampler{weightSeen: map[string]int64{}, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for deadline := time.Now().Add(5 * time.Minute); ctx.Err() == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			sets := &convoyv1alpha1.DNSRecordSetList{}
			cts := &convoyv1alpha1.CapacityTargetList{}
			if c.List(ctx, sets, client.InNamespace(ns)) != nil || c.List(ctx, cts, client.InNamespace(ns)) != nil {
				continue
			}
			weights, clustersOf := map[string]int64{}, map[string]map[string]bool{}
			var total int64
			for _, set := range sets.Items {
				if set.Spec.Hostname != hostname {
					continue
				}
				for _, r := range set.Spec.Records {
					weights[r.Release] += int64(r.Weight)
					total += int64(r.Weight)
					if clustersOf[r.Release] == nil {
						clustersOf[r.Release] = map[string]bool{}
					}
					clustersOf[r.Release][r.Cluster] = true
				}
			}
			s.mu.Lock()
			s.samples++
			for rel, w := range weights {
				s.weightSeen[rel] = w
				var available, full int64
				for _, ct := range cts.Items {
					if ct.Name != rel {
						continue
					}
					for _, spec := range ct.Spec.Clusters {
						if clustersOf[rel][spec.Name] {
							full += int64(spec.TotalReplicaCount)
						}
					}
					for _, st := range ct.Status.Clusters {
						if clustersOf[rel][st.Name] {
							available += int64(st.AvailableReplicas)
						}
					}
				}
				// w/total <= available/full, with 1/1000 of rounding.
				if full > 0 && w*full*1000 > available*total*1000+total*full {
					s.violations = append(s.violations, fmt.Sprintf("%s: %.1f%% of the weight on %d of %d pods (weights %v)", rel, float64(w)*100/float64(total), available, full, weights))
				}
			}
			s.mu.Unlock()
			if onSample != nil {
				onSample(weights)
			}
		}
	}()
	t.Cleanup(s.halt)
	return s
}

func (s *capacitySampler) halt() {
	s.stop()
	<-s.done
}

// expectCovered stops the sampler and fails the test if capacity did not
// cover traffic at some sample.
func (s *capacitySampler) expectCovered(t *testing.T) {
	t.Helper()
	s.halt()
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Logf("%d samples of the published weights and the pods", s.samples)
	if len(s.violations) > 0 {
		t.Errorf("capacity did not cover traffic (I1) %d times, first: %s", len(s.violations), s.violations[0])
	}
}

// A release superseded at a step where the incumbent runs half its pods
// keeps its traffic until the incumbent has its full capacity back; only
// then does its weight leave, and its pods after that (I3). At no moment
// does any release hold more of the DNS weight than its pods cover (I1).
// Before supersession went through the planner the superseded release's
// weight dropped to 0 at once, and the incumbent took every answer on half
// its pods.
func TestSupersededReleaseKeepsTrafficUntilTheIncumbentCanCarryIt(t *testing.T) {
	env, _, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app, first, second, clusters, sampler := atHalf(t, env, mgmt, ns, "superseded", repo.URL)
	setValues(t, mgmt, app, `{"replicas":4,"greeting":"three"}`)
	third := waitForReleases(t, mgmt, app, 3)[2]
	// The superseded release says who drives it now.
	waitCondition(t, mgmt, &second, func() []metav1.Condition { return second.Status.Conditions }, convoyv1alpha1.ConditionSuperseded, release.ReasonNewerRelease, third.Name)
	waitStep(t, env, mgmt, &third, 0, first.Name, clusters, map[string]int32{third.Name: 0, first.Name: 4, second.Name: 0})
	sampler.expectCovered(t)
	if w := trafficWeights(t, mgmt, ns, second.Name); sum(w) != 0 {
		t.Errorf("the superseded release %s still has traffic weights %v", second.Name, w)
	}
}

// A superseded release keeps its traffic for as long as the release that
// superseded it cannot start: here its template does not even render, so
// no capacity is coming. Before, the superseded release was retired at
// once, and the incumbent took every answer on half its pods.
func TestSupersededReleaseKeepsTrafficWhileItsSuccessorCannotStart(t *testing.T) {
	env, _, mgmt, ns := begin(t)
	repo := helloRepo(t)
	broken := chartrepo.CopyChart(t, helloChart)
	if err := os.WriteFile(filepath.Join(broken, "templates", "configmap.yaml"),
		[]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  x: {{ .Values.nope.deeper }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	brokenRepo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: broken}}})
	app, first, second, clusters, sampler := atHalf(t, env, mgmt, ns, "stuck", repo.URL)
	changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) { a.Spec.Template.Source.Chart.RepoURL = brokenRepo.URL })
	third := waitForReleases(t, mgmt, app, 3)[2]
	waitCondition(t, mgmt, &third, func() []metav1.Condition { return third.Status.Conditions }, convoyv1alpha1.ConditionScheduled, "TemplateError", "configmap.yaml")
	waitCondition(t, mgmt, &second, func() []metav1.Condition { return second.Status.Conditions }, convoyv1alpha1.ConditionSuperseded, release.ReasonNewerRelease, third.Name)
	time.Sleep(3 * time.Second) // long enough for any retirement to show
	if w := trafficWeights(t, mgmt, ns, second.Name); sum(w) == 0 {
		t.Errorf("the superseded release %s lost its traffic while its successor cannot start", second.Name)
	}
	for _, cluster := range clusters {
		if spec, _ := replicasIn(t, env, cluster, ns, second.Name); spec != 2 {
			t.Errorf("cluster %s: the superseded release %s has %d replicas, want its 2", cluster, second.Name, spec)
		}
	}

	// A template that renders again moves everything on, safely.
	changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) {
		a.Spec.Template.Source.Chart.RepoURL = repo.URL
		a.Spec.Template.Values.Raw = []byte(`{"replicas":4,"greeting":"four"}`)
	})
	fourth := waitForReleases(t, mgmt, app, 4)[3]
	waitStep(t, env, mgmt, &fourth, 0, first.Name, clusters, map[string]int32{fourth.Name: 0, first.Name: 4, second.Name: 0})
	sampler.expectCovered(t)
}

// atHalf makes an application whose first release is complete and whose
// second is at step 1 (half) of halfSteps, with 4 replicas at full, and
// starts sampling its published weights and pods.
func atHalf(t *testing.T, env *testenv.Env, mgmt client.Client, ns, name, repoURL string) (*convoyv1alpha1.Application, convoyv1alpha1.Release, convoyv1alpha1.Release, []string, *capacitySampler) {
	t.Helper()
	app := dnsApplication(ns, name, repoURL)
	app.Spec.Template.Values.Raw = []byte(`{"replicas":4}`)
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{Steps: halfSteps()}
	first, clusters := completeFirstRelease(t, mgmt, app)
	setValues(t, mgmt, app, `{"replicas":4,"greeting":"two"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	setTargetStep(t, mgmt, &second, 1)
	waitStep(t, env, mgmt, &second, 1, first.Name, clusters, map[string]int32{second.Name: 2, first.Name: 2})
	hostname := strings.TrimSuffix(app.Spec.Template.Traffic.DNS.Hostname, ".")
	return app, first, second, clusters, sampleCapacity(t, mgmt, ns, hostname, nil)
}

func sum(m map[string]int32) (s int32) {
	for _, v := range m {
		s += v
	}
	return s
}

// A target that goes missing is re-created, and a missing incumbent target
// never reads as "no incumbent" (I4): before, the contender jumped straight
// to its last step, taking every answer from an incumbent it no longer saw.
func TestMissingTargetsAreRecreatedAndNeverSkipTheIncumbent(t *testing.T) {
	env, _, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := helloApplication(ns, "missing", repo.URL, "", map[string]any{"replicas": 4, "greeting": "one"})
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{Steps: threeSteps()}
	first, clusters := completeFirstRelease(t, mgmt, app)
	setValues(t, mgmt, app, `{"replicas":4,"greeting":"two"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	waitStep(t, env, mgmt, &second, 0, first.Name, clusters, map[string]int32{second.Name: 1, first.Name: 4})

	// The incumbent's capacity target disappears: the contender stays at
	// step 0, and the target comes back at full capacity.
	ct := &convoyv1alpha1.CapacityTarget{}
	if err := mgmt.Get(ctxFor(t), client.ObjectKey{Namespace: ns, Name: first.Name}, ct); err != nil {
		t.Fatal(err)
	}
	uid := ct.UID
	if err := mgmt.Delete(ctxFor(t), ct); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() error {
		back := &convoyv1alpha1.CapacityTarget{}
		if err := mgmt.Get(ctxFor(t), client.ObjectKey{Namespace: ns, Name: first.Name}, back); err != nil {
			return err
		}
		if back.UID == uid {
			return fmt.Errorf("capacity target %s not deleted yet", first.Name)
		}
		for _, c := range back.Spec.Clusters {
			if c.Percent != 100 {
				return fmt.Errorf("re-created capacity target %s has %d%% in %s, want 100%%", first.Name, c.Percent, c.Name)
			}
		}
		return nil
	})
	// The contender never moved past its step, and its incumbent kept
	// every pod.
	if err := mgmt.Get(ctxFor(t), client.ObjectKeyFromObject(&second), &second); err != nil {
		t.Fatal(err)
	}
	if a := second.Status.AchievedStep; a == nil || a.Step != 0 || meta.IsStatusConditionTrue(second.Status.Conditions, convoyv1alpha1.ConditionComplete) {
		t.Fatalf("with its incumbent's target missing, %s got to %+v (complete: %v): it skipped the incumbent",
			second.Name, a, meta.IsStatusConditionTrue(second.Status.Conditions, convoyv1alpha1.ConditionComplete))
	}
	for _, cluster := range clusters {
		if spec, _ := replicasIn(t, env, cluster, ns, first.Name); spec != 4 {
			t.Errorf("cluster %s: the incumbent %s has %d replicas, want its 4", cluster, first.Name, spec)
		}
	}

	// The contender's own traffic target disappears: it comes back, and the
	// rollout goes on.
	tt := &convoyv1alpha1.TrafficTarget{}
	if err := mgmt.Get(ctxFor(t), client.ObjectKey{Namespace: ns, Name: second.Name}, tt); err != nil {
		t.Fatal(err)
	}
	if err := mgmt.Delete(ctxFor(t), tt); err != nil {
		t.Fatal(err)
	}
	setTargetStep(t, mgmt, &second, 1)
	waitStep(t, env, mgmt, &second, 1, first.Name, clusters, map[string]int32{second.Name: 2, first.Name: 2})
}
