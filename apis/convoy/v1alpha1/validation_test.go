// Tests of convoy's CRD validation against a real kube-apiserver.
//
// Validation of convoy's kinds lives in the generated CRD schemas (OpenAPI
// constraints, list types, defaults and CEL x-kubernetes-validations), so the
// only faithful way to test it is to send objects to an apiserver that has the
// CRDs installed and look at what it accepts, what it defaults, and which field
// path it names when it rejects. Each invalid case is a small mutation of a
// known-valid object, and asserts both the field path and a fragment of the
// message of the apiserver's error.
package v1alpha1_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	v1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/apis/crds"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

// Valid base objects. Every case starts from a fresh copy of one of them.

func baseEnvironment() v1.ReleaseEnvironment {
	return v1.ReleaseEnvironment{
		Source: v1.Source{Chart: &v1.ChartSource{
			RepoURL: "https://charts.example.com/stable",
			Name:    "web",
			Version: "1.2.3",
		}},
		ClusterRequirements: v1.ClusterRequirements{
			Regions: []v1.RegionRequirement{{Name: "eu-west"}},
		},
		Strategy: v1.Strategy{Steps: []v1.StrategyStep{
			{Name: "staging", Capacity: v1.CapacitySplit{Contender: 1, Incumbent: 100}, Traffic: v1.TrafficSplit{Incumbent: 100}},
			{Name: "canary", Capacity: v1.CapacitySplit{Contender: 50, Incumbent: 50}, Traffic: v1.TrafficSplit{Contender: 50, Incumbent: 50}},
			{Name: "full on", Capacity: v1.CapacitySplit{Contender: 100}, Traffic: v1.TrafficSplit{Contender: 100}},
		}},
	}
}

func baseApplication() *v1.Application {
	return &v1.Application{Spec: v1.ApplicationSpec{Template: baseEnvironment()}}
}

func baseRelease() *v1.Release {
	return &v1.Release{Spec: v1.ReleaseSpec{TargetStep: 0, Environment: baseEnvironment()}}
}

func baseCluster() *v1.Cluster {
	return &v1.Cluster{Spec: v1.ClusterSpec{
		APIServerURL:         "https://eu-west-1.example.com:6443",
		CredentialsSecretRef: v1.SecretReference{Name: "eu-west-1", Namespace: "convoy-system"},
		Region:               "eu-west",
	}}
}

func baseRolloutBlock() *v1.RolloutBlock {
	return &v1.RolloutBlock{Spec: v1.RolloutBlockSpec{
		Message: "code freeze until the incident is resolved",
		Author:  v1.RolloutBlockAuthor{Type: "user", Name: "alice"},
	}}
}

func baseInstallationTarget() *v1.InstallationTarget {
	return &v1.InstallationTarget{Spec: v1.InstallationTargetSpec{
		Clusters: []string{"eu-west-1"},
		Source:   baseEnvironment().Source,
	}}
}

func baseCapacityTarget() *v1.CapacityTarget {
	return &v1.CapacityTarget{Spec: v1.CapacityTargetSpec{Clusters: []v1.ClusterCapacityTarget{
		{Name: "eu-west-1", Percent: 50, TotalReplicaCount: 4},
	}}}
}

func baseTrafficTarget() *v1.TrafficTarget {
	return &v1.TrafficTarget{Spec: v1.TrafficTargetSpec{Clusters: []v1.ClusterTrafficTarget{
		{Name: "eu-west-1", Weight: 100},
	}}}
}

// Constructors of case objects: a base object with a mutation applied.

func app(mutate func(*v1.Application)) client.Object {
	a := baseApplication()
	mutate(a)
	return a
}

func release(mutate func(*v1.Release)) client.Object {
	r := baseRelease()
	mutate(r)
	return r
}

func cluster(mutate func(*v1.Cluster)) client.Object {
	c := baseCluster()
	mutate(c)
	return c
}

func block(mutate func(*v1.RolloutBlock)) client.Object {
	b := baseRolloutBlock()
	mutate(b)
	return b
}

func installation(mutate func(*v1.InstallationTarget)) client.Object {
	it := baseInstallationTarget()
	mutate(it)
	return it
}

func capacity(mutate func(*v1.CapacityTarget)) client.Object {
	ct := baseCapacityTarget()
	mutate(ct)
	return ct
}

func traffic(mutate func(*v1.TrafficTarget)) client.Object {
	tt := baseTrafficTarget()
	mutate(tt)
	return tt
}

// rawSet and rawDelete edit the JSON sent to the apiserver, for inputs the Go
// types cannot express: an empty list or a zero number dropped by omitempty,
// or a required field left out entirely.
func rawSet(value any, path ...string) func(map[string]any) {
	return func(obj map[string]any) {
		if err := unstructured.SetNestedField(obj, value, path...); err != nil {
			panic(err)
		}
	}
}

func rawDelete(path ...string) func(map[string]any) {
	return func(obj map[string]any) { unstructured.RemoveNestedField(obj, path...) }
}

func ptr[T any](v T) *T { return &v }

