package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReleaseEnvironment is everything a Release needs to roll out: what to
// install, where, and in which steps. An Application holds it as its template;
// each Release keeps an immutable snapshot of it.
type ReleaseEnvironment struct {
	// Source says where the release's manifests come from.
	Source Source `json:"source"`

	// Values are Helm values merged over the chart's defaults. Ignored for
	// kustomize sources.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Values *apiextensionsv1.JSON `json:"values,omitempty"`

	// Overrides are values for some clusters only: each one's values are
	// merged over values (maps merged key by key, anything else replaced),
	// in order, in the clusters it matches. A release renders once per
	// distinct set of values, not once per cluster.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	Overrides []ValuesOverride `json:"overrides,omitempty"`

	// ClusterRequirements select the application clusters the release runs in.
	ClusterRequirements ClusterRequirements `json:"clusterRequirements"`

	// Strategy is the sequence of steps that moves capacity and traffic from
	// the incumbent release to the contender.
	Strategy Strategy `json:"strategy"`

	// Traffic says how clients reach the release. Without it convoy moves
	// capacity only.
	// +optional
	Traffic *TrafficSpec `json:"traffic,omitempty"`

	// ServiceAccountName is the ServiceAccount, in the Application's
	// namespace of each application cluster, that convoy impersonates to
	// install, scale and remove the release's objects there: the cluster's
	// RBAC and admission decide what the release may do. Empty means the
	// manager's default (--default-service-account, "convoy-tenant"). A
	// platform grants it with convoy tenants grant.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

// Source is exactly one of a Helm chart or a kustomize directory.
// +kubebuilder:validation:XValidation:rule="has(self.chart) != has(self.kustomize)",message="exactly one of chart or kustomize must be set"
type Source struct {
	// Chart is a Helm chart from an HTTP(S) chart repository or an OCI registry.
	// +optional
	Chart *ChartSource `json:"chart,omitempty"`

	// Kustomize is a kustomization directory in a git repository.
	// +optional
	Kustomize *KustomizeSource `json:"kustomize,omitempty"`
}

// ChartSource locates a Helm chart.
type ChartSource struct {
	// RepoURL is an HTTP(S) chart repository (serving index.yaml) or an OCI
	// registry path, such as https://charts.example.com or
	// oci://registry.example.com/charts.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^(https?|oci)://[^\s/]+(/\S*)?$`
	RepoURL string `json:"repoURL"`

	// Name is the chart's name in the repository.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=250
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._-]*$`
	Name string `json:"name"`

	// Version is an exact chart version or a semver constraint such as
	// "~1.2" or ">=1.0.0 <2.0.0". Empty means the newest stable version. A
	// Release always records the exact version it resolved to.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^(\s*((=|!=|>=|=>|<=|=<|>|<|~>|~|\^)\s*)?v?(\d+|[xX*])(\.(\d+|[xX*])){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?(\s+-\s+v?(\d+|[xX*])(\.(\d+|[xX*])){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?)?((\s*,\s*|\s+|\s*\|\|\s*)((=|!=|>=|=>|<=|=<|>|<|~>|~|\^)\s*)?v?(\d+|[xX*])(\.(\d+|[xX*])){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?(\s+-\s+v?(\d+|[xX*])(\.(\d+|[xX*])){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?)?)*\s*)?$`
	Version string `json:"version,omitempty"`

	// SecretRef names a Secret in the Application's namespace with the
	// repository's credentials and TLS settings (username, password, ca.crt,
	// tls.crt, tls.key).
	// +optional
	SecretRef *LocalObjectReference `json:"secretRef,omitempty"`
}

// KustomizeSource locates a kustomization directory in a git repository.
type KustomizeSource struct {
	// RepoURL is the git repository: https://, ssh://, git:// or file:// URL
	// (file:// only with a manager run with --allow-local-sources, as local
	// environments are: it reads the manager's own file system).
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^(https?|ssh|git|file)://\S+$`
	RepoURL string `json:"repoURL"`

	// Ref is the branch, tag or commit to build. Empty means the remote's
	// default branch. A Release always records the commit it resolved to.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[^\s~^:?*\[\\]+$`
	Ref string `json:"ref,omitempty"`

	// Path is the kustomization's directory, relative to the repository root.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('/') && !self.matches('(^|/)[.][.](/|$)')",message="path must be relative to the repository root and must not contain '..'"
	Path string `json:"path,omitempty"`

	// SecretRef names a Secret in the Application's namespace with git
	// credentials (username and password, or identity and known_hosts).
	// +optional
	SecretRef *LocalObjectReference `json:"secretRef,omitempty"`
}

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// ClusterRequirements select application clusters by region and capability.
type ClusterRequirements struct {
	// Regions the release must run in, each with how many clusters.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	Regions []RegionRequirement `json:"regions"`

	// Capabilities every selected cluster must have.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$`
	Capabilities []string `json:"capabilities,omitempty"`

	// Selector limits the clusters to those whose labels match.
	// +optional
	Selector *ClusterSelector `json:"selector,omitempty"`

	// Spread divides one total of replicas among the selected clusters
	// instead of running the chart's replica count in each: in proportion
	// to their Cluster weights (spec.scheduling.weight). Step percentages
	// then apply to each cluster's share, and DNS weights follow it.
	// +optional
	Spread *ReplicaSpread `json:"spread,omitempty"`
}

