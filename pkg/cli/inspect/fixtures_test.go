package inspect

import (
	"context"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
	"github.com/convoy-rollouts/convoy/pkg/manager"
)

// now is the fixed clock of every golden test.
var now = time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

// fixture is a rollout as the objects of a management cluster.
type fixture struct {
	name      string // of the golden files
	namespace string
	app       string
	objects   []client.Object
}

// rollout reads the fixture with the real loader, over a fake client, so
// the fixtures also pin what kube.LoadRollout hands the printers.
func (f fixture) rollout(t *testing.T) *kube.Rollout {
	t.Helper()
	r, err := kube.LoadRollout(context.Background(), f.client(), f.namespace, f.app)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f fixture) client() client.WithWatch {
	objs := make([]client.Object, len(f.objects))
	for i, o := range f.objects {
		objs[i] = o.DeepCopyObject().(client.Object)
	}
	return fake.NewClientBuilder().WithScheme(manager.Scheme).WithObjects(objs...).Build()
}

func application(f *fixture, created time.Duration, st convoyv1alpha1.ApplicationStatus) *convoyv1alpha1.Application {
	return &convoyv1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.namespace, Name: f.app, CreationTimestamp: ago(created)},
		Status:     st,
	}
}

func cluster(name, region string) *convoyv1alpha1.Cluster {
	return &convoyv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: convoyv1alpha1.ClusterSpec{Region: region}}
}

func cond(typ string, status metav1.ConditionStatus, reason, message string, at metav1.Time) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: message, LastTransitionTime: at}
}

func ready(reason, message string) []metav1.Condition {
	return []metav1.Condition{cond(convoyv1alpha1.ConditionReady, metav1.ConditionTrue, reason, message, ago(time.Hour))}
}

func notReady(reason, message string) []metav1.Condition {
	return []metav1.Condition{cond(convoyv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message, ago(time.Minute))}
}

// inCluster is a release's state in one cluster; nil conditions leave the
// target without a status for the cluster.
type inCluster struct {
	name               string
	available, desired int32
	capacity           []metav1.Condition
	weight, published  int32
	traffic            []metav1.Condition
}

// release is a Release with its three targets.
type release struct {
	name       string
	generation int
	created    time.Duration
	source     convoyv1alpha1.Source
	steps      []convoyv1alpha1.StrategyStep
	dns        bool
	targetStep int32
	aborted    *convoyv1alpha1.Abort
	status     convoyv1alpha1.ReleaseStatus
	clusters   []inCluster
}

func (f *fixture) add(objs ...client.Object) { f.objects = append(f.objects, objs...) }

