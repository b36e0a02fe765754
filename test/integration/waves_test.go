package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/placement"
)

// wavedApplication is dnsApplication (2 clusters in eu-west, 1 in
// us-east) rolled out in three waves of one cluster: a canary cluster of
// eu-west, the rest of eu-west, then us-east; each wave takes a canary
// step (10/90) and full on.
func wavedApplication(ns, name, repoURL string) *convoyv1alpha1.Application {
	app := dnsApplication(ns, name, repoURL)
	one := intstr.FromInt32(1)
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{
		Steps: []convoyv1alpha1.StrategyStep{step("canary", 50, 100, 10, 90), step("full on", 100, 0, 100, 0)},
		Waves: []convoyv1alpha1.Wave{
			{Name: "canary", Regions: []string{"eu-west"}, Clusters: &one},
			{Name: "eu-west", Regions: []string{"eu-west"}},
			{Name: "us-east"},
		},
	}
	return app
}

// waveClusters reads the release's waves from its status, once formed.
func waveClusters(t testing.TB, c client.Client, rel *convoyv1alpha1.Release) [][]string {
	t.Helper()
	var out [][]string
	eventually(t, time.Minute, func() error {
		if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(rel), rel); err != nil {
			return err
		}
		if len(rel.Status.Waves) == 0 {
			return fmt.Errorf("release %s has no waves in its status yet", rel.Name)
		}
		out = nil
		for _, w := range rel.Status.Waves {
			out = append(out, w.Clusters)
		}
		return nil
	})
	return out
}

// waitAchieved waits until the release achieved step.
func waitAchieved(t testing.TB, c client.Client, rel *convoyv1alpha1.Release, step int32) {
	t.Helper()
	eventually(t, 2*time.Minute, func() error {
		if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(rel), rel); err != nil {
			return err
		}
		if a := rel.Status.AchievedStep; a == nil || a.Step != step || rel.Status.WaitingFor != convoyv1alpha1.WaitingForCommand && rel.Status.WaitingFor != "" {
			return fmt.Errorf("release %s achieved %+v waiting for %q, want step %d", rel.Name, rel.Status.AchievedStep, rel.Status.WaitingFor, step)
		}
		return nil
	})
}

// clusterShares asks DNS n times and returns, per cluster, its share of
// the answers and the contender's share of that cluster's answers.
func clusterShares(r *resolver, n int, owners map[string]string, contender string, clusters []string) (share, contenderIn map[string]float64) {
	counts := r.shares(n, owners)
	share, contenderIn = map[string]float64{}, map[string]float64{}
	for _, cl := range clusters {
		var all, mine int
		for owner, k := range counts {
			if strings.HasSuffix(owner, "/"+cl) {
				all += k
				if strings.HasPrefix(owner, contender+"/") {
					mine += k
				}
			}
		}
		share[cl] = float64(all) / float64(n)
		if all > 0 {
			contenderIn[cl] = float64(mine) / float64(all)
		}
	}
	return share, contenderIn
}

