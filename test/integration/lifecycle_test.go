package integration

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// An object deleted by hand in an application cluster comes back.
func TestDeletedObjectIsRecreated(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := helloApplication(ns, "phoenix", repo.URL, "", nil)
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, app, 1)[0]
	cluster := waitInstalled(t, mgmt, ns, rel.Name)[0]
	c := env.ClusterClient(t, cluster)
	svcs := &corev1.ServiceList{}
	if err := c.List(ctx, svcs, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: rel.Name}); err != nil || len(svcs.Items) != 1 {
		t.Fatalf("the release's Services: %v (%v)", svcs.Items, err)
	}
	svc := &svcs.Items[0]
	if err := c.Delete(ctx, svc); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() error {
		again := &corev1.Service{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(svc), again); err != nil {
			return err
		}
		if again.UID == svc.UID {
			return fmt.Errorf("service %s not deleted yet", svc.Name)
		}
		return nil
	})
}

// A cluster that cannot be reached is reported as such, and the release is
// installed in its other clusters all the same.
func TestUnreachableClusterDoesNotHoldUpTheOthers(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	dead := &convoyv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: "unreachable-" + ns[len(ns)-6:]},
		Spec: convoyv1alpha1.ClusterSpec{
			APIServerURL:         "https://127.0.0.1:9",
			CredentialsSecretRef: convoyv1alpha1.SecretReference{Namespace: "convoy-system", Name: "cluster-" + env.Clusters[0].Name},
			Region:               "nowhere-" + ns[len(ns)-6:],
		},
	}
	if err := mgmt.Create(ctx, dead); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mgmt.Delete(ctxFor(t), dead) })
	repo := helloRepo(t)
	app := helloApplication(ns, "stoic", repo.URL, "", nil)
	app.Spec.Template.ClusterRequirements.Regions = []convoyv1alpha1.RegionRequirement{{Name: "eu-west"}, {Name: dead.Spec.Region}}
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, app, 1)[0]
	it := &convoyv1alpha1.InstallationTarget{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: rel.Name}}
	eventually(t, time.Minute, func() error {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(it), it); err != nil {
			return err
		}
		got := map[string]string{}
		for _, st := range it.Status.Clusters {
			if cond := meta.FindStatusCondition(st.Conditions, convoyv1alpha1.ConditionReady); cond != nil {
				got[st.Name] = cond.Reason
			}
		}
		if len(got) != 2 || got[dead.Name] != "ClusterUnreachable" {
			return fmt.Errorf("per-cluster reasons %v, want the dead cluster ClusterUnreachable and the other Installed", got)
		}
		for name, reason := range got {
			if name != dead.Name && reason != "Installed" {
				return fmt.Errorf("cluster %s: %s, want Installed", name, reason)
			}
		}
		return nil
	})
	ready := meta.FindStatusCondition(it.Status.Conditions, convoyv1alpha1.ConditionReady)
	if ready.Status != metav1.ConditionFalse || !strings.Contains(ready.Message, dead.Name) {
		t.Errorf("target Ready %+v, want False naming %s", ready, dead.Name)
	}
}

// Re-applying an old template makes a new Release of that environment: a
// rollback is a roll-forward to an old template.
func TestReapplyingAnOldTemplateMakesANewRelease(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := helloApplication(ns, "again", repo.URL, "", map[string]any{"greeting": "one"})
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	waitForReleases(t, mgmt, app, 1)
	for i, greeting := range []string{"two", "one"} {
		changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) {
			a.Spec.Template.Values.Raw = []byte(fmt.Sprintf(`{"greeting":%q}`, greeting))
		})
		waitForReleases(t, mgmt, app, i+2)
	}
	rels := waitForReleases(t, mgmt, app, 3)
	first, last := rels[0], rels[2]
	if last.Labels[convoyv1alpha1.LabelTemplateHash] != first.Labels[convoyv1alpha1.LabelTemplateHash] {
		t.Errorf("the re-applied template hashes to %s, the original to %s", last.Labels[convoyv1alpha1.LabelTemplateHash], first.Labels[convoyv1alpha1.LabelTemplateHash])
	}
	if !strings.HasSuffix(last.Name, "-2") || last.Annotations[convoyv1alpha1.AnnotationReleaseGeneration] != "3" {
		t.Errorf("rollback release %s generation %s, want iteration 2 and generation 3", last.Name, last.Annotations[convoyv1alpha1.AnnotationReleaseGeneration])
	}
}