// ReplicaSpread divides a total of replicas among clusters.
type ReplicaSpread struct {
	// TotalReplicas is the replicas at full capacity over all the
	// clusters. Every cluster must get at least one.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100000
	TotalReplicas int32 `json:"totalReplicas"`

	// By is what the total is divided by: clusterWeight, the Clusters'
	// spec.scheduling.weight (100 when unset).
	// +optional
	// +kubebuilder:default=clusterWeight
	// +kubebuilder:validation:Enum=clusterWeight
	By string `json:"by,omitempty"`
}

// RegionRequirement asks for a number of clusters in one region.
type RegionRequirement struct {
	// Name of the region, as in Cluster.spec.region.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// Clusters is how many clusters of the region run the release.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Clusters *int32 `json:"clusters,omitempty"`
}

// StrategyPreset names a built-in strategy.
// +kubebuilder:validation:Enum=vanguard;canary;blue-green
type StrategyPreset string

const (
	// PresetVanguard is Shipper's staging (1% capacity, no traffic), canary,
	// full on.
	PresetVanguard StrategyPreset = "vanguard"
	// PresetCanary moves 10%, 50%, then 100% of capacity and traffic.
	PresetCanary StrategyPreset = "canary"
	// PresetBlueGreen brings up full contender capacity without traffic,
	// then switches all traffic at once.
	PresetBlueGreen StrategyPreset = "blue-green"
)

// Strategy is either a named preset or an explicit list of steps, taken by
// every cluster at once or, with waves, by one group of clusters after the
// other.
// +kubebuilder:validation:XValidation:rule="has(self.preset) != has(self.steps) || (!has(self.preset) && has(self.waves) && self.waves.all(w, has(w.steps)))",message="exactly one of preset or steps must be set (unless every wave lists its own steps)"
// +kubebuilder:validation:XValidation:rule="!(has(self.waves) && has(self.wavePreset))",message="waves and wavePreset are exclusive"
// +kubebuilder:validation:XValidation:rule="!has(self.waves) || self.waves.all(w, self.waves.exists_one(v, v.name == w.name))",message="wave names must be unique"
type Strategy struct {
	// Preset names a built-in strategy instead of listing steps.
	// +optional
	Preset StrategyPreset `json:"preset,omitempty"`

	// Steps in rollout order. Step indexes count from 0.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:XValidation:rule="self.all(s, self.exists_one(t, t.name == s.name))",message="step names must be unique"
	// +kubebuilder:validation:XValidation:rule="self.all(s, s.traffic.contender + s.traffic.incumbent == self[0].traffic.contender + self[0].traffic.incumbent)",message="every step's traffic weights must have the same total (only the ratio counts): with different totals, moving between steps outgrows capacity"
	Steps []StrategyStep `json:"steps,omitempty"`

	// Waves split the release's clusters into groups that take the steps
	// one group after the other (see Wave). Without waves, every cluster
	// takes each step at once.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	Waves []Wave `json:"waves,omitempty"`

	// WavePreset names a built-in arrangement of waves instead of listing
	// them.
	// +optional
	WavePreset WavePreset `json:"wavePreset,omitempty"`

	// OneRegionPerWave refuses waves whose clusters span two regions.
	// +optional
	OneRegionPerWave bool `json:"oneRegionPerWave,omitempty"`
}

