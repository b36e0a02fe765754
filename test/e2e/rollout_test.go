package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/devenv/dnsprobe"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/managerproc"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// given starts what every scenario needs: a user in a fresh namespace and
// a manager of its own.
func given(t *testing.T) (*user, *managerproc.Manager) {
	env := testenv.Get(t)
	ns := env.Namespace(t)
	u := &user{CLI: managerproc.NewCLI(t, env, ns), t: t, env: env, ns: ns}
	return u, managerproc.Start(t, u.env, u.ns, zone)
}

// webApplication is the hello chart in all three clusters, published in
// the e2e zone with a one-second TTL, in three steps.
func webApplication(u *user, name, repoURL string) *convoyv1alpha1.Application {
	return &convoyv1alpha1.Application{
		TypeMeta:   metav1.TypeMeta{APIVersion: convoyv1alpha1.GroupVersion.String(), Kind: "Application"},
		ObjectMeta: metav1.ObjectMeta{Namespace: u.ns, Name: name},
		Spec: convoyv1alpha1.ApplicationSpec{Template: convoyv1alpha1.ReleaseEnvironment{
			Source: convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: repoURL, Name: "hello"}},
			Values: values(`{"replicas":3,"greeting":"v1"}`),
			ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: []convoyv1alpha1.RegionRequirement{
				{Name: "eu-west", Clusters: ptr(2)}, {Name: "us-east"}}},
			Strategy: convoyv1alpha1.Strategy{Steps: threeSteps()},
			Traffic: &convoyv1alpha1.TrafficSpec{DNS: &convoyv1alpha1.DNSTraffic{
				Hostname: name + "." + u.ns + "." + zone, TTLSeconds: 1}},
		}},
	}
}

func threeSteps() []convoyv1alpha1.StrategyStep {
	s := func(name string, cc, ic, ct, it int32) convoyv1alpha1.StrategyStep {
		return convoyv1alpha1.StrategyStep{Name: name, Capacity: convoyv1alpha1.CapacitySplit{Contender: cc, Incumbent: ic},
			Traffic: convoyv1alpha1.TrafficSplit{Contender: ct, Incumbent: it}}
	}
	return []convoyv1alpha1.StrategyStep{s("dark", 34, 100, 0, 100), s("canary", 34, 100, 10, 90), s("full", 100, 0, 100, 0)}
}

func ptr(n int32) *int32 { return &n }

func values(raw string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(raw)} }

func helloRepo(t *testing.T) *chartrepo.Server {
	return chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: "../../examples/charts/hello"}}})
}

// apply writes the object as YAML and kubectl-applies it.
func (u *user) apply(obj any) {
	u.t.Helper()
	data, err := yaml.Marshal(obj)
	if err != nil {
		u.t.Fatal(err)
	}
	path := filepath.Join(u.t.TempDir(), "object.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		u.t.Fatal(err)
	}
	u.kubectl("apply", "-f", path)
}

// setValues changes the Application's Helm values with kubectl patch.
func (u *user) setValues(app, raw string) {
	u.t.Helper()
	u.kubectl("patch", "applications.convoy.dev", app, "--type", "merge", "-p", `{"spec":{"template":{"values":`+raw+`}}}`)
}

// releases are the application's Releases, oldest first.
func (u *user) releases(app string) []string {
	u.t.Helper()
	a := &convoyv1alpha1.Application{}
	if err := u.env.ManagementClient(u.t).Get(context.Background(), client.ObjectKey{Namespace: u.ns, Name: app}, a); err != nil {
		u.t.Fatal(err)
	}
	return a.Status.History
}

// waitReleases waits until the application has made n releases.
func (u *user) waitReleases(app string, n int) []string {
	u.t.Helper()
	var rels []string
	eventually(u.t, time.Minute, func() error {
		if rels = u.releases(app); len(rels) != n {
			return fmt.Errorf("releases %v, want %d", rels, n)
		}
		return nil
	})
	return rels
}

// shares measures the split clients see: 2,000 real DNS queries to the
// manager's DNS server, attributed to releases.
func (u *user) shares(m *managerproc.Manager, hostname string) dnsprobe.Shares {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	owners, err := dnsprobe.Owners(ctx, u.env.ManagementClient(u.t), u.ns, hostname)
	if err != nil {
		u.t.Fatal(err)
	}
	s, err := dnsprobe.Measure(ctx, m.DNS, hostname, 2000, owners)
	if err != nil {
		u.t.Fatal(err)
	}
	u.t.Logf("DNS answers for %s: %v of %d", hostname, s.ByRelease, s.Total)
	return s
}

// expectShare checks a release's share of the answers, in percent.
func (u *user) expectShare(s dnsprobe.Shares, release string, want, tolerance float64) {
	u.t.Helper()
	if got := s.Percent(release); got < want-tolerance || got > want+tolerance {
		u.t.Fatalf("release %s answered %.1f%% of the queries, want %.0f%% ± %.0f: %v", release, got, want, tolerance, s.ByRelease)
	}
}