func (f *fixture) addRelease(r release) {
	meta := func() metav1.ObjectMeta {
		return metav1.ObjectMeta{
			Namespace: f.namespace, Name: r.name, CreationTimestamp: ago(r.created),
			Labels:      map[string]string{convoyv1alpha1.LabelApplication: f.app},
			Annotations: map[string]string{convoyv1alpha1.AnnotationReleaseGeneration: strconv.Itoa(r.generation)},
		}
	}
	env := convoyv1alpha1.ReleaseEnvironment{Source: r.source, Strategy: convoyv1alpha1.Strategy{Steps: r.steps}}
	if r.dns {
		env.Traffic = &convoyv1alpha1.TrafficSpec{DNS: &convoyv1alpha1.DNSTraffic{Hostname: f.app + ".example.com"}}
	}
	rel := &convoyv1alpha1.Release{ObjectMeta: meta(), Spec: convoyv1alpha1.ReleaseSpec{TargetStep: r.targetStep, Aborted: r.aborted, Environment: env}, Status: r.status}
	it := &convoyv1alpha1.InstallationTarget{ObjectMeta: meta(), Spec: convoyv1alpha1.InstallationTargetSpec{Source: r.source}}
	ct := &convoyv1alpha1.CapacityTarget{ObjectMeta: meta()}
	tt := &convoyv1alpha1.TrafficTarget{ObjectMeta: meta()}
	for _, c := range r.clusters {
		it.Spec.Clusters = append(it.Spec.Clusters, c.name)
		ct.Spec.Clusters = append(ct.Spec.Clusters, convoyv1alpha1.ClusterCapacityTarget{Name: c.name, TotalReplicaCount: 2})
		tt.Spec.Clusters = append(tt.Spec.Clusters, convoyv1alpha1.ClusterTrafficTarget{Name: c.name, Weight: c.weight})
		if c.capacity != nil {
			ct.Status.Clusters = append(ct.Status.Clusters, convoyv1alpha1.ClusterCapacityStatus{
				ClusterConditions: convoyv1alpha1.ClusterConditions{Name: c.name, Conditions: c.capacity},
				DesiredReplicas:   c.desired, AvailableReplicas: c.available,
			})
		}
		if c.traffic != nil {
			tt.Status.Clusters = append(tt.Status.Clusters, convoyv1alpha1.ClusterTrafficStatus{
				ClusterConditions: convoyv1alpha1.ClusterConditions{Name: c.name, Conditions: c.traffic},
				DesiredWeight:     c.weight, PublishedWeight: c.published,
			})
		}
	}
	f.add(rel, it, ct, tt)
}

func chart(name, version string) convoyv1alpha1.Source {
	return convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: "oci://registry.example.com/charts", Name: name, Version: version}}
}

func step(name string, capacity, traffic int32) convoyv1alpha1.StrategyStep {
	return convoyv1alpha1.StrategyStep{
		Name:     name,
		Capacity: convoyv1alpha1.CapacitySplit{Contender: capacity, Incumbent: 100},
		Traffic:  convoyv1alpha1.TrafficSplit{Contender: traffic, Incumbent: 100 - traffic},
	}
}

var canary = []convoyv1alpha1.StrategyStep{step("canary", 50, 10), step("half", 100, 50), step("full", 100, 100)}

// strategy are the step-stamped conditions of a release executing step,
// achieved up to (not including) the stage waiting.
func strategy(stepIndex int32, waiting string) []convoyv1alpha1.StepCondition {
	var conds []convoyv1alpha1.StepCondition
	status, reason := metav1.ConditionTrue, "Achieved"
	for _, typ := range []string{
		convoyv1alpha1.ContenderAchievedInstallation, convoyv1alpha1.ContenderAchievedCapacity, convoyv1alpha1.ContenderAchievedTraffic,
		convoyv1alpha1.IncumbentAchievedTraffic, convoyv1alpha1.IncumbentAchievedCapacity,
	} {
		if typ == waiting {
			status, reason = metav1.ConditionFalse, "InProgress"
		}
		conds = append(conds, convoyv1alpha1.StepCondition{Type: typ, Status: status, Step: stepIndex, Reason: reason, LastTransitionTime: ago(time.Minute)})
		if typ == waiting {
			status, reason = metav1.ConditionUnknown, "NotReached"
		}
	}
	return conds
}

// complete is the status of a release that achieved its last step.
func complete(steps []convoyv1alpha1.StrategyStep, at metav1.Time) convoyv1alpha1.ReleaseStatus {
	last := int32(len(steps) - 1)
	return convoyv1alpha1.ReleaseStatus{
		AchievedStep: &convoyv1alpha1.AchievedStep{Step: last, Name: steps[last].Name},
		Conditions: []metav1.Condition{
			cond(convoyv1alpha1.ConditionReady, metav1.ConditionTrue, "LastStepAchieved", "release complete at step "+strconv.Itoa(int(last))+" ("+steps[last].Name+")", at),
			cond(convoyv1alpha1.ConditionComplete, metav1.ConditionTrue, "LastStepAchieved", "the last step achieved", at),
		},
	}
}

