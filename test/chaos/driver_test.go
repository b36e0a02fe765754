package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/test/managerproc"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// endpointFailer breaks (on) and mends the data plane of one application
// cluster: while broken, the load-balancer stand-in's listeners of that
// cluster fail their health checks. Pods and the control plane are left
// alone, so only health checks can tell.
type endpointFailer interface {
	FailEndpoints(cluster string, on bool) error
}

// chaosHealthCheck is what every application checks: fast, so that a
// failed endpoint leaves the answers within seconds.
var chaosHealthCheck = convoyv1alpha1.DNSHealthCheck{Type: convoyv1alpha1.DNSHealthCheckHTTP, Path: "/", IntervalSeconds: 1, FailureThreshold: 2, TimeoutSeconds: 1}

// healthCheckGrace is how long after an endpoint fails the DNS server may
// still answer it: interval × threshold for the checks to notice, plus the
// TTL for resolvers.
func healthCheckGrace(h convoyv1alpha1.DNSHealthCheck, ttl time.Duration) time.Duration {
	return time.Duration(h.IntervalSeconds*h.FailureThreshold)*time.Second + ttl
}

// chaosApp is one application the driver rolls out.
type chaosApp struct {
	name, host string
	// templates are the greetings applied, oldest first: one per template.
	templates []string
}

// episode is a cut or an endpoint failure of one cluster, from..to (to is
// zero while it lasts).
type episode struct {
	cluster  string
	from, to time.Time
}

// counts are what the driver did.
type counts struct {
	templates, supersessions, replacedAborted int
	advances, jumps, aborts, retries          int
	kills, cuts                               int
}

// driver applies the run's chaos, every choice drawn from one seeded
// source.
type driver struct {
	t       *testing.T
	rng     *rand.Rand
	cli     *cli
	mc      client.Client
	env     *testenv.Env
	m       *managerproc.Manager
	tracker *releaseTracker
	apps    []*chaosApp
	failer  endpointFailer
	maxCut  time.Duration

	counts     counts
	cuts       []episode
	failures   []episode
	failingTil time.Time
}

// chaos runs until the driver has applied rollouts new templates or the
// deadline passes.
func (d *driver) chaos(rollouts int, deadline time.Time) {
	for d.counts.templates < rollouts && time.Now().Before(deadline) {
		d.mendEndpointsIfDue()
		switch x := d.rng.Float64(); {
		case x < 0.02:
			d.killManager()
		case x < 0.045:
			d.cutAPI()
		case x < 0.085:
			d.failEndpoints()
		}
		d.actOn(d.apps[d.rng.IntN(len(d.apps))])
		time.Sleep(300*time.Millisecond + time.Duration(d.rng.Int64N(int64(1700*time.Millisecond))))
	}
	if d.counts.templates < rollouts {
		d.t.Errorf("the driver applied %d of %d templates before its deadline", d.counts.templates, rollouts)
	}
}

// actOn moves one application on, as a pipeline or a person would.
func (d *driver) actOn(a *chaosApp) {
	rel := d.contender(a)
	if rel == nil {
		return
	}
	steps := int32(len(rel.Spec.Environment.Strategy.Steps))
	x := d.rng.Float64()
	switch {
	case rel.Spec.Aborted != nil:
		if x < 0.5 {
			if code, _ := d.cli.convoy("retry", a.name); code == 0 {
				d.counts.retries++
			}
		} else {
			d.counts.replacedAborted++
			d.newTemplate(a)
		}
	case meta.IsStatusConditionTrue(rel.Status.Conditions, convoyv1alpha1.ConditionComplete):
		if x < 0.3 {
			d.newTemplate(a)
		}
	case !achieved(rel) && d.rng.Float64() < 0.7:
		// Mostly, as a pipeline running convoy advance --wait would, the
		// next command waits for the step: releases sit at every step
		// when they are advanced or superseded; the rest act mid-step.
	case x < 0.45:
		if rel.Spec.TargetStep < steps-1 {
			d.advance(a, "next", false)
		}
	case x < 0.57:
		if rel.Spec.TargetStep < steps-1 {
			d.advance(a, "last", rel.Spec.TargetStep < steps-2)
		}
	case x < 0.67:
		if rel.Spec.TargetStep < steps-1 {
			to := rel.Spec.TargetStep + 1 + d.rng.Int32N(steps-rel.Spec.TargetStep-1)
			d.advance(a, strconv.Itoa(int(to)), to > rel.Spec.TargetStep+1)
		}
	case x < 0.82:
		d.counts.supersessions++
		d.newTemplate(a)
	case x < 0.87:
		if code, _ := d.cli.convoy("abort", a.name, "--reason", "chaos"); code == 0 {
			d.counts.aborts++
		}
	}
}

