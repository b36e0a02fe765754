package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

// slowDelay is how late the slow repository answers each request: just
// under helm's 30 s bound on one index fetch (helm.Options.IndexTimeout),
// past which a repository is unreachable, not slow.
const slowDelay = 25 * time.Second

// A repository that answers every request 25 s late slows only the
// applications that use it (issue 14). More applications use it than a
// controller has workers, so had their fetches run inside reconciles they
// would have held every worker, and everything else would have waited for
// that repository too. Instead the applications of a normal repository get
// their first releases scheduled while the slow repository has answered
// nothing; the slow ones meanwhile say that their source is being fetched
// (Reconciling, neither Stalled nor warned about), and get their releases,
// scheduled, once it answers.
func TestSlowRepositoryDelaysOnlyItsApplications(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	start := time.Now()
	// A version of its own: an archive the normal repository also serves
	// would come from the chart cache, which is keyed by content.
	slow := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: helloChart, Versions: []string{"0.9.0"}}}, Delay: slowDelay})
	normal := helloRepo(t)

	var slowApps, normalApps []*convoyv1alpha1.Application
	for i := range manager.DefaultWorkers() + 2 {
		slowApps = append(slowApps, helloApplication(ns, fmt.Sprintf("slow-%d", i), slow.URL, "", nil))
	}
	for i := range 12 {
		normalApps = append(normalApps, helloApplication(ns, fmt.Sprintf("normal-%d", i), normal.URL, "", nil))
	}
	// The slow ones first, so that they reach the workers first.
	for _, app := range append(append([]*convoyv1alpha1.Application{}, slowApps...), normalApps...) {
		if err := mgmt.Create(ctx, app); err != nil {
			t.Fatal(err)
		}
	}

	for _, app := range normalApps {
		waitFirstScheduled(t, mgmt, app, time.Minute)
	}
	t.Logf("%s: %d applications of the normal repository scheduled", time.Since(start), len(normalApps))
	// Each slow application must be seen fetching at least once; not all in
	// the same poll, since a loaded machine may take a while to write the
	// status of the last ones.
	seen := map[string]bool{}
	eventually(t, 30*time.Second, func() error {
		var unseen []string
		var last error
		for _, app := range slowApps {
			if seen[app.Name] {
				continue
			}
			if err := fetching(t, mgmt, app, slow.URL); err != nil {
				unseen, last = append(unseen, app.Name), err
				continue
			}
			seen[app.Name] = true
		}
		if len(unseen) > 0 {
			return fmt.Errorf("%d slow applications not yet seen fetching (%v); the last: %w", len(unseen), unseen, last)
		}
		return nil
	})
	// Answered only grows: nothing answered now means nothing answered
	// while the normal releases were scheduled and the slow applications
	// were seen fetching.
	if n := slow.Answered("/index.yaml"); n != 0 {
		t.Fatalf("the slow repository answered %d index requests before the normal applications were all scheduled and the slow ones seen fetching: they waited for it (or this machine took over %s to schedule them)", n, slowDelay)
	}
	noWarnings(t, mgmt, ns, "slow-")

	// Once the index answers the slow applications get their releases,
	// whose render check waits for the chart, 25 s more, as pending too.
	first := waitForReleases(t, mgmt, slowApps[0], 1)[0]
	t.Logf("%s: %s has release %s", time.Since(start), slowApps[0].Name, first.Name)
	version := first.Spec.Environment.Source.Chart.Version
	waitCondition(t, mgmt, &first, func() []metav1.Condition { return first.Status.Conditions },
		convoyv1alpha1.ConditionScheduled, string(render.ReasonSourcePending), "rendering chart hello "+version+" from "+slow.URL)
	if n := slow.Answered(chartrepo.ChartPath("hello", version)); n != 0 {
		t.Fatalf("the chart was answered %d times before its release was seen pending", n)
	}
	if meta.IsStatusConditionTrue(first.Status.Conditions, convoyv1alpha1.ConditionStalled) {
		t.Errorf("release %s is Stalled while its chart is fetched: %+v", first.Name, first.Status.Conditions)
	}
	for _, app := range slowApps {
		waitFirstScheduled(t, mgmt, app, 90*time.Second)
	}
	t.Logf("%s: %d applications of the slow repository scheduled", time.Since(start), len(slowApps))
	noWarnings(t, mgmt, ns, "slow-")
}

// waitFirstScheduled waits until the Application's first Release exists
// and is scheduled.
func waitFirstScheduled(t testing.TB, c client.Client, app *convoyv1alpha1.Application, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, func() error {
		got := &convoyv1alpha1.Application{}
		if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(app), got); err != nil {
			return err
		}
		if len(got.Status.History) == 0 {
			return fmt.Errorf("application %s has no release yet: %+v", app.Name, got.Status.Conditions)
		}
		rel := &convoyv1alpha1.Release{}
		if err := c.Get(ctxFor(t), client.ObjectKey{Namespace: app.Namespace, Name: got.Status.History[0]}, rel); err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(rel.Status.Conditions, convoyv1alpha1.ConditionScheduled) {
			return fmt.Errorf("release %s not scheduled: %+v", rel.Name, rel.Status.Conditions)
		}
		return nil
	})
}

// fetching checks that the Application has no release and says that its
// source, from repoURL, is being fetched.
func fetching(t testing.TB, c client.Client, app *convoyv1alpha1.Application, repoURL string) error {
	got := &convoyv1alpha1.Application{}
	if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(app), got); err != nil {
		return err
	}
	conds := got.Status.Conditions
	reconciling := meta.FindStatusCondition(conds, convoyv1alpha1.ConditionReconciling)
	switch {
	case len(got.Status.History) != 0:
		return fmt.Errorf("application %s has releases %v before its repository answered", app.Name, got.Status.History)
	case meta.IsStatusConditionTrue(conds, convoyv1alpha1.ConditionStalled):
		return fmt.Errorf("application %s is Stalled while its source is fetched: %+v", app.Name, conds)
	case reconciling == nil || reconciling.Status != metav1.ConditionTrue || reconciling.Reason != string(render.ReasonSourcePending) ||
		!strings.Contains(reconciling.Message, "resolving chart hello (newest) from "+repoURL):
		return fmt.Errorf("application %s: Reconciling %+v, want %s naming the chart and %s", app.Name, reconciling, render.ReasonSourcePending, repoURL)
	case got.Status.Phase != convoyv1alpha1.PhasePending:
		return fmt.Errorf("application %s: phase %s, want %s", app.Name, got.Status.Phase, convoyv1alpha1.PhasePending)
	}
	return nil
}

// noWarnings fails the test if an object of ns whose name starts with
// prefix has a Warning event.
func noWarnings(t testing.TB, c client.Client, ns, prefix string) {
	t.Helper()
	events := &corev1.EventList{}
	if err := c.List(ctxFor(t), events, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		if e.Type == corev1.EventTypeWarning && strings.HasPrefix(e.InvolvedObject.Name, prefix) {
			t.Errorf("Warning event on %s %s: %s: %s", e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message)
		}
	}
}