// A release rolls out wave by wave over the three clusters: at every stop,
// the clusters of finished waves answer with the contender only, the
// moving wave's with the step's split, the others with the incumbent only,
// and every cluster keeps a third of the answers (each runs the same
// capacity). Then a third release aborted in the middle wave retreats the
// waves in reverse order: the middle wave's cluster gives up the
// contender's capacity before the canary cluster does.
func TestWavesRollOutClusterByCluster(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := wavedApplication(ns, "waves", repo.URL)
	hostname := app.Spec.Template.Traffic.DNS.Hostname
	first, clusters := completeFirstRelease(t, mgmt, app)
	if len(clusters) != 3 {
		t.Fatalf("the release runs in %v, want 3 clusters", clusters)
	}
	if len(first.Spec.Environment.Strategy.Steps) != 6 || first.Spec.Environment.Strategy.Steps[2].Name != "eu-west/canary" {
		t.Fatalf("the release's steps are %+v, want each wave's two steps one after the other", first.Spec.Environment.Strategy.Steps)
	}
	waves := waveClusters(t, mgmt, &first)
	if len(waves) != 3 || len(waves[0]) != 1 || len(waves[1]) != 1 || len(waves[2]) != 1 || !strings.HasPrefix(waves[0][0], "eu-west") || !strings.HasPrefix(waves[2][0], "us-east") {
		t.Fatalf("waves %v, want one eu-west cluster, the other, then us-east", waves)
	}

	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	r := newResolver(t, hostname)
	owners := addresses(t, env, ns, clusters, first.Name, second.Name)
	const n = 1500
	for stop := int32(0); stop < 6; stop++ {
		if stop > 0 {
			setTargetStep(t, mgmt, &second, stop)
		}
		waitAchieved(t, mgmt, &second, stop)
		time.Sleep(1100 * time.Millisecond) // one TTL
		share, contenderIn := clusterShares(r, n, owners, second.Name, clusters)
		wave, at := stop/2, stop%2
		var line []string
		for w, members := range waves {
			cl := members[0]
			want := 0.0 // a wave not started: the incumbent whole
			switch {
			case int32(w) < wave || int32(w) == wave && at == 1:
				want = 1
			case int32(w) == wave:
				want = 0.1
			}
			line = append(line, fmt.Sprintf("%s %.0f%% of answers (contender %.0f%%)", cl, 100*share[cl], 100*contenderIn[cl]))
			if share[cl] < 0.25 || share[cl] > 0.42 {
				t.Errorf("stop %d (%s): cluster %s has %.1f%% of the answers, want a third", stop, second.Spec.Environment.Strategy.Steps[stop].Name, cl, 100*share[cl])
			}
			if d := contenderIn[cl] - want; d < -0.05 || d > 0.05 {
				t.Errorf("stop %d (%s): the contender has %.1f%% of %s's answers, want %.0f%%", stop, second.Spec.Environment.Strategy.Steps[stop].Name, 100*contenderIn[cl], cl, 100*want)
			}
		}
		t.Logf("stop %d %-16s %s", stop, second.Spec.Environment.Strategy.Steps[stop].Name, strings.Join(line, "  "))
	}
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), &second); err != nil {
		t.Fatal(err)
	}
	for _, w := range second.Status.Waves {
		if w.Phase != convoyv1alpha1.WaveComplete || w.Step != "2/2" {
			t.Errorf("after the last step, wave %s is %s at %s, want Complete at 2/2", w.Name, w.Phase, w.Step)
		}
	}
	waitComplete(t, mgmt, &second)
	expectEvent(t, mgmt, ns, second.Name, "WaveComplete", "us-east")

	// A third release, taken to the middle wave's full on, then aborted.
	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v3"}`)
	third := waitForReleases(t, mgmt, app, 3)[2]
	setTargetStep(t, mgmt, &third, 3)
	waitAchieved(t, mgmt, &third, 3)
	owners = addresses(t, env, ns, clusters, second.Name, third.Name)
	canary, middle := waves[0][0], waves[1][0]
	gone := map[string]time.Time{}
	before := third.DeepCopy()
	third.Spec.Aborted = &convoyv1alpha1.Abort{Reason: "waves test"}
	if err := mgmt.Patch(ctx, &third, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, func() error {
		ct := &convoyv1alpha1.CapacityTarget{}
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&third), ct); err != nil {
			return err
		}
		for _, c := range ct.Spec.Clusters {
			if _, seen := gone[c.Name]; c.Percent == 0 && !seen {
				gone[c.Name] = time.Now()
			}
		}
		if len(gone) < 3 {
			return fmt.Errorf("the contender's capacity is gone from %v only", gone)
		}
		return nil
	})
	if !gone[middle].Before(gone[canary]) {
		t.Errorf("the abort took the contender's capacity from the canary cluster %s (%s) before the middle wave's %s (%s): want the last wave first",
			canary, gone[canary].Format(time.StampMilli), middle, gone[middle].Format(time.StampMilli))
	}
	time.Sleep(1100 * time.Millisecond)
	if counts := r.shares(300, owners); releaseOf(counts, second.Name) != 300 {
		t.Errorf("after the abort: answers %v, want all 300 from the incumbent %s", counts, second.Name)
	}
}