// achieved tells whether the release has achieved its target step.
func achieved(rel *convoyv1alpha1.Release) bool {
	return rel.Status.AchievedStep != nil && rel.Status.AchievedStep.Step >= rel.Spec.TargetStep
}

// contender is the application's newest Release, nil when it cannot be
// read now.
func (d *driver) contender(a *chaosApp) *convoyv1alpha1.Release {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	app := &convoyv1alpha1.Application{}
	if err := d.mc.Get(ctx, client.ObjectKey{Namespace: d.cli.NS, Name: a.name}, app); err != nil || app.Status.Contender == "" {
		return nil
	}
	rel := &convoyv1alpha1.Release{}
	if err := d.mc.Get(ctx, client.ObjectKey{Namespace: d.cli.NS, Name: app.Status.Contender}, rel); err != nil {
		return nil
	}
	return rel
}

func (d *driver) advance(a *chaosApp, to string, jump bool) {
	if code, _ := d.cli.convoy("advance", a.name, "--to", to); code == 0 {
		d.counts.advances++
		if jump {
			d.counts.jumps++
		}
	}
}

// newTemplate changes the application's template (a greeting of its own)
// and waits until its Release exists, so that every template applied has
// had its chance to make one.
func (d *driver) newTemplate(a *chaosApp) {
	greeting := fmt.Sprintf("%s-%d", a.name, len(a.templates))
	d.cli.kube("patch", "applications.convoy.dev", a.name, "--type", "merge",
		"-p", fmt.Sprintf(`{"spec":{"template":{"values":{"replicas":%d,"greeting":%q}}}}`, fullReplicas, greeting))
	a.templates = append(a.templates, greeting)
	d.counts.templates++
	d.awaitRelease(a.name, greeting, 90*time.Second)
}

