package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli"
	"github.com/convoy-rollouts/convoy/pkg/cli/inspect"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// convoyCLI runs the convoy command line in process against the
// management cluster, in namespace ns, and returns its exit code and
// output.
func convoyCLI(t testing.TB, env *testenv.Env, ns string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--kubeconfig", env.Kubeconfig, "--context", env.ManagementContext, "-n", ns)
	code := cli.Execute(args, &out, &errOut)
	output := out.String() + errOut.String()
	t.Logf("convoy %s → %d\n%s", strings.Join(args[:len(args)-6], " "), code, output)
	return code, output
}

// expectCLI runs the command and checks its exit code and that its output
// mentions each fragment.
func expectCLI(t testing.TB, env *testenv.Env, ns string, code int, fragments []string, args ...string) string {
	t.Helper()
	got, out := convoyCLI(t, env, ns, args...)
	if got != code {
		t.Fatalf("convoy %s exited %d, want %d:\n%s", strings.Join(args, " "), got, code, out)
	}
	for _, f := range fragments {
		if !strings.Contains(out, f) {
			t.Fatalf("convoy %s output lacks %q:\n%s", strings.Join(args, " "), f, out)
		}
	}
	return out
}

// A whole rollout driven through the CLI only, as a person or a pipeline
// would: advance --wait through every step; wait's exit codes each from a
// real situation (0 reached, 4 resting before the asked step, 1 aborted,
// 5 superseded, 3 timed out on pods that never become ready); advance
// refused under a RolloutBlock; abort and retry; rollback to an older
// release.
func TestCLIDrivesARollout(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := dnsApplication(ns, "cli", repo.URL)
	first, _ := completeFirstRelease(t, mgmt, app)
	expectCLI(t, env, ns, 0, []string{"release " + first.Name + " is complete"}, "wait", "cli", "--complete", "--timeout", "30s")
	expectCLI(t, env, ns, 1, []string{"is complete: nothing is rolling out"}, "advance", "cli")
	expectCLI(t, env, ns, 1, []string{"application nope not found in namespace " + ns}, "advance", "nope")

	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	expectCLI(t, env, ns, 0, []string{"waiting up to 1m0s for release " + second.Name, "achieved step 0 (1/3 dark)"}, "wait", "cli", "--step", "dark", "--timeout", "1m")
	// Resting at step 0: waiting for step 2 needs a command first.
	expectCLI(t, env, ns, 4, []string{"waits for a command (convoy advance) before 2 (3/3 full on)"}, "wait", "cli", "--step", "2", "--timeout", "1m")
	expectCLI(t, env, ns, 2, []string{`no step "nope"`}, "advance", "cli", "--to", "nope")

	// A RolloutBlock stops advance.
	block := &convoyv1alpha1.RolloutBlock{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "freeze"}, Spec: convoyv1alpha1.RolloutBlockSpec{Message: "release freeze", Author: convoyv1alpha1.RolloutBlockAuthor{Type: "user", Name: "ops"}}}
	if err := mgmt.Create(ctx, block); err != nil {
		t.Fatal(err)
	}
	expectCLI(t, env, ns, 1, []string{"blocked by RolloutBlock " + ns + "/freeze"}, "advance", "cli")
	if err := mgmt.Delete(ctx, block); err != nil {
		t.Fatal(err)
	}

	expectCLI(t, env, ns, 0, []string{"target step 0 (1/3 dark) → 1 (2/3 canary)", "achieved step 1 (2/3 canary)"}, "advance", "cli", "--wait", "--timeout", "2m")

	// What a person sees at 10/90: the tree, and the same as JSON.
	tree := expectCLI(t, env, ns, 0, []string{"Application cli (namespace " + ns + ")", "contender " + second.Name, "incumbent " + first.Name, "eu-west-1", "us-east-1"}, "get", "cli")
	if !strings.Contains(tree, "2/3 canary") {
		t.Errorf("the tree does not show step 2/3 canary:\n%s", tree)
	}
	var view inspect.RolloutView
	if err := json.Unmarshal([]byte(expectCLI(t, env, ns, 0, nil, "get", "cli", "-o", "json")), &view); err != nil {
		t.Fatal(err)
	}
	var contenderWeight, incumbentWeight int32
	for _, cl := range view.Clusters {
		if cl.Contender == nil || cl.Incumbent == nil || cl.Contender.Weight == nil || cl.Incumbent.Weight == nil {
			t.Fatalf("cluster %s lacks a release or weight: %+v", cl.Name, cl)
		}
		contenderWeight += cl.Contender.Weight.Published
		incumbentWeight += cl.Incumbent.Weight.Published
		if cl.Contender.Replicas.Available != 1 || cl.Incumbent.Replicas.Available != 2 {
			t.Errorf("cluster %s replicas %+v / %+v, want 1 and 2 available", cl.Name, cl.Contender.Replicas, cl.Incumbent.Replicas)
		}
	}
	if contenderWeight != 100 || incumbentWeight != 900 {
		t.Errorf("published weights contender %d incumbent %d, want 100 and 900", contenderWeight, incumbentWeight)
	}
	expectCLI(t, env, ns, 0, []string{"cli", second.Name, "WaitingForCommand"}, "list")
	expectCLI(t, env, ns, 0, []string{first.Name, second.Name, "hello@0.1.0"}, "history", "cli")

	// Abort: back to step 0, held there; wait says 1; retry lifts it.
	expectCLI(t, env, ns, 0, []string{"release " + second.Name + " aborted (bad canary)"}, "abort", "cli", "--reason", "bad canary")
	expectCLI(t, env, ns, 1, []string{"was aborted: bad canary"}, "wait", "cli", "--step", "1", "--timeout", "1m")
	expectCLI(t, env, ns, 1, []string{"was aborted (bad canary): run convoy retry cli first"}, "advance", "cli")
	eventually(t, 2*time.Minute, func() error {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), &second); err != nil {
			return err
		}
		if a := second.Status.AchievedStep; a == nil || a.Step != 0 || !conditionIs(second.Status.Conditions, convoyv1alpha1.ConditionStalled, "Aborted") {
			return fmt.Errorf("aborted release achieved %+v, conditions %+v; want step 0, Stalled Aborted", a, second.Status.Conditions)
		}
		return nil
	})
	expectEvent(t, mgmt, ns, second.Name, "Aborted", "bad canary")
	expectCLI(t, env, ns, 0, []string{"may move again"}, "retry", "cli")
	expectCLI(t, env, ns, 0, []string{"achieved step 1"}, "advance", "cli", "--wait", "--timeout", "2m")
	expectCLI(t, env, ns, 0, []string{"achieved step 2 (3/3 full on)"}, "advance", "cli", "--to", "last", "--wait", "--timeout", "2m")
	expectCLI(t, env, ns, 0, []string{"is complete"}, "wait", "cli", "--complete", "--timeout", "1m")

	// Timed out: pods that never become ready keep the step progressing.
	setValues(t, mgmt, app, `{"replicas":2,"nodeSelector":{"convoy.dev/nowhere":"true"}}`)
	third := waitForReleases(t, mgmt, app, 3)[2]
	expectCLI(t, env, ns, 0, []string{"achieved step 0"}, "wait", "cli", "--step", "0", "--timeout", "1m")
	expectCLI(t, env, ns, 3, []string{"timed out after 5s", "Unschedulable"}, "advance", "cli", "--wait", "--timeout", "5s")

	// Superseded: a new template replaces the release being waited on.
	done := make(chan string, 1)
	go func() {
		_, out := convoyCLI(t, env, ns, "wait", "cli", "--step", "1", "--timeout", "2m")
		done <- out
	}()
	time.Sleep(2 * time.Second)
	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v4"}`)
	fourth := waitForReleases(t, mgmt, app, 4)[3]
	select {
	case out := <-done:
		if !strings.Contains(out, "release "+third.Name+" was superseded by "+fourth.Name) {
			t.Fatalf("wait on a superseded release said:\n%s", out)
		}
	case <-time.After(time.Minute):
		t.Fatal("wait did not notice the release was superseded")
	}
	expectCLI(t, env, ns, 0, []string{"release " + fourth.Name, "achieved step 0"}, "wait", "cli", "--step", "0", "--timeout", "1m")

	// Rollback to the last completed release before the newest: a new
	// release of its environment.
	expectCLI(t, env, ns, 0, []string{"template set to the environment of release " + second.Name}, "rollback", "cli")
	fifth := waitForReleases(t, mgmt, app, 5)[4]
	if string(fifth.Spec.Environment.Values.Raw) != string(second.Spec.Environment.Values.Raw) {
		t.Errorf("rollback made a release of %s, want the values of %s (%s)", fifth.Spec.Environment.Values.Raw, second.Name, second.Spec.Environment.Values.Raw)
	}
	expectCLI(t, env, ns, 0, []string{"release " + fifth.Name, "achieved step 2"}, "advance", "cli", "--to", "last", "--wait", "--timeout", "3m")

}

// conditionIs reports whether the condition typ is True with the reason.
func conditionIs(conds []metav1.Condition, typ, reason string) bool {
	for _, c := range conds {
		if c.Type == typ {
			return c.Status == metav1.ConditionTrue && c.Reason == reason
		}
	}
	return false
}