// A wave with maxConcurrency 1 moves one cluster at a time: the second
// cluster of the wave gets any of the contender's capacity only once the
// first is done (contender alone, every target achieved).
func TestWaveMaxConcurrency(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := dnsApplication(ns, "serial", repo.URL)
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{
		Steps: []convoyv1alpha1.StrategyStep{step("full on", 100, 0, 100, 0)},
		Waves: []convoyv1alpha1.Wave{
			{Name: "canary", Regions: []string{"us-east"}},
			{Name: "rest", MaxConcurrency: one(1)},
		},
	}
	first, _ := completeFirstRelease(t, mgmt, app)
	waves := waveClusters(t, mgmt, &first)
	if len(waves) != 2 || len(waves[1]) != 2 {
		t.Fatalf("waves %v, want us-east then the two eu-west clusters", waves)
	}
	x, y := waves[1][0], waves[1][1]
	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	waitAchieved(t, mgmt, &second, 0)
	setTargetStep(t, mgmt, &second, 1)

	// Watch both releases' targets until the wave is done.
	done := func(cl string) (bool, error) {
		var mine, theirs [2]int32
		for i, name := range []string{second.Name, first.Name} {
			ct, tt := &convoyv1alpha1.CapacityTarget{}, &convoyv1alpha1.TrafficTarget{}
			if err := mgmt.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, ct); err != nil {
				return false, err
			}
			if err := mgmt.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, tt); err != nil {
				return false, err
			}
			if i == 1 && (ct.Status.ObservedGeneration != ct.Generation || !meta.IsStatusConditionTrue(ct.Status.Conditions, convoyv1alpha1.ConditionReady)) {
				return false, nil
			}
			pair := &mine
			if i == 1 {
				pair = &theirs
			}
			for _, c := range ct.Spec.Clusters {
				if c.Name == cl {
					pair[0] = c.Percent
				}
			}
			for _, c := range tt.Spec.Clusters {
				if c.Name == cl {
					pair[1] = c.Weight
				}
			}
		}
		return mine == [2]int32{100, 100} && theirs == [2]int32{0, 0}, nil
	}
	deadline := time.Now().Add(2 * time.Minute)
	yStarted, xDone := false, false
	for !yStarted && time.Now().Before(deadline) {
		ct := &convoyv1alpha1.CapacityTarget{}
		if err := mgmt.Get(ctx, client.ObjectKey{Namespace: ns, Name: second.Name}, ct); err != nil {
			t.Fatal(err)
		}
		var err error
		if xDone, err = done(x); err != nil {
			t.Fatal(err)
		}
		for _, c := range ct.Spec.Clusters {
			if c.Name == y && c.Percent > 0 {
				yStarted = true
			}
		}
		if yStarted && !xDone {
			t.Fatalf("%s got the contender's capacity while %s, in the same wave with maxConcurrency 1, was not done", y, x)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !yStarted {
		t.Fatalf("%s never started", y)
	}
	waitAchieved(t, mgmt, &second, 1)
}

// A selector with Gt and Lt on a numeric Cluster label places the release
// on the cluster whose label is in range; a selector that too few clusters
// match fails, naming the selector and the counts, and installs nothing.
func TestClusterSelectorByNumericLabel(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	const key = "convoy.dev/test-capacity"
	for i, cl := range env.Clusters {
		labelCluster(t, mgmt, cl.Name, key, fmt.Sprint(8*(i+1)*(i+1))) // 8, 32, 72
	}
	repo := helloRepo(t)
	app := helloApplication(ns, "picky", repo.URL, "", nil)
	app.Spec.Template.ClusterRequirements = convoyv1alpha1.ClusterRequirements{
		Regions: []convoyv1alpha1.RegionRequirement{{Name: "eu-west"}},
		Selector: &convoyv1alpha1.ClusterSelector{MatchExpressions: []convoyv1alpha1.ClusterSelectorRequirement{
			{Key: key, Operator: convoyv1alpha1.SelectorGt, Values: []string{"10"}},
			{Key: key, Operator: convoyv1alpha1.SelectorLt, Values: []string{"50"}},
		}},
	}
	rel, clusters := completeFirstRelease(t, mgmt, app)
	var want []string
	for _, cl := range env.Clusters {
		c := &convoyv1alpha1.Cluster{}
		if err := mgmt.Get(ctx, client.ObjectKey{Name: cl.Name}, c); err != nil {
			t.Fatal(err)
		}
		if c.Spec.Region == "eu-west" && c.Labels[key] == "32" {
			want = append(want, c.Name)
		}
	}
	if !slices.Equal(clusters, want) {
		t.Fatalf("release %s runs in %v, want %v (the eu-west cluster labelled 32)", rel.Name, clusters, want)
	}

	greedy := helloApplication(ns, "greedy", repo.URL, "", nil)
	greedy.Spec.Template.ClusterRequirements = convoyv1alpha1.ClusterRequirements{
		Regions: []convoyv1alpha1.RegionRequirement{{Name: "eu-west", Clusters: one(2)}},
		Selector: &convoyv1alpha1.ClusterSelector{MatchExpressions: []convoyv1alpha1.ClusterSelectorRequirement{
			{Key: key, Operator: convoyv1alpha1.SelectorGt, Values: []string{"10"}}}},
	}
	expectNotScheduled(t, mgmt, greedy, string(placement.ReasonNotEnoughMatchingClusters),
		`region "eu-west" needs 2 clusters matching the selector (convoy.dev/test-capacity>10) but 1 of its 2 schedulable and capable clusters match`)
}

// labelCluster sets a label on a Cluster for the test's life.
func labelCluster(t testing.TB, c client.Client, name, key, value string) {
	t.Helper()
	cl := &convoyv1alpha1.Cluster{}
	if err := c.Get(ctxFor(t), client.ObjectKey{Name: name}, cl); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cl.DeepCopy())
	if cl.Labels == nil {
		cl.Labels = map[string]string{}
	}
	cl.Labels[key] = value
	if err := c.Patch(ctxFor(t), cl, patch); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		raw := fmt.Sprintf(`{"metadata":{"labels":{%q:null}}}`, key)
		_ = c.Patch(ctxFor(t), &convoyv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}}, client.RawPatch("application/merge-patch+json", []byte(raw)))
	})
}