func TestValidationAcceptsValidObjects(t *testing.T) {
	c, ns := setup(t)

	cases := []struct {
		name string
		obj  client.Object
		// check looks at the object as read back from the apiserver.
		check func(t *testing.T, got client.Object)
	}{
		{name: "https chart with an exact version and a 3-step strategy", obj: app(func(a *v1.Application) {}),
			check: func(t *testing.T, got client.Object) {
				a := got.(*v1.Application)
				if a.Spec.RevisionHistoryLimit == nil || *a.Spec.RevisionHistoryLimit != 20 {
					t.Errorf("revisionHistoryLimit = %v, want default 20", a.Spec.RevisionHistoryLimit)
				}
				if r := a.Spec.Template.ClusterRequirements.Regions[0]; r.Clusters == nil || *r.Clusters != 1 {
					t.Errorf("regions[0].clusters = %v, want default 1", r.Clusters)
				}
				if n := len(a.Spec.Template.Strategy.Steps); n != 3 {
					t.Errorf("got %d steps, want 3", n)
				}
				if v := a.Spec.Template.Source.Chart.Version; v != "1.2.3" {
					t.Errorf("chart version = %q, want 1.2.3", v)
				}
			}},
		{name: "http chart repository", obj: app(func(a *v1.Application) {
			a.Spec.Template.Source.Chart.RepoURL = "http://charts.internal:8080"
		})},
		{name: "oci chart", obj: app(func(a *v1.Application) {
			a.Spec.Template.Source.Chart = &v1.ChartSource{RepoURL: "oci://registry.example.com/charts", Name: "web", Version: "2.0.0",
				SecretRef: &v1.LocalObjectReference{Name: "registry-credentials"}}
		})},
		{name: "chart without version means newest", obj: app(func(a *v1.Application) { a.Spec.Template.Source.Chart.Version = "" })},
		{name: "kustomize source", obj: app(func(a *v1.Application) {
			a.Spec.Template.Source = v1.Source{Kustomize: &v1.KustomizeSource{
				RepoURL: "https://github.com/example/deploy.git", Ref: "release/v1.2", Path: "overlays/prod",
				SecretRef: &v1.LocalObjectReference{Name: "git-credentials"},
			}}
		})},
		{name: "kustomize over ssh at the repository root", obj: app(func(a *v1.Application) {
			a.Spec.Template.Source = v1.Source{Kustomize: &v1.KustomizeSource{RepoURL: "ssh://git@example.com/deploy.git"}}
		})},
		{name: "kustomize path with dots that are not a parent reference", obj: app(func(a *v1.Application) {
			a.Spec.Template.Source = v1.Source{Kustomize: &v1.KustomizeSource{RepoURL: "git://example.com/deploy.git", Path: "./overlays/..prod/v1..2"}}
		})},
		{name: "tilde constraint", obj: app(func(a *v1.Application) { a.Spec.Template.Source.Chart.Version = "~1.2" })},
		{name: "range constraint", obj: app(func(a *v1.Application) { a.Spec.Template.Source.Chart.Version = ">=1.0.0 <2.0.0" })},
		{name: "or constraint", obj: app(func(a *v1.Application) { a.Spec.Template.Source.Chart.Version = "^1.2.3 || ^2.0.0" })},
		{name: "wildcard, prerelease and hyphen range", obj: app(func(a *v1.Application) {
			a.Spec.Template.Source.Chart.Version = "1.x, v2.0.0-rc.1+build.5, 3.0 - 3.4"
		})},
		{name: "preset strategy", obj: app(func(a *v1.Application) {
			a.Spec.Template.Strategy = v1.Strategy{Preset: v1.PresetCanary}
		}), check: func(t *testing.T, got client.Object) {
			s := got.(*v1.Application).Spec.Template.Strategy
			if s.Preset != v1.PresetCanary || s.Steps != nil {
				t.Errorf("strategy = %+v, want preset canary and no steps", s)
			}
		}},
		{name: "blue-green preset", obj: app(func(a *v1.Application) {
			a.Spec.Template.Strategy = v1.Strategy{Preset: v1.PresetBlueGreen}
		})},
		{name: "waves by region, selector, count and percentage, with a gate and their own steps", obj: app(func(a *v1.Application) {
			one, half := intstr.FromInt32(1), intstr.FromString("50%")
			a.Spec.Template.Strategy.OneRegionPerWave = true
			a.Spec.Template.Strategy.Waves = []v1.Wave{
				{Name: "canary", Regions: []string{"eu-west"}, Clusters: &one, Gate: &v1.WaveGate{Pause: &v1.StepPause{Duration: metav1.Duration{Duration: time.Minute}}}},
				{Name: "gold", Selector: &v1.ClusterSelector{MatchLabels: map[string]string{"tier": "gold"},
					MatchExpressions: []v1.ClusterSelectorRequirement{{Key: "capacity", Operator: v1.SelectorGt, Values: []string{"10"}}, {Key: "gpu", Operator: v1.SelectorDoesNotExist}}}},
				{Name: "half", Clusters: &half, MaxConcurrency: ptr(int32(1))},
				{Name: "rest", Steps: []v1.StrategyStep{{Name: "all", Capacity: v1.CapacitySplit{Contender: 100}, Traffic: v1.TrafficSplit{Contender: 100}}}},
			}
		})},
		{name: "wave preset, selector and spread in the requirements, regional hostname", obj: app(func(a *v1.Application) {
			a.Spec.Template.Strategy.WavePreset = v1.WavesCanaryClusterThenRegions
			a.Spec.Template.ClusterRequirements.Selector = &v1.ClusterSelector{MatchExpressions: []v1.ClusterSelectorRequirement{{Key: "zone", Operator: v1.SelectorIn, Values: []string{"a", "b"}}}}
			a.Spec.Template.ClusterRequirements.Spread = &v1.ReplicaSpread{TotalReplicas: 12}
			a.Spec.Template.Traffic = &v1.TrafficSpec{DNS: &v1.DNSTraffic{Hostname: "web.example.com", RegionalHostname: "web.{{region}}.example.com"}}
		}), check: func(t *testing.T, got client.Object) {
			if by := got.(*v1.Application).Spec.Template.ClusterRequirements.Spread.By; by != "clusterWeight" {
				t.Errorf("spread.by = %q, want the default clusterWeight", by)
			}
		}},
		{name: "single step", obj: app(func(a *v1.Application) {
			a.Spec.Template.Strategy.Steps = a.Spec.Template.Strategy.Steps[2:]
		})},
		{name: "regions with cluster counts and capabilities", obj: app(func(a *v1.Application) {
			a.Spec.Template.ClusterRequirements = v1.ClusterRequirements{
				Regions:      []v1.RegionRequirement{{Name: "eu-west", Clusters: ptr[int32](3)}, {Name: "us-east"}, {Name: "ap-south-1", Clusters: ptr[int32](100)}},
				Capabilities: []string{"gpu", "arch/arm64", "pci_dss.v4"},
			}
		}), check: func(t *testing.T, got client.Object) {
			regions := got.(*v1.Application).Spec.Template.ClusterRequirements.Regions
			want := []int32{3, 1, 100}
			if len(regions) != len(want) {
				t.Fatalf("got %d regions, want %d", len(regions), len(want))
			}
			for i, r := range regions {
				if r.Clusters == nil || *r.Clusters != want[i] {
					t.Errorf("regions[%d] (%s).clusters = %v, want %d", i, r.Name, r.Clusters, want[i])
				}
			}
		}},
		{name: "gateway traffic without dns", obj: app(func(a *v1.Application) {
			a.Spec.Template.Traffic = &v1.TrafficSpec{Gateway: &v1.GatewayTraffic{HTTPRoute: "web",
				ParentRefs: []v1.GatewayParentRef{{Name: "shared", Namespace: "gateway-system", SectionName: "https"}, {Name: "internal"}},
				Hostnames:  []v1.GatewayHostname{"web.example.com", "*.web.example.com"}, Port: 8080}}
		})},
		{name: "gateway traffic beside dns", obj: app(func(a *v1.Application) {
			a.Spec.Template.Traffic = &v1.TrafficSpec{DNS: &v1.DNSTraffic{Hostname: "web.example.com"},
				Gateway: &v1.GatewayTraffic{HTTPRoute: "web", ParentRefs: []v1.GatewayParentRef{{Name: "gw"}}, Port: 80}}
		})},
		{name: "dns traffic with ttl and service", obj: app(func(a *v1.Application) {
			a.Spec.Template.Traffic = &v1.TrafficSpec{DNS: &v1.DNSTraffic{Hostname: "web.example.com.", TTLSeconds: 300, ServiceName: "web-public"}}
		}), check: func(t *testing.T, got client.Object) {
			dns := got.(*v1.Application).Spec.Template.Traffic.DNS
			if dns.TTLSeconds != 300 || dns.Hostname != "web.example.com." || dns.ServiceName != "web-public" {
				t.Errorf("dns = %+v, want web.example.com. with ttl 300 and service web-public", dns)
			}
		}},
		{name: "dns hostname with a 63-character label", obj: app(func(a *v1.Application) {
			a.Spec.Template.Traffic = &v1.TrafficSpec{DNS: &v1.DNSTraffic{Hostname: strings.Repeat("a", 63) + ".example.com", TTLSeconds: 86400}}
		})},
		{name: "dns traffic with default ttl", obj: app(func(a *v1.Application) {
			a.Spec.Template.Traffic = &v1.TrafficSpec{DNS: &v1.DNSTraffic{Hostname: "web.example.com"}}
		}), check: func(t *testing.T, got client.Object) {
			if ttl := got.(*v1.Application).Spec.Template.Traffic.DNS.TTLSeconds; ttl != 30 {
				t.Errorf("ttlSeconds = %d, want default 30", ttl)
			}
		}},
		{name: "dns health check with defaults", obj: app(func(a *v1.Application) {
			a.Spec.Template.Traffic = &v1.TrafficSpec{DNS: &v1.DNSTraffic{Hostname: "web.example.com",
				HealthCheck: &v1.DNSHealthCheck{Type: v1.DNSHealthCheckHTTP, Path: "/healthz"}}}
		}), check: func(t *testing.T, got client.Object) {
			hc := got.(*v1.Application).Spec.Template.Traffic.DNS.HealthCheck
			if hc.IntervalSeconds != 5 || hc.FailureThreshold != 3 || hc.TimeoutSeconds != 2 || hc.Port != 0 || hc.Path != "/healthz" {
				t.Errorf("healthCheck = %+v, want interval 5, threshold 3, timeout 2, no port, path /healthz", hc)
			}
		}},
		{name: "tcp dns health check on a port", obj: app(func(a *v1.Application) {
			a.Spec.Template.Traffic = &v1.TrafficSpec{DNS: &v1.DNSTraffic{Hostname: "web.example.com",
				HealthCheck: &v1.DNSHealthCheck{Type: v1.DNSHealthCheckTCP, Port: 8443, IntervalSeconds: 1, FailureThreshold: 1, TimeoutSeconds: 1}}}
		})},
		{name: "gated step: soak, deadline, a PromQL check, a webhook check and a template", obj: app(func(a *v1.Application) {
			s := &a.Spec.Template.Strategy.Steps[1]
			s.Pause = &v1.StepPause{Duration: metav1.Duration{Duration: 5 * time.Minute}}
			s.ProgressDeadline = &metav1.Duration{Duration: 15 * time.Minute}
			s.OnFailure = v1.FailureHold
			s.Analysis = []v1.AnalysisCheck{
				{Name: "errors", AnalysisCheckSpec: v1.AnalysisCheckSpec{Count: 3, Interval: &metav1.Duration{Duration: time.Minute},
					Prometheus: &v1.PrometheusCheck{Query: `sum(errors{cluster="{{cluster}}"})`, SuccessCondition: "result[0] < 1"}}},
				{Name: "smoke", AnalysisCheckSpec: v1.AnalysisCheckSpec{Scope: v1.ScopeGlobal, Webhook: &v1.WebhookCheck{URL: "https://ci.example.com/smoke"}}},
				{Name: "latency", TemplateRef: "p99"},
			}
		}), check: func(t *testing.T, got client.Object) {
			s := got.(*v1.Application).Spec.Template.Strategy.Steps[1]
			if len(s.Analysis) != 3 || s.Pause == nil || s.Pause.Duration.Duration != 5*time.Minute || s.OnFailure != v1.FailureHold {
				t.Errorf("gated step read back as %+v", s)
			}
		}},
		{name: "helm values and revision history limit", obj: app(func(a *v1.Application) {
			a.Spec.RevisionHistoryLimit = ptr[int32](1)
			a.Spec.Template.Values = &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":4,"image":{"tag":"v1.2.3"}}`)}
		}), check: func(t *testing.T, got client.Object) {
			a := got.(*v1.Application)
			if a.Spec.RevisionHistoryLimit == nil || *a.Spec.RevisionHistoryLimit != 1 {
				t.Errorf("revisionHistoryLimit = %v, want 1", a.Spec.RevisionHistoryLimit)
			}
			if a.Spec.Template.Values == nil || !strings.Contains(string(a.Spec.Template.Values.Raw), `"tag":"v1.2.3"`) {
				t.Errorf("values = %v, want the nested values kept", a.Spec.Template.Values)
			}
		}},
		{name: "release at its first step", obj: release(func(r *v1.Release) {})},
		{name: "release whose target is the last step", obj: release(func(r *v1.Release) { r.Spec.TargetStep = 2 }),
			check: func(t *testing.T, got client.Object) {
				if s := got.(*v1.Release).Spec.TargetStep; s != 2 {
					t.Errorf("targetStep = %d, want 2", s)
				}
			}},
		{name: "cluster", obj: cluster(func(c *v1.Cluster) {}), check: func(t *testing.T, got client.Object) {
			if w := got.(*v1.Cluster).Spec.Scheduling.Weight; w == nil || *w != 100 {
				t.Errorf("scheduling.weight = %v, want default 100", w)
			}
		}},
		{name: "cluster with capabilities and scheduling", obj: cluster(func(c *v1.Cluster) {
			c.Spec.APIServerURL = "https://10.0.0.1:6443/k8s/clusters/c-1"
			c.Spec.Capabilities = []string{"gpu", "arch/arm64"}
			c.Spec.Scheduling = v1.ClusterScheduling{Unschedulable: true, Weight: ptr[int32](250)}
		})},
		{name: "rollout block", obj: block(func(b *v1.RolloutBlock) {}), check: func(t *testing.T, got client.Object) {
			if m := got.(*v1.RolloutBlock).Spec.Message; m != baseRolloutBlock().Spec.Message {
				t.Errorf("message = %q", m)
			}
		}},
		{name: "installation target", obj: installation(func(it *v1.InstallationTarget) {})},
		{name: "capacity target", obj: capacity(func(ct *v1.CapacityTarget) {})},
		{name: "traffic target", obj: traffic(func(tt *v1.TrafficTarget) {})},
	}

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := tc.obj
			name := create(t, c, ns, i, obj, nil)
			got := obj.DeepCopyObject().(client.Object)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := c.Get(ctx, client.ObjectKeyFromObject(obj), got); err != nil {
				t.Fatalf("reading back %s: %v", name, err)
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

func TestValidationRejectsInvalidObjects(t *testing.T) {
	c, ns := setup(t)

	const (
		template = "spec.template"
		strategy = template + ".strategy"
		steps    = strategy + ".steps"
		source   = template + ".source"
		chart    = source + ".chart"
		kust     = source + ".kustomize"
		regions  = template + ".clusterRequirements.regions"
		caps     = template + ".clusterRequirements.capabilities"
		dns      = template + ".traffic.dns"
		gateway  = template + ".traffic.gateway"
	)
	gatewayTraffic := func(mutate func(*v1.GatewayTraffic)) client.Object {
		return app(func(a *v1.Application) {
			gw := &v1.GatewayTraffic{HTTPRoute: "web", ParentRefs: []v1.GatewayParentRef{{Name: "gw"}}, Port: 80}
			mutate(gw)
			a.Spec.Template.Traffic = &v1.TrafficSpec{Gateway: gw}
		})
	}
	dnsTraffic := func(a *v1.Application) {
		a.Spec.Template.Traffic = &v1.TrafficSpec{DNS: &v1.DNSTraffic{Hostname: "web.example.com"}}
	}
	kustomize := func(path string) client.Object {
		return app(func(a *v1.Application) {
			a.Spec.Template.Source = v1.Source{Kustomize: &v1.KustomizeSource{RepoURL: "https://github.com/example/deploy.git", Path: path}}
		})
	}

	cases := []struct {
		name string
		obj  client.Object
		// raw, if set, edits the object's JSON before it is sent.
		raw func(map[string]any)
		// field is the path the apiserver must name; msg a fragment of what it
		// says about it.
		field, msg string
	}{
		// Strategy.
		{"empty steps list", app(func(a *v1.Application) {}), rawSet([]any{}, "spec", "template", "strategy", "steps"),
			steps, "should have at least 1 items"},
		{"neither preset nor steps", app(func(a *v1.Application) { a.Spec.Template.Strategy = v1.Strategy{} }), nil,
			strategy, "exactly one of preset or steps must be set"},
		{"both preset and steps", app(func(a *v1.Application) { a.Spec.Template.Strategy.Preset = v1.PresetVanguard }), nil,
			strategy, "exactly one of preset or steps must be set"},
		{"duplicate wave names", app(func(a *v1.Application) { a.Spec.Template.Strategy.Waves = []v1.Wave{{Name: "a"}, {Name: "a"}} }), nil,
			strategy, "wave names must be unique"},
		{"waves and a wave preset", app(func(a *v1.Application) {
			a.Spec.Template.Strategy.Waves = []v1.Wave{{Name: "a"}}
			a.Spec.Template.Strategy.WavePreset = v1.WavesCanaryClusterThenRegions
		}), nil, strategy, "waves and wavePreset are exclusive"},
		{"maxConcurrency 0", app(func(a *v1.Application) {
			a.Spec.Template.Strategy.Waves = []v1.Wave{{Name: "a", MaxConcurrency: ptr(int32(0))}}
		}), nil, strategy + ".waves[0]", "maxConcurrency must be at least 1"},
		{"Exists with values", app(func(a *v1.Application) {
			a.Spec.Template.ClusterRequirements.Selector = &v1.ClusterSelector{MatchExpressions: []v1.ClusterSelectorRequirement{{Key: "gpu", Operator: v1.SelectorExists, Values: []string{"x"}}}}
		}), nil, template + ".clusterRequirements.selector.matchExpressions[0]", "values must be empty for Exists and DoesNotExist"},
		{"In without values", app(func(a *v1.Application) {
			a.Spec.Template.Strategy.Waves = []v1.Wave{{Name: "a", Selector: &v1.ClusterSelector{MatchExpressions: []v1.ClusterSelectorRequirement{{Key: "zone", Operator: v1.SelectorIn}}}}}
		}), nil, strategy + ".waves[0].selector.matchExpressions[0]", "given for the other operators"},
		{"unknown selector operator", app(func(a *v1.Application) {
			a.Spec.Template.ClusterRequirements.Selector = &v1.ClusterSelector{MatchExpressions: []v1.ClusterSelectorRequirement{{Key: "zone", Operator: "Like", Values: []string{"a"}}}}
		}), nil, template + ".clusterRequirements.selector.matchExpressions[0].operator", "Unsupported value"},
		{"spread of no replicas", app(func(a *v1.Application) {
			a.Spec.Template.ClusterRequirements.Spread = &v1.ReplicaSpread{TotalReplicas: 0}
		}), nil, template + ".clusterRequirements.spread.totalReplicas", "should be greater than or equal to 1"},
		{"regional hostname without {{region}}", app(func(a *v1.Application) {
			a.Spec.Template.Traffic = &v1.TrafficSpec{DNS: &v1.DNSTraffic{Hostname: "web.example.com", RegionalHostname: "web.eu.example.com"}}
		}), nil, dns + ".regionalHostname", "regionalHostname must contain {{region}}"},
		{"gateway without parentRefs", gatewayTraffic(func(*v1.GatewayTraffic) {}), rawSet([]any{}, "spec", "template", "traffic", "gateway", "parentRefs"),
			gateway + ".parentRefs", "should have at least 1 items"},
		{"gateway route name not a DNS label", gatewayTraffic(func(g *v1.GatewayTraffic) { g.HTTPRoute = "Web_1" }), nil,
			gateway + ".httpRoute", "should match"},
		{"gateway without a port", gatewayTraffic(func(g *v1.GatewayTraffic) { g.Port = 0 }), nil,
			gateway + ".port", "should be greater than or equal to 1"},
		{"gateway hostname with an empty label", gatewayTraffic(func(g *v1.GatewayTraffic) { g.Hostnames = []v1.GatewayHostname{"web..example.com"} }), nil,
			gateway + ".hostnames[0]", "should match"},
		{"gateway parent without a name", gatewayTraffic(func(g *v1.GatewayTraffic) { g.ParentRefs[0].Name = "" }), nil,
			gateway + ".parentRefs[0].name", "should be at least 1 chars long"},
		{"unknown preset", app(func(a *v1.Application) { a.Spec.Template.Strategy = v1.Strategy{Preset: "linear"} }), nil,
			strategy + ".preset", `Unsupported value: "linear"`},
		{"duplicate step names", app(func(a *v1.Application) { a.Spec.Template.Strategy.Steps[2].Name = "staging" }), nil,
			steps, "step names must be unique"},
		{"more than 20 steps", app(func(a *v1.Application) {
			a.Spec.Template.Strategy.Steps = nil
			for i := range 21 {
				a.Spec.Template.Strategy.Steps = append(a.Spec.Template.Strategy.Steps, v1.StrategyStep{
					Name: fmt.Sprintf("step-%d", i), Capacity: v1.CapacitySplit{Contender: 100}, Traffic: v1.TrafficSplit{Contender: 1}})
			}
		}), nil, steps, "must have at most 20 items"},
		{"empty step name", app(func(a *v1.Application) { a.Spec.Template.Strategy.Steps[0].Name = "" }), nil,
			steps + "[0].name", "at least 1 chars long"},
		{"step name with trailing space", app(func(a *v1.Application) { a.Spec.Template.Strategy.Steps[0].Name = "staging " }), nil,
			steps + "[0].name", "should match"},
		{"contender capacity over 100", app(func(a *v1.Application) { a.Spec.Template.Strategy.Steps[1].Capacity.Contender = 101 }), nil,
			steps + "[1].capacity.contender", "less than or equal to 100"},
		{"incumbent capacity below 0", app(func(a *v1.Application) { a.Spec.Template.Strategy.Steps[0].Capacity.Incumbent = -1 }), nil,
			steps + "[0].capacity.incumbent", "greater than or equal to 0"},
		{"contender traffic weight below 0", app(func(a *v1.Application) { a.Spec.Template.Strategy.Steps[2].Traffic.Contender = -5 }), nil,
			steps + "[2].traffic.contender", "greater than or equal to 0"},
		{"traffic weight over 10000", app(func(a *v1.Application) { a.Spec.Template.Strategy.Steps[1].Traffic.Incumbent = 10001 }), nil,
			steps + "[1].traffic.incumbent", "less than or equal to 10000"},
		{"both traffic weights zero", app(func(a *v1.Application) { a.Spec.Template.Strategy.Steps[1].Traffic = v1.TrafficSplit{} }), nil,
			steps + "[1].traffic", "contender and incumbent traffic weights must not both be zero"},

		// Analysis.
		{"a check both prometheus and webhook", app(func(a *v1.Application) {
			a.Spec.Template.Strategy.Steps[1].Analysis = []v1.AnalysisCheck{{Name: "x", AnalysisCheckSpec: v1.AnalysisCheckSpec{
				Prometheus: &v1.PrometheusCheck{Query: "up"}, Webhook: &v1.WebhookCheck{URL: "https://ci.example.com/x"}}}}
		}), nil, steps + "[1].analysis[0]", "a check is a templateRef, or exactly one of prometheus or webhook"},
		{"a check with nothing to measure", app(func(a *v1.Application) {
			a.Spec.Template.Strategy.Steps[1].Analysis = []v1.AnalysisCheck{{Name: "x"}}
		}), nil, steps + "[1].analysis[0]", "a check is a templateRef, or exactly one of prometheus or webhook"},
		{"onFailure not Abort or Hold", app(func(a *v1.Application) { a.Spec.Template.Strategy.Steps[1].OnFailure = "Rollback" }), nil,
			steps + "[1].onFailure", `Unsupported value: "Rollback"`},
		{"a webhook that is not http", app(func(a *v1.Application) {
			a.Spec.Template.Strategy.Steps[1].Analysis = []v1.AnalysisCheck{{Name: "x", AnalysisCheckSpec: v1.AnalysisCheckSpec{
				Webhook: &v1.WebhookCheck{URL: "file:///etc/passwd"}}}}
		}), nil, steps + "[1].analysis[0].webhook.url", "should match"},

		// Source.
		{"no source", app(func(a *v1.Application) { a.Spec.Template.Source = v1.Source{} }), nil,
			source, "exactly one of chart or kustomize must be set"},
		{"both chart and kustomize", app(func(a *v1.Application) {
			a.Spec.Template.Source.Kustomize = &v1.KustomizeSource{RepoURL: "https://github.com/example/deploy.git"}
		}), nil, source, "exactly one of chart or kustomize must be set"},
		{"chart repo with ftp scheme", app(func(a *v1.Application) { a.Spec.Template.Source.Chart.RepoURL = "ftp://charts.example.com" }), nil,
			chart + ".repoURL", "should match"},
		{"chart repo without host", app(func(a *v1.Application) { a.Spec.Template.Source.Chart.RepoURL = "oci:///charts" }), nil,
			chart + ".repoURL", "should match"},
		{"empty chart name", app(func(a *v1.Application) { a.Spec.Template.Source.Chart.Name = "" }), nil,
			chart + ".name", "at least 1 chars long"},
		{"chart version latest", app(func(a *v1.Application) { a.Spec.Template.Source.Chart.Version = "latest" }), nil,
			chart + ".version", "should match"},
		{"chart version with four parts", app(func(a *v1.Application) { a.Spec.Template.Source.Chart.Version = "1.2.3.4" }), nil,
			chart + ".version", "should match"},
		{"chart version with a dangling operator", app(func(a *v1.Application) { a.Spec.Template.Source.Chart.Version = ">=1.0.0 ||" }), nil,
			chart + ".version", "should match"},
		{"chart secret without name", app(func(a *v1.Application) {
			a.Spec.Template.Source.Chart.SecretRef = &v1.LocalObjectReference{}
		}), nil, chart + ".secretRef.name", "at least 1 chars long"},
		{"kustomize repo with bad scheme", app(func(a *v1.Application) {
			a.Spec.Template.Source = v1.Source{Kustomize: &v1.KustomizeSource{RepoURL: "github.com/example/deploy"}}
		}), nil, kust + ".repoURL", "should match"},
		{"kustomize ref with a space", app(func(a *v1.Application) {
			a.Spec.Template.Source = v1.Source{Kustomize: &v1.KustomizeSource{RepoURL: "https://github.com/example/deploy.git", Ref: "main branch"}}
		}), nil, kust + ".ref", "should match"},
		{"kustomize path with ..", kustomize("overlays/../../secrets"), nil,
			kust + ".path", "must not contain '..'"},
		{"kustomize path that is ..", kustomize(".."), nil,
			kust + ".path", "must not contain '..'"},
		{"kustomize absolute path", kustomize("/etc/overlays"), nil,
			kust + ".path", "path must be relative to the repository root"},

		// Cluster requirements.
		{"no regions", app(func(a *v1.Application) { a.Spec.Template.ClusterRequirements.Regions = []v1.RegionRequirement{} }), nil,
			regions, "should have at least 1 items"},
		{"empty region name", app(func(a *v1.Application) { a.Spec.Template.ClusterRequirements.Regions[0].Name = "" }), nil,
			regions + "[0].name", "at least 1 chars long"},
		{"uppercase region name", app(func(a *v1.Application) { a.Spec.Template.ClusterRequirements.Regions[0].Name = "EU-West" }), nil,
			regions + "[0].name", "should match"},
		{"duplicate region names", app(func(a *v1.Application) {
			a.Spec.Template.ClusterRequirements.Regions = []v1.RegionRequirement{{Name: "eu-west"}, {Name: "us-east"}, {Name: "eu-west", Clusters: ptr[int32](2)}}
		}), nil, regions + "[2]", "Duplicate value"},
		{"region with 0 clusters", app(func(a *v1.Application) { a.Spec.Template.ClusterRequirements.Regions[0].Clusters = ptr[int32](0) }), nil,
			regions + "[0].clusters", "greater than or equal to 1"},
		{"empty capability", app(func(a *v1.Application) { a.Spec.Template.ClusterRequirements.Capabilities = []string{"gpu", ""} }), nil,
			caps + "[1]", "at least 1 chars long"},
		{"capability with a space", app(func(a *v1.Application) { a.Spec.Template.ClusterRequirements.Capabilities = []string{"fast disk"} }), nil,
			caps + "[0]", "should match"},
		{"duplicate capabilities", app(func(a *v1.Application) {
			a.Spec.Template.ClusterRequirements.Capabilities = []string{"gpu", "ssd", "gpu"}
		}), nil, caps + "[2]", "Duplicate value"},

		// Traffic.
		{"hostname with an underscore", app(func(a *v1.Application) {
			dnsTraffic(a)
			a.Spec.Template.Traffic.DNS.Hostname = "web_app.example.com"
		}), nil, dns + ".hostname", "should match"},
		{"hostname without a domain", app(func(a *v1.Application) {
			dnsTraffic(a)
			a.Spec.Template.Traffic.DNS.Hostname = "web"
		}), nil, dns + ".hostname", "should match"},
		{"hostname with uppercase letters", app(func(a *v1.Application) {
			dnsTraffic(a)
			a.Spec.Template.Traffic.DNS.Hostname = "Web.Example.com"
		}), nil, dns + ".hostname", "should match"},
		{"hostname with a label over 63 characters", app(func(a *v1.Application) {
			dnsTraffic(a)
			a.Spec.Template.Traffic.DNS.Hostname = strings.Repeat("a", 64) + ".example.com"
		}), nil, dns + ".hostname", "should match"},
		{"ttlSeconds 0", app(dnsTraffic), rawSet(int64(0), "spec", "template", "traffic", "dns", "ttlSeconds"),
			dns + ".ttlSeconds", "greater than or equal to 1"},
		{"ttlSeconds over a day", app(func(a *v1.Application) {
			dnsTraffic(a)
			a.Spec.Template.Traffic.DNS.TTLSeconds = 86401
		}), nil, dns + ".ttlSeconds", "less than or equal to 86400"},

		{"health check path on a TCP check", app(func(a *v1.Application) {
			dnsTraffic(a)
			a.Spec.Template.Traffic.DNS.HealthCheck = &v1.DNSHealthCheck{Type: v1.DNSHealthCheckTCP, Path: "/healthz"}
		}), nil, dns + ".healthCheck", "path is only for HTTP health checks"},
		{"health check timeout above its interval", app(func(a *v1.Application) {
			dnsTraffic(a)
			a.Spec.Template.Traffic.DNS.HealthCheck = &v1.DNSHealthCheck{Type: v1.DNSHealthCheckHTTP, IntervalSeconds: 1, TimeoutSeconds: 2}
		}), nil, dns + ".healthCheck", "timeoutSeconds must not exceed intervalSeconds"},
		{"health check of an unknown type", app(func(a *v1.Application) {
			dnsTraffic(a)
			a.Spec.Template.Traffic.DNS.HealthCheck = &v1.DNSHealthCheck{Type: "ICMP"}
		}), nil, dns + ".healthCheck.type", "Unsupported value"},
		{"health check interval 0", app(func(a *v1.Application) {
			dnsTraffic(a)
			a.Spec.Template.Traffic.DNS.HealthCheck = &v1.DNSHealthCheck{Type: v1.DNSHealthCheckTCP}
		}), rawSet(int64(0), "spec", "template", "traffic", "dns", "healthCheck", "intervalSeconds"), dns + ".healthCheck.intervalSeconds", "greater than or equal to 1"},
		{"health check path not absolute", app(func(a *v1.Application) {
			dnsTraffic(a)
			a.Spec.Template.Traffic.DNS.HealthCheck = &v1.DNSHealthCheck{Type: v1.DNSHealthCheckHTTP, Path: "healthz"}
		}), nil, dns + ".healthCheck.path", "should match"},

		// Application.
		{"revisionHistoryLimit 0", app(func(a *v1.Application) { a.Spec.RevisionHistoryLimit = ptr[int32](0) }), nil,
			"spec.revisionHistoryLimit", "greater than or equal to 1"},
		{"no template", app(func(a *v1.Application) {}), rawDelete("spec", "template"),
			"spec.template", "Required value"},

		// Release.
		{"release target beyond the last step", release(func(r *v1.Release) { r.Spec.TargetStep = 3 }), nil,
			"spec.targetStep", "targetStep must be the index of one of the strategy's steps"},
		{"release target below 0", release(func(r *v1.Release) { r.Spec.TargetStep = -1 }), nil,
			"spec.targetStep", "greater than or equal to 0"},
		{"release with a preset instead of steps", release(func(r *v1.Release) {
			r.Spec.Environment.Strategy = v1.Strategy{Preset: v1.PresetCanary}
		}), nil, "spec.environment.strategy.steps", "a Release lists its strategy steps"},
		{"release environment validated like the template", release(func(r *v1.Release) {
			r.Spec.Environment.Strategy.Steps[0].Capacity.Contender = 200
		}), nil, "spec.environment.strategy.steps[0].capacity.contender", "less than or equal to 100"},

		// Cluster.
		{"cluster with an http URL", cluster(func(c *v1.Cluster) { c.Spec.APIServerURL = "http://eu-west-1.example.com:6443" }), nil,
			"spec.apiServerURL", "should match"},
		{"cluster without region", cluster(func(c *v1.Cluster) {}), rawDelete("spec", "region"),
			"spec.region", "Required value"},
		{"cluster with an empty region", cluster(func(c *v1.Cluster) { c.Spec.Region = "" }), nil,
			"spec.region", "at least 1 chars long"},
		{"cluster with a bad region", cluster(func(c *v1.Cluster) { c.Spec.Region = "eu west" }), nil,
			"spec.region", "should match"},
		{"cluster credentials without namespace", cluster(func(c *v1.Cluster) { c.Spec.CredentialsSecretRef.Namespace = "" }), nil,
			"spec.credentialsSecretRef.namespace", "at least 1 chars long"},
		{"cluster with duplicate capabilities", cluster(func(c *v1.Cluster) { c.Spec.Capabilities = []string{"gpu", "gpu"} }), nil,
			"spec.capabilities[1]", "Duplicate value"},
		{"cluster scheduling weight 0", cluster(func(c *v1.Cluster) { c.Spec.Scheduling.Weight = ptr[int32](0) }), nil,
			"spec.scheduling.weight", "greater than or equal to 1"},

		// RolloutBlock.
		{"rollout block with an empty message", block(func(b *v1.RolloutBlock) { b.Spec.Message = "" }), nil,
			"spec.message", "at least 1 chars long"},
		{"rollout block without message", block(func(b *v1.RolloutBlock) {}), rawDelete("spec", "message"),
			"spec.message", "Required value"},
		{"rollout block without author name", block(func(b *v1.RolloutBlock) { b.Spec.Author.Name = "" }), nil,
			"spec.author.name", "at least 1 chars long"},

		// Targets.
		{"installation target without source", installation(func(it *v1.InstallationTarget) { it.Spec.Source = v1.Source{} }), nil,
			"spec.source", "exactly one of chart or kustomize must be set"},
		{"installation target with duplicate clusters", installation(func(it *v1.InstallationTarget) {
			it.Spec.Clusters = []string{"eu-west-1", "eu-west-1"}
		}), nil, "spec.clusters[1]", "Duplicate value"},
		{"capacity target over 100 percent", capacity(func(ct *v1.CapacityTarget) { ct.Spec.Clusters[0].Percent = 101 }), nil,
			"spec.clusters[0].percent", "less than or equal to 100"},
		{"capacity target with negative replicas", capacity(func(ct *v1.CapacityTarget) { ct.Spec.Clusters[0].TotalReplicaCount = -1 }), nil,
			"spec.clusters[0].totalReplicaCount", "greater than or equal to 0"},
		{"traffic target with negative weight", traffic(func(tt *v1.TrafficTarget) { tt.Spec.Clusters[0].Weight = -1 }), nil,
			"spec.clusters[0].weight", "greater than or equal to 0"},
		{"traffic target with duplicate clusters", traffic(func(tt *v1.TrafficTarget) {
			tt.Spec.Clusters = append(tt.Spec.Clusters, v1.ClusterTrafficTarget{Name: "eu-west-1", Weight: 5})
		}), nil, "spec.clusters[1]", "Duplicate value"},
	}

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tryCreate(t, c, ns, i, tc.obj, tc.raw)
			expectInvalid(t, err, tc.field, tc.msg)
		})
	}
}