// StrategyStep is one stop of a rollout: how much capacity each release runs
// and how traffic is split between them. A release's share of the step's
// traffic may not exceed its capacity percent (invariant I1: capacity covers
// traffic).
// +kubebuilder:validation:XValidation:rule="self.traffic.contender * 100 <= self.capacity.contender * (self.traffic.contender + self.traffic.incumbent)",message="the contender's share of the traffic exceeds its capacity percent: capacity must cover traffic",fieldPath=".traffic.contender"
// +kubebuilder:validation:XValidation:rule="self.traffic.incumbent * 100 <= self.capacity.incumbent * (self.traffic.contender + self.traffic.incumbent)",message="the incumbent's share of the traffic exceeds its capacity percent: capacity must cover traffic",fieldPath=".traffic.incumbent"
type StrategyStep struct {
	// Name of the step, such as "canary". In a Release with waves,
	// "wave/step".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=127
	// +kubebuilder:validation:Pattern=`^\S(.*\S)?$`
	Name string `json:"name"`

	// Wave is the wave this step belongs to. convoy sets it in a Release,
	// whose steps are its waves' steps one after the other; an Application
	// does not.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Wave string `json:"wave,omitempty"`

	// Capacity is the percentage of the full replica count each release runs.
	Capacity CapacitySplit `json:"capacity"`

	// Traffic is the relative weight of each release in DNS answers.
	Traffic TrafficSplit `json:"traffic"`

	// WaitForCommand, true when unset, makes the release stop at this step
	// until a person or pipeline moves spec.targetStep on (convoy advance).
	// A step that does not wait is no resting point: once achieved, the
	// release goes on to the next step by itself, up to the first one that
	// waits (or the last), even when spec.targetStep names this step.
	// +optional
	WaitForCommand *bool `json:"waitForCommand,omitempty"`

	// Pause is a minimum soak: once the step's capacity and traffic are
	// achieved in every cluster, it counts as achieved only after this long.
	// +optional
	Pause *StepPause `json:"pause,omitempty"`

	// Analysis are checks that must pass, after the step's traffic is
	// served, for the step to count as achieved. A check failing in any
	// cluster fails the step in every cluster.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	Analysis []AnalysisCheck `json:"analysis,omitempty"`

	// ProgressDeadline fails the step when it is not achieved (soak and
	// checks included) this long after it began.
	// +optional
	ProgressDeadline *metav1.Duration `json:"progressDeadline,omitempty"`

	// OnFailure is what a failed step does: Abort (the default) aborts the
	// release in every cluster; Hold stalls it for a person.
	// +optional
	OnFailure FailurePolicy `json:"onFailure,omitempty"`
}

// Gated reports whether the step has gates beyond its capacity and
// traffic: a soak or analysis checks.
func (s StrategyStep) Gated() bool { return s.Pause != nil || len(s.Analysis) > 0 }

// Waits reports whether the release stops at this step for a command.
func (s StrategyStep) Waits() bool { return s.WaitForCommand == nil || *s.WaitForCommand }

// CapacitySplit is a percentage of full capacity for each release.
type CapacitySplit struct {
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Contender int32 `json:"contender"`
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Incumbent int32 `json:"incumbent"`
}

// TrafficSplit is a relative weight for each release; only the ratio counts.
// +kubebuilder:validation:XValidation:rule="self.contender + self.incumbent > 0",message="contender and incumbent traffic weights must not both be zero"
type TrafficSplit struct {
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10000
	Contender int32 `json:"contender"`
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10000
	Incumbent int32 `json:"incumbent"`
}

// TrafficSpec says how clients reach the application.
type TrafficSpec struct {
	// DNS publishes the hostname with weighted records per cluster and release.
	// +optional
	DNS *DNSTraffic `json:"dns,omitempty"`

	// Gateway splits traffic inside each cluster with a Gateway API
	// HTTPRoute that convoy owns: one rule whose backendRefs are the
	// releases' Services, weighted as the step and healthy capacity say
	// (the same weights DNS publishes for the cluster). With or without
	// dns.
	// +optional
	Gateway *GatewayTraffic `json:"gateway,omitempty"`
}

// GatewayTraffic is an HTTPRoute, in the Application's namespace of every
// cluster its releases run in, whose weights convoy sets.
type GatewayTraffic struct {
	// HTTPRoute is the route's name. convoy creates it and owns it; a route
	// of that name that is not the Application's is never taken over.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	HTTPRoute string `json:"httpRoute"`

	// ParentRefs are the Gateways the route attaches to. The route is
	// served once every one of them has accepted its current generation.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	ParentRefs []GatewayParentRef `json:"parentRefs"`

	// Hostnames the route matches (HTTPRoute spec.hostnames); every
	// hostname its Gateways listen for when empty.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	Hostnames []GatewayHostname `json:"hostnames,omitempty"`

	// Port is the port of the releases' Services the route sends traffic
	// to. A release's backend is its one Service exposing this port.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`
}

// GatewayHostname is a hostname of an HTTPRoute, possibly a wildcard
// (*.example.com).
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=253
// +kubebuilder:validation:Pattern=`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
type GatewayHostname string

// GatewayParentRef names a Gateway (or one of its listeners) an HTTPRoute
// attaches to.
type GatewayParentRef struct {
	// Name of the Gateway.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// Namespace of the Gateway; the Application's when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace,omitempty"`

	// SectionName is the Gateway's listener; every listener when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	SectionName string `json:"sectionName,omitempty"`
}