// expectNotScheduled creates the Application and waits for its release to
// stall with reason and a message containing text; nothing is installed.
func expectNotScheduled(t testing.TB, c client.Client, app *convoyv1alpha1.Application, reason, text string) {
	t.Helper()
	if err := c.Create(ctxFor(t), app); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, c, app, 1)[0]
	eventually(t, time.Minute, func() error {
		if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(&rel), &rel); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(rel.Status.Conditions, convoyv1alpha1.ConditionStalled)
		if cond == nil || cond.Reason != reason || !strings.Contains(cond.Message, text) {
			return fmt.Errorf("release %s stalled %+v, want reason %s with %q", rel.Name, cond, reason, text)
		}
		return nil
	})
	it := &convoyv1alpha1.InstallationTarget{}
	if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(&rel), it); err == nil {
		t.Errorf("release %s has an InstallationTarget for %v although it cannot be scheduled", rel.Name, it.Spec.Clusters)
	}
}

// Waves that cannot be formed stop the release before anything is
// installed, with an error naming the wave's field: a wave choosing no
// cluster, waves that overlap, clusters in no wave, a wave spanning two
// regions under oneRegionPerWave. A bad count or Gt value is refused when
// the release is made.
func TestWavesBadInput(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	one := intstr.FromInt32(1)
	for _, tc := range []struct {
		name      string
		waves     []convoyv1alpha1.Wave
		oneRegion bool
		reason    string
		text      string
	}{
		{"nowhere", []convoyv1alpha1.Wave{{Name: "ap", Regions: []string{"ap-south"}}, {Name: "rest"}}, false, string(placement.ReasonEmptyWave),
			"spec.environment.strategy.waves[0] (ap) chooses no cluster: regions ap-south matches none of the 3 clusters left"},
		{"overlap", []convoyv1alpha1.Wave{{Name: "all"}, {Name: "eu", Regions: []string{"eu-west"}}}, false, string(placement.ReasonEmptyWave),
			"spec.environment.strategy.waves[1] (eu) chooses no cluster: regions eu-west matches eu-west-1, eu-west-2, all taken by earlier waves (the waves overlap)"},
		{"leftover", []convoyv1alpha1.Wave{{Name: "eu", Regions: []string{"eu-west"}}}, false, string(placement.ReasonClustersInNoWave),
			"spec.environment.strategy.waves: clusters us-east-1 are in no wave"},
		{"spans", []convoyv1alpha1.Wave{{Name: "canary", Clusters: &one}, {Name: "rest"}}, true, string(placement.ReasonWaveSpansRegions),
			"spec.environment.strategy.waves[1] (rest) spans regions eu-west, us-east, but oneRegionPerWave is set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := dnsApplication(ns, "bad-"+tc.name, repo.URL)
			app.Spec.Template.Strategy.Waves = tc.waves
			app.Spec.Template.Strategy.OneRegionPerWave = tc.oneRegion
			expectNotScheduled(t, mgmt, app, tc.reason, tc.text)
		})
	}

	// Refused when the release is made: the Application says why.
	bad := intstr.FromString("0%")
	app := dnsApplication(ns, "bad-count", repo.URL)
	app.Spec.Template.Strategy.Waves = []convoyv1alpha1.Wave{{Name: "w", Clusters: &bad}}
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() error {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(app), app); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(app.Status.Conditions, convoyv1alpha1.ConditionStalled)
		if cond == nil || cond.Reason != "InvalidStrategy" || !strings.Contains(cond.Message, "waves[0].clusters: 0% is neither a count of at least 1 nor a percentage") {
			return fmt.Errorf("application stalled %+v, want InvalidStrategy naming waves[0].clusters", cond)
		}
		return nil
	})
}

