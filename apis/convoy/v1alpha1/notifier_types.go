package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NotifierSpec says where a release's events go: a webhook whose URL is in
// a Secret of the Notifier's namespace, in a format, for some event types.
type NotifierSpec struct {
	// URLSecretRef names the Secret, in the Notifier's namespace, whose key
	// holds the webhook's URL (Slack's incoming webhooks put a token in the
	// URL, so it is a secret). The manager posts only to URLs under the
	// prefixes the platform allows (--notification-allow).
	URLSecretRef SecretKeyReference `json:"urlSecretRef"`

	// Format is JSON (the event as a JSON object, the default) or Slack
	// (an incoming-webhook message).
	// +optional
	// +kubebuilder:default=JSON
	// +kubebuilder:validation:Enum=JSON;Slack
	Format string `json:"format,omitempty"`

	// Events are the types sent: StepAchieved, WaitingForCommand,
	// AnalysisFailed, Aborted, Complete, Stalled. All of them when empty.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:Enum=StepAchieved;WaitingForCommand;AnalysisFailed;Aborted;Complete;Stalled
	Events []string `json:"events,omitempty"`
}

// SecretKeyReference names a key of a Secret in the same namespace.
type SecretKeyReference struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Key of the Secret's data; "url" when unset.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key,omitempty"`
}

// Notifier sends the events of the releases of the Applications that name
// it (spec.notifierRef) to a webhook; a Notifier named "default" serves
// the Applications of its namespace that name none. Delivery retries with
// backoff, and a failure never holds up a rollout: it is an event on the
// Release and a count in convoy_notifications_total.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=cvnotifier,categories=convoy
// +kubebuilder:printcolumn:name="Format",type=string,JSONPath=`.spec.format`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Notifier struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec NotifierSpec `json:"spec"`
}

// NotifierList is a list of Notifiers.
// +kubebuilder:object:root=true
type NotifierList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Notifier `json:"items"`
}

func init() {
	register(&Notifier{}, &NotifierList{})
}
