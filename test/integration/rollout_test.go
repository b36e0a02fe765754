package integration

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// step is a strategy step: capacity and traffic, contender and incumbent.
func step(name string, cc, ic, ct, it int32) convoyv1alpha1.StrategyStep {
	return convoyv1alpha1.StrategyStep{Name: name,
		Capacity: convoyv1alpha1.CapacitySplit{Contender: cc, Incumbent: ic},
		Traffic:  convoyv1alpha1.TrafficSplit{Contender: ct, Incumbent: it}}
}

func threeSteps() []convoyv1alpha1.StrategyStep {
	return []convoyv1alpha1.StrategyStep{
		step("staging", 25, 100, 0, 100),
		step("half", 50, 50, 50, 50),
		step("full on", 100, 0, 100, 0),
	}
}

// replicasIn reads the release's Deployment in a cluster: spec.replicas
// and available replicas.
func replicasIn(t testing.TB, env *testenv.Env, cluster, ns, release string) (int32, int32) {
	t.Helper()
	deps := &appsv1.DeploymentList{}
	if err := env.ClusterClient(t, cluster).List(ctxFor(t), deps, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: release}); err != nil {
		t.Fatal(err)
	}
	if len(deps.Items) != 1 {
		t.Fatalf("cluster %s: release %s has %d Deployments", cluster, release, len(deps.Items))
	}
	d := deps.Items[0]
	return *d.Spec.Replicas, d.Status.AvailableReplicas
}

// waitStep waits until the release has achieved step and then checks, in
// every cluster, the Deployments of both releases: the capacity the step
// asks for, really available.
func waitStep(t testing.TB, env *testenv.Env, c client.Client, rel *convoyv1alpha1.Release, step int32, incumbent string, clusters []string, want map[string]int32) {
	t.Helper()
	eventually(t, 2*time.Minute, func() error {
		if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(rel), rel); err != nil {
			return err
		}
		if a := rel.Status.AchievedStep; a == nil || a.Step != step || rel.Status.WaitingFor == convoyv1alpha1.WaitingForCapacity || rel.Status.WaitingFor == convoyv1alpha1.WaitingForTraffic {
			return fmt.Errorf("release %s achieved %+v waiting for %q, want step %d achieved", rel.Name, rel.Status.AchievedStep, rel.Status.WaitingFor, step)
		}
		return nil
	})
	for _, cluster := range clusters {
		for release, wanted := range want {
			spec, available := replicasIn(t, env, cluster, rel.Namespace, release)
			if spec != wanted || available < wanted {
				t.Errorf("step %d, cluster %s: release %s has %d replicas (%d available), want %d", step, cluster, release, spec, available, wanted)
			}
		}
	}
}

// completeFirstRelease creates the Application and waits for its first
// release to complete, returning it and its clusters.
func completeFirstRelease(t testing.TB, c client.Client, app *convoyv1alpha1.Application) (convoyv1alpha1.Release, []string) {
	t.Helper()
	if err := c.Create(ctxFor(t), app); err != nil {
		t.Fatal(err)
	}
	first := waitForReleases(t, c, app, 1)[0]
	clusters := waitInstalled(t, c, app.Namespace, first.Name)
	waitComplete(t, c, &first)
	return first, clusters
}

// setValues changes the Application's Helm values: a new template.
func setValues(t testing.TB, c client.Client, app *convoyv1alpha1.Application, values string) {
	t.Helper()
	changeApplication(t, c, app, func(a *convoyv1alpha1.Application) {
		a.Spec.Template.Values = &apiextensionsv1.JSON{Raw: []byte(values)}
	})
}

// changeApplication reads the Application, changes it and writes the
// change as a merge patch, as kubectl does: an Update would conflict with
// the status writes that move the object's resourceVersion meanwhile.
func changeApplication(t testing.TB, c client.Client, app *convoyv1alpha1.Application, change func(*convoyv1alpha1.Application)) {
	t.Helper()
	if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(app), app); err != nil {
		t.Fatal(err)
	}
	before := app.DeepCopy()
	change(app)
	if err := c.Patch(ctxFor(t), app, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
}

