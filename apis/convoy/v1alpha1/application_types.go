package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ApplicationSpec is what an application team declares: the release
// environment to roll out and how much history to keep.
type ApplicationSpec struct {
	// RevisionHistoryLimit is how many completed Releases are kept besides the
	// incumbent and the contender.
	// +optional
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	RevisionHistoryLimit *int32 `json:"revisionHistoryLimit,omitempty"`

	// Template is the release environment. Every change to it creates a new
	// Release, the contender.
	Template ReleaseEnvironment `json:"template"`

	// NotifierRef names the Notifier, in the Application's namespace, that
	// its releases' events go to; the namespace's Notifier named "default"
	// when unset (none when there is none). Not part of the template:
	// changing it makes no new release.
	// +optional
	NotifierRef *LocalObjectReference `json:"notifierRef,omitempty"`
}

// ApplicationStatus summarises the application's rollout.
type ApplicationStatus struct {
	// ObservedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready, Reconciling and Stalled (kstatus), plus Blocked and
	// RollingOut.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// History lists the application's Releases, oldest first.
	// +optional
	// +listType=atomic
	History []string `json:"history,omitempty"`

	// Contender is the newest Release, the one being rolled out.
	// +optional
	Contender string `json:"contender,omitempty"`

	// Incumbent is the newest completed Release before the contender.
	// +optional
	Incumbent string `json:"incumbent,omitempty"`

	// Step is the contender's achieved step.
	// +optional
	Step *StepStatus `json:"step,omitempty"`

	// ReleaseGeneration is the generation of the newest Release made, so
	// generations keep increasing even when the newest Release is deleted.
	// +optional
	ReleaseGeneration int64 `json:"releaseGeneration,omitempty"`

	// Phase is a one-word summary of the rollout, for people.
	// +optional
	Phase RolloutPhase `json:"phase,omitempty"`
}

// StepStatus locates a step of a strategy.
type StepStatus struct {
	// Index of the step, counting from 0.
	Index int32 `json:"index"`
	// Name of the step.
	Name string `json:"name"`
	// Count is the number of steps in the strategy.
	Count int32 `json:"count"`
	// Progress is "n/N" with n counting from 1, for display.
	// +optional
	Progress string `json:"progress,omitempty"`
}

// RolloutPhase is a one-word summary of where a rollout is.
// +kubebuilder:validation:Enum=Pending;Progressing;WaitingForCommand;Complete;Blocked;Failed;Aborted
type RolloutPhase string

const (
	PhasePending           RolloutPhase = "Pending"
	PhaseProgressing       RolloutPhase = "Progressing"
	PhaseWaitingForCommand RolloutPhase = "WaitingForCommand"
	PhaseComplete          RolloutPhase = "Complete"
	PhaseBlocked           RolloutPhase = "Blocked"
	PhaseFailed            RolloutPhase = "Failed"
	PhaseAborted           RolloutPhase = "Aborted"
)

// Application is a workload that convoy rolls out, step by step, across the
// clusters its requirements select. Fully qualified as
// applications.convoy.dev, since Argo CD also has a kind Application.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cvapp;cvapps,categories=convoy
// +kubebuilder:printcolumn:name="Contender",type=string,JSONPath=`.status.contender`
// +kubebuilder:printcolumn:name="Incumbent",type=string,JSONPath=`.status.incumbent`
// +kubebuilder:printcolumn:name="Step",type=string,JSONPath=`.status.step.progress`
// +kubebuilder:printcolumn:name="Step Name",type=string,JSONPath=`.status.step.name`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ApplicationSpec   `json:"spec"`
	Status ApplicationStatus `json:"status,omitempty"`
}

// ApplicationList is a list of Applications.
// +kubebuilder:object:root=true
type ApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Application `json:"items"`
}

func init() {
	register(&Application{}, &ApplicationList{})
}
