package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RolloutBlockSpec says why rollouts are stopped and who stopped them.
type RolloutBlockSpec struct {
	// Message explains the block to the people it stops.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message"`

	// Author of the block.
	Author RolloutBlockAuthor `json:"author"`
}

// RolloutBlockAuthor is a person or a system that set a block.
type RolloutBlockAuthor struct {
	// Type of author, such as "user" or "pipeline".
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Type string `json:"type"`
	// Name of the author.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// RolloutBlockStatus lists who overrides the block.
type RolloutBlockStatus struct {
	// Overrides are the Applications ("namespace/name") currently
	// overriding the block with the convoy.dev/override-rollout-blocks
	// annotation; their Releases carry the same override.
	// +optional
	// +listType=set
	Overrides []string `json:"overrides,omitempty"`
}

// RolloutBlock stops new Releases from being created and existing ones from
// moving: in its namespace, or in every namespace when it lives in convoy's
// global namespace. An Application or Release overrides named blocks with the
// convoy.dev/override-rollout-blocks annotation.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cvrb,categories=convoy
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.spec.message`
// +kubebuilder:printcolumn:name="Author",type=string,JSONPath=`.spec.author.name`
// +kubebuilder:printcolumn:name="Overrides",type=string,JSONPath=`.status.overrides`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type RolloutBlock struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RolloutBlockSpec   `json:"spec"`
	Status RolloutBlockStatus `json:"status,omitempty"`
}

// RolloutBlockList is a list of RolloutBlocks.
// +kubebuilder:object:root=true
type RolloutBlockList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RolloutBlock `json:"items"`
}

func init() {
	register(&RolloutBlock{}, &RolloutBlockList{})
}