var (
	capacityReady = ready("ReplicasAvailable", "2/2 pods available")
	trafficReady  = ready("Published", "weights served by every DNS server for a TTL")
)

// midStep: web, in three clusters of two regions, moves from step canary to
// half; one cluster has a crashing pod, another still publishes weights.
func midStep() fixture {
	f := fixture{name: "midstep", namespace: "shop", app: "web"}
	f.add(cluster("eu-west-1", "eu-west"), cluster("us-east-1", "us-east"), cluster("us-east-2", "us-east"))
	f.add(application(&f, 30*24*time.Hour, convoyv1alpha1.ApplicationStatus{
		Contender: "web-6e37cb25-2", Incumbent: "web-f8757cfc-1", History: []string{"web-f8757cfc-1", "web-6e37cb25-2"},
		Step:       &convoyv1alpha1.StepStatus{Index: 0, Name: "canary", Count: 3, Progress: "1/3"},
		Phase:      convoyv1alpha1.PhaseProgressing,
		Conditions: notReady("Progressing", "rolling out release web-6e37cb25-2"),
	}))
	f.addRelease(release{
		name: "web-f8757cfc-1", generation: 1, created: 30 * 24 * time.Hour, source: chart("web", "1.4.0"), steps: canary, dns: true,
		targetStep: 2, status: complete(canary, ago(29*24*time.Hour)),
		clusters: []inCluster{
			{"eu-west-1", 2, 2, capacityReady, 50, 50, trafficReady},
			{"us-east-1", 2, 2, capacityReady, 90, 90, trafficReady},
			{"us-east-2", 2, 2, capacityReady, 50, 50, trafficReady},
		},
	})
	f.addRelease(release{
		name: "web-6e37cb25-2", generation: 2, created: 25 * time.Minute, source: chart("web", "1.5.0"), steps: canary, dns: true,
		targetStep: 1,
		status: convoyv1alpha1.ReleaseStatus{
			AchievedStep: &convoyv1alpha1.AchievedStep{Step: 0, Name: "canary"},
			WaitingFor:   convoyv1alpha1.WaitingForTraffic,
			Strategy:     strategy(1, convoyv1alpha1.ContenderAchievedTraffic),
			Conditions:   notReady("StepInProgress", "step 1 (half): waiting for the contender's traffic: 2 of 3 clusters not published"),
		},
		clusters: []inCluster{
			{"eu-west-1", 2, 2, capacityReady, 50, 50, trafficReady},
			{"us-east-1", 1, 2, notReady("PodsNotReady", "1/2 pods available; 1 CrashLoopBackOff (web-6e37cb25-2-7d9f8-xk2lp): back-off 5m0s restarting failed container"),
				10, 10, notReady("CapacityNotAchieved", "weight held at 10 until the capacity is achieved")},
			{"us-east-2", 2, 2, capacityReady, 50, 10, notReady("Publishing", "2 of 3 DNS servers serve weight 50")},
		},
	})
	return f
}

// firstComplete: api's first release, from a kustomization, without DNS
// traffic, complete.
func firstComplete() fixture {
	f := fixture{name: "firstcomplete", namespace: "shop", app: "api"}
	steps := []convoyv1alpha1.StrategyStep{step("staging", 10, 0), step("full", 100, 100)}
	f.add(cluster("eu-west-1", "eu-west"))
	f.add(application(&f, 3*time.Hour, convoyv1alpha1.ApplicationStatus{
		Contender: "api-1a2b3c4d-1", History: []string{"api-1a2b3c4d-1"},
		Step:       &convoyv1alpha1.StepStatus{Index: 1, Name: "full", Count: 2, Progress: "2/2"},
		Phase:      convoyv1alpha1.PhaseComplete,
		Conditions: ready("ReleaseComplete", "release api-1a2b3c4d-1 is complete"),
	}))
	f.addRelease(release{
		name: "api-1a2b3c4d-1", generation: 1, created: 3 * time.Hour,
		source: convoyv1alpha1.Source{Kustomize: &convoyv1alpha1.KustomizeSource{
			RepoURL: "https://git.example.com/shop/api.git", Ref: "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39", Path: "deploy/prod",
		}},
		steps: steps, targetStep: 1, status: complete(steps, ago(2*time.Hour+50*time.Minute)),
		clusters: []inCluster{
			{"eu-west-1", 2, 2, capacityReady, 0, 0, ready("TrafficNotManaged", "the release has no traffic section")},
		},
	})
	return f
}

