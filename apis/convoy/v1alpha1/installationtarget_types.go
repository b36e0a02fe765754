package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// InstallationTargetSpec says what to install in which clusters.
type InstallationTargetSpec struct {
	// Clusters to install the release's objects in.
	// +listType=set
	// +kubebuilder:validation:MaxItems=1000
	Clusters []string `json:"clusters"`

	// Source with its version pinned, copied from the Release.
	Source Source `json:"source"`

	// Values for a chart source, copied from the Release.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Values *apiextensionsv1.JSON `json:"values,omitempty"`

	// ClusterValues are the values of the clusters the Application's
	// overrides give other values: each entry's replace values in its
	// clusters (the overrides already merged in), one render per entry.
	// +optional
	// +listType=atomic
	ClusterValues []ClusterValues `json:"clusterValues,omitempty"`

	// Idle says the release is retired: its objects stay installed, but it
	// runs nothing and holds no address. CronJobs and Jobs are suspended,
	// StatefulSets scaled to 0, DaemonSets kept off every node, and
	// Services of type LoadBalancer switched to ClusterIP, releasing their
	// load balancers. Deployments are left to the CapacityTarget. Turning
	// it off again installs the objects as rendered.
	// +optional
	Idle bool `json:"idle,omitempty"`

	// ServiceAccountName is the ServiceAccount convoy impersonates in the
	// target's namespace of each cluster, copied from the Release; empty
	// means the manager's default.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

// InstallationTargetStatus reports the installation in each cluster.
type InstallationTargetStatus struct {
	TargetStatus `json:",inline"`

	// Clusters holds one entry per cluster of the spec.
	// +optional
	// +listType=map
	// +listMapKey=name
	Clusters []ClusterInstallationStatus `json:"clusters,omitempty"`
}

// ClusterInstallationStatus is the installation in one cluster.
type ClusterInstallationStatus struct {
	ClusterConditions `json:",inline"`

	// Objects is how many objects were applied.
	// +optional
	Objects int32 `json:"objects,omitempty"`
}

// InstallationTarget installs a Release's objects in its clusters. Owned by
// the Release.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cvit,categories=convoy
// +kubebuilder:printcolumn:name="Clusters",type=string,JSONPath=`.spec.clusters`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type InstallationTarget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   InstallationTargetSpec   `json:"spec"`
	Status InstallationTargetStatus `json:"status,omitempty"`
}

// InstallationTargetList is a list of InstallationTargets.
// +kubebuilder:object:root=true
type InstallationTargetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []InstallationTarget `json:"items"`
}

func init() {
	register(&InstallationTarget{}, &InstallationTargetList{})
}

// ClusterValues are the values of some clusters.
type ClusterValues struct {
	// +listType=set
	Clusters []string `json:"clusters"`
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Values *apiextensionsv1.JSON `json:"values"`
}
