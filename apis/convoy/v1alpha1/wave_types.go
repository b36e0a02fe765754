package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Wave is a group of the release's clusters that takes the rollout's steps
// together, after the waves before it finished theirs and before the waves
// after it start: "one canary cluster first, then the rest of eu-west,
// then half of us-east, then everything". Each wave chooses from the
// clusters the waves before it left: by region, by label selector, or
// neither (all that are left), then optionally only a count or a
// percentage of those.
// +kubebuilder:validation:XValidation:rule="!has(self.maxConcurrency) || self.maxConcurrency >= 1",message="maxConcurrency must be at least 1"
type Wave struct {
	// Name of the wave, unique in the strategy; a Release's steps are named
	// "wave/step".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// Regions limits the wave to clusters in these regions.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=63
	Regions []string `json:"regions,omitempty"`

	// Selector limits the wave to clusters whose labels match.
	// +optional
	Selector *ClusterSelector `json:"selector,omitempty"`

	// Clusters takes only this many of the clusters left that match, or
	// this percentage of them (rounded up, at least one): the first by
	// name.
	// +optional
	// +kubebuilder:validation:XIntOrString
	Clusters *intstr.IntOrString `json:"clusters,omitempty"`

	// MaxConcurrency is how many of the wave's clusters move at once: with
	// 1, each cluster takes a step only after the one before it finished
	// it. All of them when unset.
	// +optional
	MaxConcurrency *int32 `json:"maxConcurrency,omitempty"`

	// Steps the wave takes; the strategy's steps (or preset) when unset.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	Steps []StrategyStep `json:"steps,omitempty"`

	// Gate is what the wave waits for at its last step before the next
	// wave starts: a command (the default), a soak, analysis checks, or
	// nothing (waitForCommand: false).
	// +optional
	Gate *WaveGate `json:"gate,omitempty"`
}

// WaveGate is the gate after a wave: it applies to the wave's last step.
type WaveGate struct {
	// WaitForCommand, true when unset, holds the rollout after the wave
	// until convoy advance.
	// +optional
	WaitForCommand *bool `json:"waitForCommand,omitempty"`

	// Pause is a soak after the wave's last step is achieved.
	// +optional
	Pause *StepPause `json:"pause,omitempty"`

	// Analysis are checks that must pass after the wave's last step.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	Analysis []AnalysisCheck `json:"analysis,omitempty"`
}

// WavePreset names a built-in arrangement of waves.
// +kubebuilder:validation:Enum=canary-cluster-then-regions
type WavePreset string

const (
	// WavesCanaryClusterThenRegions is one cluster of the first required
	// region, then each required region in turn (the canary's region
	// first), every wave within one region.
	WavesCanaryClusterThenRegions WavePreset = "canary-cluster-then-regions"
)

// ClusterSelector matches Cluster labels. Unlike a label selector, its
// expressions also compare integer labels (Gt, Lt), as node selectors do.
type ClusterSelector struct {
	// MatchLabels are labels a cluster must have, with these values.
	// +optional
	MatchLabels map[string]string `json:"matchLabels,omitempty"`

	// MatchExpressions a cluster's labels must all satisfy.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	MatchExpressions []ClusterSelectorRequirement `json:"matchExpressions,omitempty"`
}

// ClusterSelectorRequirement is one expression of a ClusterSelector.
// Gt and Lt take exactly one integer value (checked when a release is made).
// +kubebuilder:validation:XValidation:rule="(self.operator == 'Exists' || self.operator == 'DoesNotExist') == (!has(self.values) || size(self.values) == 0)",message="values must be empty for Exists and DoesNotExist, and given for the other operators"
type ClusterSelectorRequirement struct {
	// Key is the label key.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=317
	Key string `json:"key"`

	// Operator is In, NotIn, Exists, DoesNotExist, Gt or Lt.
	// +kubebuilder:validation:Enum=In;NotIn;Exists;DoesNotExist;Gt;Lt
	Operator SelectorOperator `json:"operator"`

	// Values for In and NotIn; one integer for Gt and Lt.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=63
	Values []string `json:"values,omitempty"`
}

// SelectorOperator relates a label to values.
type SelectorOperator string

const (
	SelectorIn           SelectorOperator = "In"
	SelectorNotIn        SelectorOperator = "NotIn"
	SelectorExists       SelectorOperator = "Exists"
	SelectorDoesNotExist SelectorOperator = "DoesNotExist"
	SelectorGt           SelectorOperator = "Gt"
	SelectorLt           SelectorOperator = "Lt"
)

// WaveStatus is where one wave of a Release is.
type WaveStatus struct {
	// Name of the wave.
	Name string `json:"name"`

	// Clusters in the wave, chosen when the release was scheduled and kept
	// for its life.
	// +listType=atomic
	Clusters []string `json:"clusters"`

	// Phase is Pending (not started), Progressing, or Complete (its last
	// step achieved).
	Phase WavePhase `json:"phase"`

	// Step is the wave's step being executed or last achieved, as "n/N".
	// +optional
	Step string `json:"step,omitempty"`

	// LastTransitionTime is when the phase last changed.
	// +optional
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
}

// WavePhase is a one-word summary of a wave.
// +kubebuilder:validation:Enum=Pending;Progressing;Complete
type WavePhase string

const (
	WavePending     WavePhase = "Pending"
	WaveProgressing WavePhase = "Progressing"
	WaveComplete    WavePhase = "Complete"
)