// aborted: cart's contender was aborted at step half and its traffic goes
// back to the incumbent; an older release is retired.
func aborted() fixture {
	f := fixture{name: "aborted", namespace: "shop", app: "cart"}
	f.add(cluster("eu-west-1", "eu-west"), cluster("us-east-1", "us-east"))
	f.add(application(&f, 90*24*time.Hour, convoyv1alpha1.ApplicationStatus{
		Contender: "cart-9c1d2e3f-3", Incumbent: "cart-77aa01bc-2", History: []string{"cart-5f00d1e2-1", "cart-77aa01bc-2", "cart-9c1d2e3f-3"},
		Step:       &convoyv1alpha1.StepStatus{Index: 1, Name: "half", Count: 3, Progress: "2/3"},
		Phase:      convoyv1alpha1.PhaseAborted,
		Conditions: notReady("Aborted", "release cart-9c1d2e3f-3 was aborted"),
	}))
	both := []inCluster{
		{"eu-west-1", 2, 2, capacityReady, 100, 100, trafficReady},
		{"us-east-1", 2, 2, capacityReady, 100, 100, trafficReady},
	}
	f.addRelease(release{
		name: "cart-5f00d1e2-1", generation: 1, created: 90 * 24 * time.Hour, source: chart("cart", "2.0.0"), steps: canary, dns: true,
		targetStep: 2, status: complete(canary, ago(89*24*time.Hour)),
		clusters: []inCluster{
			{"eu-west-1", 0, 0, ready("ReplicasAvailable", "0/0 pods available"), 0, 0, trafficReady},
			{"us-east-1", 0, 0, ready("ReplicasAvailable", "0/0 pods available"), 0, 0, trafficReady},
		},
	})
	f.addRelease(release{
		name: "cart-77aa01bc-2", generation: 2, created: 7 * 24 * time.Hour, source: chart("cart", "2.1.0"), steps: canary, dns: true,
		targetStep: 2, status: complete(canary, ago(7*24*time.Hour-time.Hour)), clusters: both,
	})
	f.addRelease(release{
		name: "cart-9c1d2e3f-3", generation: 3, created: 2 * time.Hour, source: chart("cart", "2.2.0"), steps: canary, dns: true,
		aborted: &convoyv1alpha1.Abort{Reason: "p99 latency regressed"},
		status: convoyv1alpha1.ReleaseStatus{
			AchievedStep: &convoyv1alpha1.AchievedStep{Step: 1, Name: "half"},
			WaitingFor:   convoyv1alpha1.WaitingForTraffic,
			Strategy:     strategy(0, convoyv1alpha1.IncumbentAchievedTraffic),
			Conditions: []metav1.Condition{
				cond(convoyv1alpha1.ConditionReady, metav1.ConditionFalse, "StepInProgress", "step 0 (canary): waiting for the incumbent's traffic", ago(time.Minute)),
				cond(convoyv1alpha1.ConditionAborted, metav1.ConditionTrue, "Aborted",
					"aborted (p99 latency regressed): traffic and capacity go back to the incumbent; convoy retry or a new template moves on", ago(2*time.Minute)),
			},
		},
		clusters: []inCluster{
			{"eu-west-1", 2, 2, capacityReady, 10, 10, trafficReady},
			{"us-east-1", 2, 2, capacityReady, 10, 50, notReady("Publishing", "1 of 2 DNS servers serve weight 10")},
		},
	})
	return f
}