// replicas sums the release's available pods over the clusters.
func (u *user) replicas(release string) int32 {
	u.t.Helper()
	var n int32
	for _, c := range u.env.Clusters {
		deps := &appsv1.DeploymentList{}
		if err := u.env.ClusterClient(u.t, c.Name).List(context.Background(), deps, client.InNamespace(u.ns),
			client.MatchingLabels{convoyv1alpha1.LabelRelease: release}); err != nil {
			u.t.Fatal(err)
		}
		for _, d := range deps.Items {
			n += *d.Spec.Replicas
		}
	}
	return n
}

// completeFirstRelease applies the Application and waits until its first
// release runs everywhere and DNS answers only it.
func completeFirstRelease(u *user, m *managerproc.Manager, app *convoyv1alpha1.Application) string {
	u.t.Helper()
	step(u.t, "When the Application is applied")
	u.apply(app)
	first := u.waitReleases(app.Name, 1)[0]
	step(u.t, "Then its first release completes everywhere and owns every DNS answer")
	u.expect(0, []string{"release " + first + " is complete"}, "wait", app.Name, "--complete", "--timeout", "3m")
	u.expectShare(u.shares(m, app.Spec.Template.Traffic.DNS.Hostname), first, 100, 0)
	return first
}

// A chart release, from an HTTP chart repository, all the way: the first
// release completes, a second one moves step by step with convoy advance
// --wait, and the split clients see follows every step.
func TestChartReleaseStepByStep(t *testing.T) {
	u, m := given(t)
	step(t, "Given the hello chart in an HTTP chart repository")
	app := webApplication(u, "web", helloRepo(t).URL)
	host := app.Spec.Template.Traffic.DNS.Hostname
	first := completeFirstRelease(u, m, app)

	step(t, "When the template changes")
	u.setValues("web", `{"replicas":3,"greeting":"v2"}`)
	second := u.waitReleases("web", 2)[1]
	step(t, "Then the new release gets capacity at step dark but no traffic")
	u.expect(0, []string{"achieved step 0"}, "wait", "web", "--step", "dark", "--timeout", "3m")
	u.expectShare(u.shares(m, host), first, 100, 0)

	step(t, "When it is advanced to canary, Then about 10%% of the answers name it")
	u.expect(0, []string{"achieved step 1"}, "advance", "web", "--wait", "--timeout", "3m")
	u.expectShare(u.shares(m, host), second, 10, 3)

	step(t, "When it is advanced to the last step, Then it owns every answer and is complete")
	u.expect(0, []string{"achieved step 2"}, "advance", "web", "--to", "last", "--wait", "--timeout", "3m")
	u.expectShare(u.shares(m, host), second, 100, 0)
	u.expect(0, []string{first, second}, "history", "web")
	u.expect(0, []string{"contender " + second, "complete"}, "get", "web")
}

// A kustomize release from a real git repository: the first completes,
// moving to another overlay makes a new release that completes too.
func TestKustomizeReleaseStepByStep(t *testing.T) {
	u, m := given(t)
	step(t, "Given the hello kustomization in a git repository")
	repo := gitRepo(t)
	app := webApplication(u, "kz", "")
	app.Spec.Template.Source = convoyv1alpha1.Source{Kustomize: &convoyv1alpha1.KustomizeSource{RepoURL: repo, Ref: "main", Path: "deploy/base"}}
	app.Spec.Template.Values = nil
	first := completeFirstRelease(u, m, app)

	step(t, "When the Application moves to the production overlay")
	u.kubectl("patch", "applications.convoy.dev", "kz", "--type", "merge", "-p", `{"spec":{"template":{"source":{"kustomize":{"path":"deploy/overlays/production"}}}}}`)
	second := u.waitReleases("kz", 2)[1]
	step(t, "Then advancing to the last step completes it, and DNS answers only it")
	u.expect(0, []string{"achieved step 0"}, "wait", "kz", "--step", "0", "--timeout", "3m")
	u.expect(0, []string{"achieved step 2"}, "advance", "kz", "--to", "last", "--wait", "--timeout", "3m")
	u.expectShare(u.shares(m, app.Spec.Template.Traffic.DNS.Hostname), second, 100, 0)
	if first == second {
		t.Fatal("no new release")
	}
}