// A block in the global namespace stops every Application; overriding it by
// name lets one through.
func TestGlobalRolloutBlockAndItsOverride(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	block := &convoyv1alpha1.RolloutBlock{
		ObjectMeta: metav1.ObjectMeta{Namespace: "convoy-system", Name: "freeze-" + ns[len(ns)-6:]},
		Spec:       convoyv1alpha1.RolloutBlockSpec{Message: "company-wide freeze", Author: convoyv1alpha1.RolloutBlockAuthor{Type: "user", Name: "sre"}},
	}
	if err := mgmt.Create(ctx, block); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mgmt.Delete(ctxFor(t), block) })
	repo := helloRepo(t)
	app := helloApplication(ns, "frozen", repo.URL, "", nil)
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	key := "convoy-system/" + block.Name
	waitCondition(t, mgmt, app, func() []metav1.Condition { return app.Status.Conditions }, convoyv1alpha1.ConditionBlocked, "RolloutBlocked", key)

	changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) {
		a.Annotations = map[string]string{convoyv1alpha1.AnnotationOverrideRolloutBlocks: key}
	})
	rel := waitForReleases(t, mgmt, app, 1)[0]
	if rel.Annotations[convoyv1alpha1.AnnotationOverrideRolloutBlocks] != key {
		t.Errorf("the release does not carry the override: %v", rel.Annotations)
	}
	// The block records who overrides it, and forgets an override dropped.
	overrider := ns + "/" + app.Name
	waitOverrides := func(want []string) {
		t.Helper()
		eventually(t, time.Minute, func() error {
			if err := mgmt.Get(ctx, client.ObjectKeyFromObject(block), block); err != nil {
				return err
			}
			if !slices.Equal(block.Status.Overrides, want) {
				return fmt.Errorf("block %s: status.overrides %v, want %v", key, block.Status.Overrides, want)
			}
			return nil
		})
	}
	waitOverrides([]string{overrider})
	changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) { a.Annotations = nil })
	waitOverrides(nil)
}

// waitForNewContender waits for the Application's contender to be a
// Release not in seen, and returns it.
func waitForNewContender(t testing.TB, c client.Client, app *convoyv1alpha1.Application, seen []string) *convoyv1alpha1.Release {
	t.Helper()
	rel := &convoyv1alpha1.Release{}
	eventually(t, time.Minute, func() error {
		got := &convoyv1alpha1.Application{}
		if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(app), got); err != nil {
			return err
		}
		if got.Status.Contender == "" || slices.Contains(seen, got.Status.Contender) {
			return fmt.Errorf("contender %q, want a new one after %v", got.Status.Contender, seen)
		}
		return c.Get(ctxFor(t), client.ObjectKey{Namespace: app.Namespace, Name: got.Status.Contender}, rel)
	})
	return rel
}

// waitComplete waits until the Release is Complete.
func waitComplete(t testing.TB, c client.Client, rel *convoyv1alpha1.Release) {
	t.Helper()
	eventually(t, 2*time.Minute, func() error {
		if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(rel), rel); err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(rel.Status.Conditions, convoyv1alpha1.ConditionComplete) {
			return fmt.Errorf("release %s not complete: waiting for %s; %+v", rel.Name, rel.Status.WaitingFor, rel.Status.Conditions)
		}
		return nil
	})
}

// markComplete makes a Release complete, as the strategy executor will once
// the last step is achieved, and keeps it so until it sticks.
func markComplete(t testing.TB, c client.Client, rel *convoyv1alpha1.Release) {
	t.Helper()
	eventually(t, time.Minute, func() error {
		if err := c.Get(ctxFor(t), client.ObjectKeyFromObject(rel), rel); err != nil {
			return err
		}
		if meta.IsStatusConditionTrue(rel.Status.Conditions, convoyv1alpha1.ConditionComplete) {
			return nil
		}
		meta.SetStatusCondition(&rel.Status.Conditions, metav1.Condition{Type: convoyv1alpha1.ConditionComplete, Status: metav1.ConditionTrue, Reason: "LastStepAchieved"})
		if err := c.Status().Update(ctxFor(t), rel); err != nil {
			return err
		}
		return fmt.Errorf("release %s just marked complete", rel.Name)
	})
}

// History keeps the contender, the incumbent and revisionHistoryLimit
// completed releases more; older ones are deleted, oldest first.
func TestHistoryIsPrunedToTheLimit(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := helloApplication(ns, "pruned", repo.URL, "", map[string]any{"greeting": "0"})
	limit := int32(1)
	app.Spec.RevisionHistoryLimit = &limit
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := 1; i <= 5; i++ {
		newest := waitForNewContender(t, mgmt, app, names)
		names = append(names, newest.Name)
		if i == 5 {
			break
		}
		markComplete(t, mgmt, newest)
		changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) {
			a.Spec.Template.Values.Raw = []byte(fmt.Sprintf(`{"greeting":"%d"}`, i))
		})
	}
	// Releases 1-4 completed, 5 is the contender: 4 is the incumbent, 3 is
	// the one completed release the limit keeps, 1 and 2 are gone.
	eventually(t, time.Minute, func() error {
		got := &convoyv1alpha1.Application{}
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(app), got); err != nil {
			return err
		}
		h := got.Status.History
		if !slices.Equal(h, names[2:]) || got.Status.Incumbent != names[3] {
			return fmt.Errorf("history %v incumbent %s; want %v with incumbent %s", h, got.Status.Incumbent, names[2:], names[3])
		}
		return nil
	})
}