func setTargetStep(t testing.TB, c client.Client, rel *convoyv1alpha1.Release, step int32) {
	t.Helper()
	if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(rel), rel); err != nil {
		t.Fatal(err)
	}
	patched := rel.DeepCopy()
	patched.Spec.TargetStep = step
	if err := c.Patch(ctxFor(t), patched, client.MergeFrom(rel)); err != nil {
		t.Fatal(err)
	}
}

// A second release walks a 3-step strategy across 3 clusters in 2 regions:
// each target step is achieved in order, with both releases' replicas in
// every cluster exactly as the strategy says; a third release that retreats
// gives the incumbent its full capacity back.
func TestRolloutWalksTheStrategyStepByStep(t *testing.T) {
	env, _, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := helloApplication(ns, "walk", repo.URL, "", map[string]any{"replicas": 4, "greeting": "one"})
	app.Spec.Template.ClusterRequirements.Regions = []convoyv1alpha1.RegionRequirement{{Name: "eu-west", Clusters: one(2)}, {Name: "us-east"}}
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{Steps: threeSteps()}
	// The first release has nothing to protect: it goes straight to full.
	first, clusters := completeFirstRelease(t, mgmt, app)
	waitStep(t, env, mgmt, &first, 2, "", clusters, map[string]int32{first.Name: 4})

	newTemplate := func(greeting string) {
		setValues(t, mgmt, app, fmt.Sprintf(`{"replicas":4,"greeting":%q}`, greeting))
	}
	newTemplate("two")
	second := waitForReleases(t, mgmt, app, 2)[1]
	waitStep(t, env, mgmt, &second, 0, first.Name, clusters, map[string]int32{second.Name: 1, first.Name: 4})
	if second.Status.WaitingFor != convoyv1alpha1.WaitingForCommand {
		t.Errorf("after step 0 the release waits for %q, want Command", second.Status.WaitingFor)
	}
	setTargetStep(t, mgmt, &second, 1)
	waitStep(t, env, mgmt, &second, 1, first.Name, clusters, map[string]int32{second.Name: 2, first.Name: 2})
	setTargetStep(t, mgmt, &second, 2)
	waitStep(t, env, mgmt, &second, 2, first.Name, clusters, map[string]int32{second.Name: 4, first.Name: 0})
	waitComplete(t, mgmt, &second)

	newTemplate("three")
	third := waitForReleases(t, mgmt, app, 3)[2]
	setTargetStep(t, mgmt, &third, 1)
	waitStep(t, env, mgmt, &third, 1, second.Name, clusters, map[string]int32{third.Name: 2, second.Name: 2})
	setTargetStep(t, mgmt, &third, 0)
	waitStep(t, env, mgmt, &third, 0, second.Name, clusters, map[string]int32{third.Name: 1, second.Name: 4})
	// The oldest release was retired to nothing along the way.
	for _, cluster := range clusters {
		if spec, _ := replicasIn(t, env, cluster, ns, first.Name); spec != 0 {
			t.Errorf("cluster %s: the retired release %s still has %d replicas", cluster, first.Name, spec)
		}
	}
}

// A step that does not wait for a command is passed through: the release
// achieves it, then goes on to the next step that waits, by itself.
func TestStepThatDoesNotWaitIsPassedThrough(t *testing.T) {
	env, _, mgmt, ns := begin(t)
	repo := helloRepo(t)
	steps := threeSteps()
	no := false
	steps[0].WaitForCommand = &no
	app := helloApplication(ns, "flow", repo.URL, "", map[string]any{"replicas": 4, "greeting": "one"})
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{Steps: steps}
	first, clusters := completeFirstRelease(t, mgmt, app)
	setValues(t, mgmt, app, `{"replicas":4,"greeting":"two"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	// targetStep stays 0; step 0 does not wait, so the release rests at 1.
	waitStep(t, env, mgmt, &second, 1, first.Name, clusters, map[string]int32{second.Name: 2, first.Name: 2})
	if second.Spec.TargetStep != 0 || second.Status.WaitingFor != convoyv1alpha1.WaitingForCommand {
		t.Errorf("targetStep %d waiting for %q; want the spec untouched and the release waiting for a command at step 1", second.Spec.TargetStep, second.Status.WaitingFor)
	}
}
