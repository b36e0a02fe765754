package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StepPause holds a step, once its capacity and traffic are achieved, for
// a minimum soak before it counts as achieved.
type StepPause struct {
	// Duration of the soak, such as "5m".
	Duration metav1.Duration `json:"duration"`
}

// FailurePolicy is what a step does when a check fails or its progress
// deadline passes.
// +kubebuilder:validation:Enum=Abort;Hold
type FailurePolicy string

const (
	// FailureAbort aborts the release in every cluster: traffic, then
	// capacity, go back to the incumbent.
	FailureAbort FailurePolicy = "Abort"
	// FailureHold stalls the release where it is, for a person to abort
	// or retry it.
	FailureHold FailurePolicy = "Hold"
)

// CheckScope is where a check is evaluated.
// +kubebuilder:validation:Enum=PerCluster;Global
type CheckScope string

const (
	// ScopePerCluster evaluates the check in each of the release's
	// clusters, against the cluster's own Prometheus; any cluster's failure
	// fails the step.
	ScopePerCluster CheckScope = "PerCluster"
	// ScopeGlobal evaluates the check once for every cluster, against the
	// manager's global Prometheus, or calls its webhook once.
	ScopeGlobal CheckScope = "Global"
)

// AnalysisCheck is one check of a step: inline, or an AnalysisTemplate of
// the Application's namespace by name.
// +kubebuilder:validation:XValidation:rule="has(self.templateRef) || (has(self.prometheus) ? 1 : 0) + (has(self.webhook) ? 1 : 0) == 1",message="a check is a templateRef, or exactly one of prometheus or webhook"
type AnalysisCheck struct {
	// Name of the check, unique in its step.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// TemplateRef names an AnalysisTemplate in the Application's namespace
	// whose spec is this check's (it replaces any written here). It is
	// resolved when the Release is made: a Release keeps its checks as they
	// were, the template's spec inlined beside its name.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	TemplateRef string `json:"templateRef,omitempty"`

	AnalysisCheckSpec `json:",inline"`
}

// AnalysisCheckSpec is what a check measures and how it judges it.
type AnalysisCheckSpec struct {
	// Scope is PerCluster (the default) or Global.
	// +optional
	Scope CheckScope `json:"scope,omitempty"`

	// Interval between measurements; a check of one measurement needs none.
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Count is how many measurements the check takes; 1 when unset.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	Count int32 `json:"count,omitempty"`

	// FailureLimit is how many failed measurements are tolerated; 0: the
	// first fails the check.
	// +optional
	// +kubebuilder:validation:Minimum=0
	FailureLimit int32 `json:"failureLimit,omitempty"`

	// InconclusiveLimit is how many inconclusive measurements are
	// tolerated; beyond it the check is Inconclusive and the release holds.
	// +optional
	// +kubebuilder:validation:Minimum=0
	InconclusiveLimit int32 `json:"inconclusiveLimit,omitempty"`

	// ConsecutiveErrorLimit is how many measurements in a row that could
	// not be taken (an unreachable Prometheus, a webhook timing out) are
	// tolerated; 4 when unset.
	// +optional
	// +kubebuilder:validation:Minimum=0
	ConsecutiveErrorLimit int32 `json:"consecutiveErrorLimit,omitempty"`

	// Prometheus measures a PromQL query.
	// +optional
	Prometheus *PrometheusCheck `json:"prometheus,omitempty"`

	// Webhook asks an HTTP endpoint.
	// +optional
	Webhook *WebhookCheck `json:"webhook,omitempty"`
}

// PrometheusCheck is an instant PromQL query judged by CEL conditions.
type PrometheusCheck struct {
	// Query is PromQL, with the placeholders {{cluster}}, {{region}},
	// {{release}}, {{application}}, {{namespace}} and {{interval}} (a
	// global check has no cluster or region).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	Query string `json:"query"`

	// SuccessCondition is a CEL expression over result, the list of the
	// query's sample values, such as "result[0] < 0.05".
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	SuccessCondition string `json:"successCondition,omitempty"`

	// FailureCondition is a CEL expression over result; when it holds the
	// measurement fails, whatever the success condition says.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	FailureCondition string `json:"failureCondition,omitempty"`
}