// DNSTraffic is a hostname answered by weighted DNS records.
type DNSTraffic struct {
	// Hostname is the fully qualified name clients resolve. Each label is at
	// most 63 characters, as DNS requires.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.?$`
	Hostname string `json:"hostname"`

	// RegionalHostname, with {{region}} in it (such as
	// web.{{region}}.apps.example.com), publishes one more name per region
	// of the release's clusters. Each answers only with its region's
	// healthy endpoints, and with a CNAME to hostname when the region has
	// none, so clients fall back to the global name (KubeFed's zone,
	// region, global chain). Each name must be granted like hostname. The
	// convoy provider only.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.contains('{{region}}')",message="regionalHostname must contain {{region}}"
	RegionalHostname string `json:"regionalHostname,omitempty"`

	// TTLSeconds is the records' time to live: how long resolvers may keep an
	// old answer after weights change.
	// +optional
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=86400
	TTLSeconds int32 `json:"ttlSeconds,omitempty"`

	// ServiceName picks the LoadBalancer Service whose addresses are the
	// release's endpoints when the release has more than one.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	ServiceName string `json:"serviceName,omitempty"`

	// Provider publishes the records: convoy (the default) serves them from
	// convoy's own authoritative DNS server; external-dns also writes them as
	// external-dns DNSEndpoint objects in the management cluster, for one
	// external-dns instance with --source=crd to program a cloud DNS such as
	// Route53 weighted records.
	// +optional
	// +kubebuilder:default=convoy
	Provider DNSProvider `json:"provider,omitempty"`

	// HealthCheck probes every endpoint's load balancer addresses from
	// convoy's DNS servers, with Route53's semantics: an endpoint that fails
	// failureThreshold checks in a row leaves the answers at once, and comes
	// back after as many successes; when every endpoint of the hostname
	// fails, all are answered as if healthy. The external-dns provider
	// ignores it.
	// +optional
	HealthCheck *DNSHealthCheck `json:"healthCheck,omitempty"`
}

// DNSHealthCheck is how convoy's DNS servers probe an endpoint.
// +kubebuilder:validation:XValidation:rule="!has(self.path) || self.type == 'HTTP'",message="path is only for HTTP health checks"
// +kubebuilder:validation:XValidation:rule="!has(self.timeoutSeconds) || !has(self.intervalSeconds) || self.timeoutSeconds <= self.intervalSeconds",message="timeoutSeconds must not exceed intervalSeconds"
type DNSHealthCheck struct {
	// Type is TCP (a connection is accepted) or HTTP (a GET answers 2xx or
	// 3xx, redirects not followed).
	// +kubebuilder:validation:Enum=TCP;HTTP
	Type DNSHealthCheckType `json:"type"`

	// Path of an HTTP check's GET; / when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^/`
	Path string `json:"path,omitempty"`

	// Port to probe on each load balancer address. Default: the endpoint
	// Service's first TCP port (what the load balancer listens on), 80
	// when it has none.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`

	// IntervalSeconds between two checks of an address.
	// +optional
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=300
	IntervalSeconds int32 `json:"intervalSeconds,omitempty"`

	// FailureThreshold is how many checks in a row must fail for an
	// endpoint to leave the answers, and succeed for it to come back.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10
	FailureThreshold int32 `json:"failureThreshold,omitempty"`

	// TimeoutSeconds bounds one check.
	// +optional
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=60
	TimeoutSeconds int32 `json:"timeoutSeconds,omitempty"`
}

// DNSHealthCheckType is how an endpoint is probed.
type DNSHealthCheckType string

const (
	DNSHealthCheckTCP  DNSHealthCheckType = "TCP"
	DNSHealthCheckHTTP DNSHealthCheckType = "HTTP"
)

// DNSProvider is who serves an application's weighted records.
// +kubebuilder:validation:Enum=convoy;external-dns
type DNSProvider string

const (
	DNSProviderConvoy      DNSProvider = "convoy"
	DNSProviderExternalDNS DNSProvider = "external-dns"
)

// ValuesOverride is values for the clusters it matches: those named, in
// the regions listed, and whose labels match the selector (every criterion
// given must hold).
// +kubebuilder:validation:XValidation:rule="has(self.clusters) || has(self.regions) || has(self.selector)",message="an override matches clusters, regions or a selector"
type ValuesOverride struct {
	// Clusters by name.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=253
	Clusters []string `json:"clusters,omitempty"`

	// Regions the clusters are in.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=63
	Regions []string `json:"regions,omitempty"`

	// Selector over the clusters' labels.
	// +optional
	Selector *ClusterSelector `json:"selector,omitempty"`

	// Values merged over the Application's values in those clusters.
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	Values *apiextensionsv1.JSON `json:"values"`
}