func (d *driver) awaitRelease(app, greeting string, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		_ = d.tracker.poll(context.Background())
		if len(d.tracker.withGreeting(app, greeting)) > 0 {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	d.t.Logf("no Release of %s with greeting %s after %s", app, greeting, timeout)
}

// killManager kills the manager with SIGKILL and starts it again a moment
// later.
func (d *driver) killManager() {
	d.m.Kill()
	d.counts.kills++
	pause := time.Duration(d.rng.Int64N(int64(3 * time.Second)))
	d.t.Logf("%s chaos: convoy-manager killed, restarting in %s", time.Now().Format("15:04:05.000"), pause.Round(time.Millisecond))
	time.Sleep(pause)
	d.m.Restart()
}

// cutAPI cuts convoy's path to one application cluster's API server for
// 5 s to maxCut, one cut at a time and never in the cluster whose
// endpoints fail. The cut ends by itself.
func (d *driver) cutAPI() {
	now := time.Now()
	if n := len(d.cuts); n > 0 && now.Before(d.cuts[n-1].to) {
		return
	}
	cluster := d.pickCluster(d.failingCluster())
	dur := 5*time.Second + time.Duration(d.rng.Int64N(int64(d.maxCut-5*time.Second)+1))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.env.CutAPI(ctx, cluster, dur); err != nil {
		d.t.Errorf("cutting the API path of cluster %s: %v", cluster, err)
		return
	}
	d.cuts = append(d.cuts, episode{cluster: cluster, from: now, to: now.Add(dur)})
	d.counts.cuts++
	d.t.Logf("%s chaos: API path of %s cut for %s", now.Format("15:04:05.000"), cluster, dur.Round(time.Millisecond))
}

// failEndpoints fails one cluster's endpoints for 5 to 15 s, one cluster
// at a time and never the one whose API path is cut, so that every
// hostname keeps healthy endpoints (when all fail, all are answered).
func (d *driver) failEndpoints() {
	if d.failer == nil || d.failingCluster() != "" {
		return
	}
	cut := ""
	if n := len(d.cuts); n > 0 && time.Now().Before(d.cuts[n-1].to) {
		cut = d.cuts[n-1].cluster
	}
	cluster := d.pickCluster(cut)
	if err := d.failer.FailEndpoints(cluster, true); err != nil {
		d.t.Errorf("failing the endpoints of cluster %s: %v", cluster, err)
		return
	}
	now := time.Now()
	d.failingTil = now.Add(5*time.Second + time.Duration(d.rng.Int64N(int64(10*time.Second))))
	d.failures = append(d.failures, episode{cluster: cluster, from: now})
	d.t.Logf("%s chaos: endpoints of %s failing until %s", now.Format("15:04:05.000"), cluster, d.failingTil.Format("15:04:05.000"))
}

func (d *driver) failingCluster() string {
	if n := len(d.failures); n > 0 && d.failures[n-1].to.IsZero() {
		return d.failures[n-1].cluster
	}
	return ""
}

// mendEndpointsIfDue ends the ongoing endpoint failure once its time is up.
func (d *driver) mendEndpointsIfDue() {
	if d.failingCluster() != "" && time.Now().After(d.failingTil) {
		d.mendEndpoints()
	}
}

func (d *driver) mendEndpoints() {
	cluster := d.failingCluster()
	if cluster == "" {
		return
	}
	if err := d.failer.FailEndpoints(cluster, false); err != nil {
		d.t.Errorf("mending the endpoints of cluster %s: %v", cluster, err)
		return
	}
	d.failures[len(d.failures)-1].to = time.Now()
	d.t.Logf("%s chaos: endpoints of %s mended", time.Now().Format("15:04:05.000"), cluster)
}

// pickCluster draws an application cluster other than not.
func (d *driver) pickCluster(not string) string {
	var names []string
	for _, c := range d.env.Clusters {
		if c.Name != not {
			names = append(names, c.Name)
		}
	}
	return names[d.rng.IntN(len(names))]
}

// restore ends every cut and failure and makes sure a manager runs.
func (d *driver) restore() {
	d.restoreEnvironment()
	if !d.m.Running() {
		d.m.Restart()
	}
}

// restoreEnvironment ends every cut and endpoint failure; the test's
// cleanup calls it too, whatever happened.
func (d *driver) restoreEnvironment() {
	if d.failer != nil {
		d.mendEndpoints()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range d.env.Clusters {
		if err := d.env.RestoreAPI(ctx, c.Name); err != nil {
			d.t.Errorf("restoring the API path of cluster %s: %v", c.Name, err)
		}
	}
	if n := len(d.cuts); n > 0 && time.Now().Before(d.cuts[n-1].to) {
		d.cuts[n-1].to = time.Now()
	}
}

// heal ends the chaos and takes every application to its last step: each
// must complete within timeout.
func (d *driver) heal(timeout time.Duration) {
	d.restore()
	deadline := time.Now().Add(timeout)
	for _, a := range d.apps {
		if rel := d.contender(a); rel != nil && rel.Spec.Aborted != nil {
			d.cli.convoy("retry", a.name)
		}
		d.cli.convoy("advance", a.name, "--to", "last")
	}
	for _, a := range d.apps {
		left := max(time.Until(deadline), time.Second)
		if code, out := d.cli.convoy("wait", a.name, "--complete", "--timeout", left.Round(time.Second).String()); code != 0 {
			d.t.Errorf("after the chaos, %s did not complete within %s (convoy wait exited %d): %s", a.name, timeout, code, out)
		}
	}
}