// A contender whose pods never become ready stalls at its first step:
// convoy wait times out with code 3, no DNS answer ever names it, and
// convoy abort gives everything back to the incumbent.
func TestFailingContenderStallsThenAborts(t *testing.T) {
	u, m := given(t)
	app := webApplication(u, "sick", helloRepo(t).URL)
	host := app.Spec.Template.Traffic.DNS.Hostname
	first := completeFirstRelease(u, m, app)

	step(t, "When a new template's pods can never be scheduled")
	u.setValues("sick", `{"replicas":3,"nodeSelector":{"convoy.dev/nowhere":"true"}}`)
	bad := u.waitReleases("sick", 2)[1]
	step(t, "Then convoy wait gives up with code 3, and no answer names the bad release")
	u.expect(3, []string{"timed out after 15s", "Unschedulable"}, "wait", "sick", "--step", "dark", "--timeout", "15s")
	u.expectShare(u.shares(m, host), first, 100, 0)

	step(t, "When it is aborted, Then the bad release keeps no pods and the incumbent everything")
	u.expect(0, []string{"aborted (never ready)"}, "abort", "sick", "--reason", "never ready")
	u.kubectl("wait", "releases.convoy.dev/"+bad, "--for=condition=Stalled", "--timeout=2m")
	if n := u.replicas(bad); n != 0 {
		t.Errorf("the aborted release still has %d replicas", n)
	}
	if n := u.replicas(first); n != 9 {
		t.Errorf("the incumbent has %d replicas, want 9 (3 per cluster)", n)
	}
	u.expectShare(u.shares(m, host), first, 100, 0)
	u.expect(1, []string{"was aborted: never ready"}, "wait", "sick", "--step", "dark", "--timeout", "30s")
}

// convoy rollback makes a new release of an older release's environment,
// which rolls out like any other.
func TestRollbackToAnOlderRelease(t *testing.T) {
	u, m := given(t)
	app := webApplication(u, "rb", helloRepo(t).URL)
	first := completeFirstRelease(u, m, app)
	step(t, "Given a second release, complete")
	u.setValues("rb", `{"replicas":3,"greeting":"v2"}`)
	u.waitReleases("rb", 2)
	u.expect(0, []string{"achieved step 0"}, "wait", "rb", "--step", "0", "--timeout", "3m")
	u.expect(0, []string{"achieved step 2"}, "advance", "rb", "--to", "last", "--wait", "--timeout", "3m")

	step(t, "When it is rolled back")
	u.expect(0, []string{"environment of release " + first}, "rollback", "rb")
	third := u.waitReleases("rb", 3)[2]
	step(t, "Then a third release carries the first one's values and completes")
	rel := &convoyv1alpha1.Release{}
	if err := u.env.ManagementClient(t).Get(context.Background(), client.ObjectKey{Namespace: u.ns, Name: third}, rel); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	_ = json.Unmarshal(rel.Spec.Environment.Values.Raw, &got)
	if got["greeting"] != "v1" {
		t.Errorf("the rolled-back release has values %v, want the first release's", got)
	}
	u.expect(0, []string{"achieved step 0"}, "wait", "rb", "--step", "0", "--timeout", "3m")
	u.expect(0, []string{"achieved step 2"}, "advance", "rb", "--to", "last", "--wait", "--timeout", "3m")
	u.expectShare(u.shares(m, app.Spec.Template.Traffic.DNS.Hostname), third, 100, 0)
}

// A RolloutBlock stops a new release until it is lifted.
func TestRolloutBlockHoldsANewRelease(t *testing.T) {
	u, m := given(t)
	app := webApplication(u, "frozen", helloRepo(t).URL)
	completeFirstRelease(u, m, app)

	step(t, "Given a RolloutBlock in the namespace")
	u.apply(&convoyv1alpha1.RolloutBlock{
		TypeMeta:   metav1.TypeMeta{APIVersion: convoyv1alpha1.GroupVersion.String(), Kind: "RolloutBlock"},
		ObjectMeta: metav1.ObjectMeta{Namespace: u.ns, Name: "freeze"},
		Spec:       convoyv1alpha1.RolloutBlockSpec{Message: "release freeze", Author: convoyv1alpha1.RolloutBlockAuthor{Type: "user", Name: "ops"}},
	})
	step(t, "When the template changes, Then no release is made and convoy wait says blocked (4)")
	u.setValues("frozen", `{"replicas":3,"greeting":"v2"}`)
	u.expect(4, []string{"is blocked", "freeze"}, "wait", "frozen", "--step", "0", "--timeout", "1m")
	if rels := u.releases("frozen"); len(rels) != 1 {
		t.Fatalf("releases %v under a block, want 1", rels)
	}
	step(t, "When the block is lifted, Then the new release is made and rolls out")
	u.kubectl("delete", "rolloutblocks.convoy.dev", "freeze")
	u.waitReleases("frozen", 2)
	u.expect(0, []string{"achieved step 0"}, "wait", "frozen", "--step", "0", "--timeout", "3m")
}

// events counts the events of an object by reason and message.
func (u *user) events(name, reason string) map[string]int32 {
	u.t.Helper()
	list := &corev1.EventList{}
	if err := u.env.ManagementClient(u.t).List(context.Background(), list, client.InNamespace(u.ns)); err != nil {
		u.t.Fatal(err)
	}
	counts := map[string]int32{}
	for _, e := range list.Items {
		if e.InvolvedObject.Name == name && e.Reason == reason {
			counts[e.Message] += max(e.Count, 1)
		}
	}
	return counts
}