// TestValidationReleaseEnvironmentImmutable checks the transition rule on a
// Release's environment: targetStep moves, the environment does not.
func TestValidationReleaseEnvironmentImmutable(t *testing.T) {
	c, ns := setup(t)

	cases := []struct {
		name   string
		mutate func(*v1.Release)
		field  string // empty: the update must succeed
		msg    string
	}{
		{"targetStep advances", func(r *v1.Release) { r.Spec.TargetStep = 2 }, "", ""},
		{"chart version", func(r *v1.Release) { r.Spec.Environment.Source.Chart.Version = "1.2.4" },
			"spec.environment", "environment is immutable"},
		{"step capacity", func(r *v1.Release) { r.Spec.Environment.Strategy.Steps[1].Capacity.Contender = 60 },
			"spec.environment", "environment is immutable"},
		{"regions", func(r *v1.Release) {
			r.Spec.Environment.ClusterRequirements.Regions = append(r.Spec.Environment.ClusterRequirements.Regions, v1.RegionRequirement{Name: "us-east"})
		}, "spec.environment", "environment is immutable"},
		{"traffic added", func(r *v1.Release) {
			r.Spec.Environment.Traffic = &v1.TrafficSpec{DNS: &v1.DNSTraffic{Hostname: "web.example.com"}}
		}, "spec.environment", "environment is immutable"},
		{"helm values", func(r *v1.Release) {
			r.Spec.Environment.Values = &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":5}`)}
		}, "spec.environment", "environment is immutable"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := baseRelease()
			r.Spec.Environment.Values = &apiextensionsv1.JSON{Raw: []byte(`{"replicaCount":4}`)}
			create(t, c, ns, i, r, nil)
			tc.mutate(r)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := c.Update(ctx, r)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("update rejected: %v", err)
				}
				return
			}
			expectInvalid(t, err, tc.field, tc.msg)
		})
	}
}