// A cluster lost (convoy cut off from its API server) while its wave
// moves: the wave holds, nothing is achieved, and DNS keeps answering from
// the clusters convoy sees, the canary cluster's contender included; once
// the cluster is back, the wave completes.
func TestWaveHoldsWhileAClusterIsLost(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := dnsApplication(ns, "lost", repo.URL)
	one := intstr.FromInt32(1)
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{
		Steps: []convoyv1alpha1.StrategyStep{step("full on", 100, 0, 100, 0)},
		Waves: []convoyv1alpha1.Wave{{Name: "canary", Regions: []string{"eu-west"}, Clusters: &one}, {Name: "rest"}},
	}
	first, clusters := completeFirstRelease(t, mgmt, app)
	waves := waveClusters(t, mgmt, &first)
	canary, lost := waves[0][0], waves[1][len(waves[1])-1]
	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	waitAchieved(t, mgmt, &second, 0)
	owners := addresses(t, env, ns, clusters, first.Name, second.Name)
	r := newResolver(t, app.Spec.Template.Traffic.DNS.Hostname)

	if err := env.CutAPI(ctx, lost, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.RestoreAPI(context.Background(), lost) })
	setTargetStep(t, mgmt, &second, 1)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), &second); err != nil {
			t.Fatal(err)
		}
		if a := second.Status.AchievedStep; a != nil && a.Step == 1 {
			t.Fatalf("wave rest achieved while %s was cut off", lost)
		}
		counts := r.shares(100, owners)
		if counts[second.Name+"/"+canary] == 0 {
			t.Fatalf("answers %v while %s is lost: the canary cluster's contender lost its traffic", counts, lost)
		}
		for owner := range counts {
			if strings.HasPrefix(owner, "?") || owner == "(empty)" {
				t.Fatalf("answers %v while %s is lost: an answer nobody owns", counts, lost)
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("after 15s with %s cut off: waiting for %s: %s", lost, second.Status.WaitingFor, conditionMessage(second.Status.Conditions, convoyv1alpha1.ConditionReady))
	if err := env.RestoreAPI(ctx, lost); err != nil {
		t.Fatal(err)
	}
	waitAchieved(t, mgmt, &second, 1)
}

func conditionMessage(conds []metav1.Condition, typ string) string {
	if c := meta.FindStatusCondition(conds, typ); c != nil {
		return c.Message
	}
	return ""
}
