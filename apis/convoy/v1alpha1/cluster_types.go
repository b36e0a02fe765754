package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClusterSpec registers an application cluster with the management cluster.
type ClusterSpec struct {
	// APIServerURL is the cluster's kube-apiserver.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^https://[^\s/]+(/\S*)?$`
	APIServerURL string `json:"apiServerURL"`

	// CredentialsSecretRef names the Secret with the credentials convoy uses
	// in the cluster: a bearer token ("token") or a client certificate
	// ("tls.crt", "tls.key"), and the server's CA ("ca.crt").
	CredentialsSecretRef SecretReference `json:"credentialsSecretRef"`

	// Region the cluster is in, matched by Application cluster requirements.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Region string `json:"region"`

	// Capabilities the cluster offers, such as "gpu".
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$`
	Capabilities []string `json:"capabilities,omitempty"`

	// Scheduling tunes how new Releases are placed on the cluster.
	// +optional
	Scheduling ClusterScheduling `json:"scheduling,omitempty"`

	// Prometheus is the cluster's own Prometheus, which the analysis checks
	// of a step query for this cluster. Without it, they query the
	// manager's global Prometheus (--prometheus-url).
	// +optional
	Prometheus *PrometheusEndpoint `json:"prometheus,omitempty"`
}

// PrometheusEndpoint is a Prometheus HTTP API, or one that speaks it
// (Thanos, Mimir).
type PrometheusEndpoint struct {
	// URL of the API, such as https://prometheus.eu-west-1.example:9090.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^https?://\S+$`
	URL string `json:"url"`

	// CredentialsSecretRef names a Secret with a bearer token ("token") or
	// a user name and password ("username", "password"), a client
	// certificate ("tls.crt", "tls.key"), and the CA that signed the
	// server's certificate ("ca.crt", trusted beside the system's roots).
	// TLS is always verified.
	// +optional
	CredentialsSecretRef *SecretReference `json:"credentialsSecretRef,omitempty"`
}

// SecretReference names a Secret in a namespace.
type SecretReference struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace"`
}

// ClusterScheduling tunes placement. Releases already placed stay put.
type ClusterScheduling struct {
	// Unschedulable keeps new Releases off the cluster.
	// +optional
	Unschedulable bool `json:"unschedulable,omitempty"`

	// Weight is the cluster's relative share of new placements in its region.
	// +optional
	// +kubebuilder:default=100
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	Weight *int32 `json:"weight,omitempty"`
}

// ClusterStatus is what convoy last saw of the cluster.
type ClusterStatus struct {
	// ObservedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready (reachable with valid credentials) and Reachable.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ServerVersion is the cluster's Kubernetes version.
	// +optional
	ServerVersion string `json:"serverVersion,omitempty"`

	// LastProbeTime is when convoy last checked the cluster and wrote its
	// status: at every change, and at least hourly when nothing changes.
	// +optional
	LastProbeTime *metav1.Time `json:"lastProbeTime,omitempty"`

	// ConsecutiveProbeFailures counts the probes that failed since the
	// last one that answered. The cluster counts as unreachable (Reachable
	// False) only once it reaches the manager's
	// --cluster-unreachable-threshold, so one slow answer moves nothing.
	// +optional
	// +kubebuilder:validation:Minimum=0
	ConsecutiveProbeFailures int32 `json:"consecutiveProbeFailures,omitempty"`
}

// Cluster is an application cluster that Releases can be placed on.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=cvcl,categories=convoy
// +kubebuilder:printcolumn:name="Region",type=string,JSONPath=`.spec.region`
// +kubebuilder:printcolumn:name="Capabilities",type=string,JSONPath=`.spec.capabilities`,priority=1
// +kubebuilder:printcolumn:name="Unschedulable",type=boolean,JSONPath=`.spec.scheduling.unschedulable`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.serverVersion`
// +kubebuilder:printcolumn:name="Probe Failures",type=integer,JSONPath=`.status.consecutiveProbeFailures`,priority=1
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.spec.apiServerURL`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Cluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ClusterSpec   `json:"spec"`
	Status ClusterStatus `json:"status,omitempty"`
}

// ClusterList is a list of Clusters.
// +kubebuilder:object:root=true
type ClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Cluster `json:"items"`
}

func init() {
	register(&Cluster{}, &ClusterList{})
}
