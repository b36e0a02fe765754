package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReleaseSpec is one revision of an Application's template and the step it
// is asked to reach.
//
// +kubebuilder:validation:XValidation:rule="has(self.environment.strategy.steps)",message="a Release lists its strategy steps; presets are expanded when the Release is made",fieldPath=".environment.strategy.steps"
// +kubebuilder:validation:XValidation:rule="!has(self.environment.strategy.steps) || self.targetStep < size(self.environment.strategy.steps)",message="targetStep must be the index of one of the strategy's steps",fieldPath=".targetStep"
type ReleaseSpec struct {
	// TargetStep is the index of the step the release should reach, counting
	// from 0. It is the one field people and pipelines change (convoy
	// advance); moving it back retreats.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=19
	TargetStep int32 `json:"targetStep"`

	// Aborted, when set, gives everything back to the incumbent (traffic
	// first, then capacity: the release keeps no pods) and holds the
	// release at step 0 whatever targetStep says, until it is cleared.
	// convoy abort sets it and convoy retry clears it.
	// +optional
	Aborted *Abort `json:"aborted,omitempty"`

	// Environment is the snapshot of the Application's template this release
	// rolls out, with the chart version or git commit pinned. Immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="environment is immutable: change the Application's template to make a new Release"
	Environment ReleaseEnvironment `json:"environment"`
}

// Abort says why a release was aborted.
type Abort struct {
	// Reason is why, for people.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Reason string `json:"reason,omitempty"`
}

// ReleaseStatus reports how far the release got and what it waits for.
type ReleaseStatus struct {
	// ObservedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready, Reconciling and Stalled (kstatus), plus Scheduled,
	// Complete, Blocked and Aborted.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// AchievedStep is the last step achieved in every selected cluster.
	// +optional
	AchievedStep *AchievedStep `json:"achievedStep,omitempty"`

	// WaitingFor is what stands between the release and its target step.
	// +optional
	WaitingFor WaitingFor `json:"waitingFor,omitempty"`

	// Strategy holds the conditions of the step being executed, each stamped
	// with that step.
	// +optional
	// +listType=map
	// +listMapKey=type
	Strategy []StepCondition `json:"strategy,omitempty"`

	// Gate is the state of the gates (progress deadline, soak, analysis)
	// of the step being executed.
	// +optional
	Gate *StepGate `json:"gate,omitempty"`

	// Waves are the release's waves, each with its clusters and where it
	// is, when its strategy has waves.
	// +optional
	// +listType=atomic
	Waves []WaveStatus `json:"waves,omitempty"`
}

// AchievedStep names a step a release has achieved.
type AchievedStep struct {
	// Step index, counting from 0.
	Step int32 `json:"step"`
	// Name of the step.
	Name string `json:"name"`
}

// WaitingFor names the stage of a step a release waits on.
// +kubebuilder:validation:Enum=Installation;Capacity;Traffic;Analysis;Command
type WaitingFor string

const (
	WaitingForInstallation WaitingFor = "Installation"
	WaitingForCapacity     WaitingFor = "Capacity"
	WaitingForTraffic      WaitingFor = "Traffic"
	// WaitingForAnalysis: the step's capacity and traffic are achieved;
	// its soak or its checks are not yet.
	WaitingForAnalysis WaitingFor = "Analysis"
	WaitingForCommand  WaitingFor = "Command"
)

// StepCondition is a condition of the strategy for one step, such as
// ContenderAchievedCapacity.
type StepCondition struct {
	// Type of the condition.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=316
	Type string `json:"type"`
	// Status is True, False or Unknown.
	// +kubebuilder:validation:Enum=True;False;Unknown
	Status metav1.ConditionStatus `json:"status"`
	// Step the condition belongs to.
	Step int32 `json:"step"`
	// Reason is a CamelCase word for machines.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Message says what happened, for people.
	// +optional
	Message string `json:"message,omitempty"`
	// LastTransitionTime is when the status last changed.
	// +optional
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty"`
}

// Release is one revision of an Application's template being rolled out.
// The newest is the contender, the newest completed one before it the
// incumbent.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cvrel;cvrels,categories=convoy
// +kubebuilder:printcolumn:name="Target",type=integer,JSONPath=`.spec.targetStep`
// +kubebuilder:printcolumn:name="Achieved",type=integer,JSONPath=`.status.achievedStep.step`
// +kubebuilder:printcolumn:name="Step Name",type=string,JSONPath=`.status.achievedStep.name`
// +kubebuilder:printcolumn:name="Waiting For",type=string,JSONPath=`.status.waitingFor`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Release struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ReleaseSpec   `json:"spec"`
	Status ReleaseStatus `json:"status,omitempty"`
}

// ReleaseList is a list of Releases.
// +kubebuilder:object:root=true
type ReleaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Release `json:"items"`
}

func init() {
	register(&Release{}, &ReleaseList{})
}