// analysisGate: web's contender has the canary step's traffic in every
// cluster and waits for its gate: an error-rate check measured in each
// cluster, and a soak.
func analysisGate() fixture {
	f := midStep()
	f.name = "analysis"
	var r *convoyv1alpha1.Release
	for _, o := range f.objects {
		if rel, ok := o.(*convoyv1alpha1.Release); ok && rel.Name == "web-6e37cb25-2" {
			r = rel
		}
	}
	r.Status.WaitingFor = convoyv1alpha1.WaitingForAnalysis
	r.Status.Strategy = strategy(1, "")
	r.Status.Conditions = notReady("StepInProgress", "step 1 (half): waiting for the step's gates: waiting for error-rate in us-east-1 (1/3 measured), the soak of 10m0s, 7m0s left")
	measured := func(phase, value string, at time.Duration) convoyv1alpha1.Measurement {
		return convoyv1alpha1.Measurement{Time: ago(at), Phase: phase, Value: value, Message: `query sum(rate(http_errors{release="web-6e37cb25-2"}[1m]))`}
	}
	r.Status.Gate = &convoyv1alpha1.StepGate{Step: 1, ObservedGeneration: r.Generation, BeganAt: ago(6 * time.Minute), ServedAt: ptr(ago(3 * time.Minute)),
		Phase: "Running", Message: "waiting for error-rate in us-east-1 (1/3 measured), the soak of 10m0s, 7m0s left",
		Checks: []convoyv1alpha1.CheckStatus{
			{Name: "error-rate", Cluster: "eu-west-1", Phase: "Successful", Measured: 3, Successful: 3,
				Measurements: []convoyv1alpha1.Measurement{measured("Successful", "[0.011]", 3*time.Minute), measured("Successful", "[0.009]", 2*time.Minute), measured("Successful", "[0.012]", time.Minute)}},
			{Name: "error-rate", Cluster: "us-east-1", Phase: "Running", Measured: 2, Successful: 1, Errors: 1, ConsecutiveErrors: 1,
				Measurements: []convoyv1alpha1.Measurement{measured("Successful", "[0.02]", 2*time.Minute), {Time: ago(time.Minute), Phase: "Error", Message: "prometheus http://127.0.0.1:9090: connection refused"}}},
			{Name: "smoke", Phase: "Successful", Measured: 1, Successful: 1,
				Measurements: []convoyv1alpha1.Measurement{{Time: ago(3 * time.Minute), Phase: "Successful", Value: "200 OK", Message: "POST http://127.0.0.1:8080/smoke"}}},
		}}
	return f
}

// waves: web's contender rolls out in two waves, eu-west-1 done and
// us-east-1 at its first step.
func waves() fixture {
	f := midStep()
	f.name = "waves"
	for _, o := range f.objects {
		if rel, ok := o.(*convoyv1alpha1.Release); ok && rel.Name == "web-6e37cb25-2" {
			rel.Status.Waves = []convoyv1alpha1.WaveStatus{
				{Name: "canary", Clusters: []string{"eu-west-1"}, Phase: convoyv1alpha1.WaveComplete, Step: "3/3"},
				{Name: "us-east", Clusters: []string{"us-east-1"}, Phase: convoyv1alpha1.WaveProgressing, Step: "1/3"},
			}
		}
	}
	return f
}

func ptr[T any](v T) *T { return &v }

// fixtures are the rollouts every printer is tested with; the analysis
// and waves ones are the mid-step application further on, so list leaves
// them out.
func fixtures() []fixture {
	return []fixture{midStep(), firstComplete(), aborted(), analysisGate(), waves()}
}

// distinctApplications are the fixtures of different Applications.
func distinctApplications() []fixture { return []fixture{midStep(), firstComplete(), aborted()} }