// WebhookCheck POSTs a JSON description of the release, the step and the
// clusters to a URL: a 2xx answer passes, any other fails.
type WebhookCheck struct {
	// URL to POST to. The manager calls only URLs under the prefixes its
	// platform allows (--analysis-webhook-allow).
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^https?://\S+$`
	URL string `json:"url"`

	// Timeout of one call; 10s when unset.
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Retries of a call that got no answer or a 5xx, within one
	// measurement; 2 when unset.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	Retries *int32 `json:"retries,omitempty"`
}

// AnalysisTemplateSpec is a check that Applications of its namespace share.
// +kubebuilder:validation:XValidation:rule="has(self.prometheus) != has(self.webhook)",message="a template is exactly one of prometheus or webhook"
type AnalysisTemplateSpec struct {
	AnalysisCheckSpec `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=cvat,categories=convoy
// +kubebuilder:printcolumn:name="Scope",type=string,JSONPath=`.spec.scope`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// AnalysisTemplate is a check, shared by the Applications of its namespace,
// that their strategy steps name with templateRef.
type AnalysisTemplate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec AnalysisTemplateSpec `json:"spec"`
}

// +kubebuilder:object:root=true

// AnalysisTemplateList is a list of AnalysisTemplates.
type AnalysisTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AnalysisTemplate `json:"items"`
}

func init() {
	register(&AnalysisTemplate{}, &AnalysisTemplateList{})
}

// StepGate is the state of the gates of the step a release executes: its
// progress deadline, its soak and its analysis checks. It lives in the
// status, not in the manager's memory, so a restarted manager neither
// repeats nor loses a measurement.
type StepGate struct {
	// Step the gate belongs to.
	Step int32 `json:"step"`

	// ObservedGeneration is the Release's generation when the gate began:
	// a change of its spec (an advance, a retry) begins a new gate.
	ObservedGeneration int64 `json:"observedGeneration"`

	// BeganAt is when the release began executing the step: its progress
	// deadline counts from it.
	BeganAt metav1.Time `json:"beganAt"`

	// ServedAt is when the step's capacity and traffic were first achieved
	// in every cluster: the soak and the checks count from it.
	// +optional
	ServedAt *metav1.Time `json:"servedAt,omitempty"`

	// Phase is Running, Successful, Failed or Inconclusive.
	// +optional
	Phase string `json:"phase,omitempty"`

	// Reason is why a gate failed or holds: AnalysisFailed,
	// AnalysisInconclusive or ProgressDeadlineExceeded.
	// +optional
	Reason string `json:"reason,omitempty"`

	// Message says what the gate waits for, or what failed.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Message string `json:"message,omitempty"`

	// Checks holds one entry per check and cluster (one for a global check).
	// +optional
	// +kubebuilder:validation:MaxItems=512
	Checks []CheckStatus `json:"checks,omitempty"`
}

// CheckStatus is one check's measurements in one cluster.
type CheckStatus struct {
	// Name of the check.
	Name string `json:"name"`
	// Cluster measured; empty for a global check.
	// +optional
	Cluster string `json:"cluster,omitempty"`
	// Phase is Running, Successful, Failed or Inconclusive.
	Phase string `json:"phase"`
	// Counts of the measurements by what they came to.
	// +optional
	Measured int32 `json:"measured,omitempty"`
	// +optional
	Successful int32 `json:"successful,omitempty"`
	// +optional
	Failed int32 `json:"failed,omitempty"`
	// +optional
	Inconclusive int32 `json:"inconclusive,omitempty"`
	// +optional
	Errors int32 `json:"errors,omitempty"`
	// +optional
	ConsecutiveErrors int32 `json:"consecutiveErrors,omitempty"`
	// Measurements are the last few, oldest first.
	// +optional
	// +kubebuilder:validation:MaxItems=3
	Measurements []Measurement `json:"measurements,omitempty"`
}

// Measurement is one evaluation of a check.
type Measurement struct {
	// Time it was taken.
	Time metav1.Time `json:"time"`
	// Phase is Successful, Failed, Inconclusive or Error.
	Phase string `json:"phase"`
	// Value measured: the query's result, or the webhook's answer.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Value string `json:"value,omitempty"`
	// Message says more, such as the query run or why it erred.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
}