// setup returns a client of the management cluster and a fresh namespace,
// after checking that the cluster serves the CRDs of this source tree: a
// reused environment with stale CRDs would test old schemas.
func setup(t *testing.T) (client.Client, string) {
	t.Helper()
	env := testenv.Get(t)
	c := env.ManagementClient(t)
	want, err := crds.All()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, crd := range want {
		got := &apiextensionsv1.CustomResourceDefinition{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(crd), got); err != nil {
			t.Fatalf("CRD %s: %v", crd.Name, err)
		}
		if !sameSchemas(got, crd) {
			t.Fatalf("CRD %s in the management cluster differs from apis/crds: reinstall the CRDs (convoy dev up) after make generate", crd.Name)
		}
	}
	return c, env.Namespace(t)
}

// sameSchemas compares the versions' schemas of two CRDs as JSON, which
// ignores how each was decoded.
func sameSchemas(a, b *apiextensionsv1.CustomResourceDefinition) bool {
	schemas := func(crd *apiextensionsv1.CustomResourceDefinition) string {
		var all []*apiextensionsv1.CustomResourceValidation
		for _, v := range crd.Spec.Versions {
			all = append(all, v.Schema)
		}
		data, err := json.Marshal(all)
		if err != nil {
			return "error: " + err.Error()
		}
		return string(data)
	}
	return schemas(a) == schemas(b)
}

// create creates obj and fails the test if the apiserver rejects it. It
// returns the object's name.
func create(t *testing.T, c client.Client, ns string, i int, obj client.Object, raw func(map[string]any)) string {
	t.Helper()
	if err := tryCreate(t, c, ns, i, obj, raw); err != nil {
		t.Fatalf("create rejected: %v", err)
	}
	return obj.GetName()
}

// tryCreate names obj uniquely, places it in ns unless it is cluster-scoped
// (then deleting it at the end of the test), and creates it, through
// unstructured JSON edited by raw if raw is set.
func tryCreate(t *testing.T, c client.Client, ns string, i int, obj client.Object, raw func(map[string]any)) error {
	t.Helper()
	namespaced, err := c.IsObjectNamespaced(obj)
	if err != nil {
		t.Fatal(err)
	}
	if namespaced {
		obj.SetName(fmt.Sprintf("case-%d", i))
		obj.SetNamespace(ns)
	} else {
		obj.SetName(fmt.Sprintf("validation-%d-%d", i, time.Now().UnixNano()))
	}

	send := obj
	if raw != nil {
		gvk, err := apiutil.GVKForObject(obj, c.Scheme())
		if err != nil {
			t.Fatal(err)
		}
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			t.Fatal(err)
		}
		raw(content)
		u := &unstructured.Unstructured{Object: content}
		u.SetGroupVersionKind(gvk)
		send = u
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = c.Create(ctx, send)
	if err == nil && !namespaced {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := c.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("deleting %s: %v", obj.GetName(), err)
			}
		})
	}
	return err
}

// expectInvalid fails the test unless err is the apiserver's Invalid error
// with a cause at field whose message contains msg.
func expectInvalid(t *testing.T, err error, field, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want rejection at %s (%q)", field, msg)
	}
	if !apierrors.IsInvalid(err) {
		t.Fatalf("got %v (reason %s), want Invalid at %s", err, apierrors.ReasonForError(err), field)
	}
	var causes []metav1.StatusCause
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Details != nil {
		causes = status.Status().Details.Causes
	}
	for _, cause := range causes {
		if cause.Field == field && strings.Contains(cause.Message, msg) {
			return
		}
	}
	var b strings.Builder
	for _, cause := range causes {
		fmt.Fprintf(&b, "\n  %s: %s", cause.Field, cause.Message)
	}
	t.Fatalf("no cause at %s containing %q; causes:%s", field, msg, b.String())
}
