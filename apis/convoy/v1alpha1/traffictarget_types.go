package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TrafficTargetSpec says what DNS weight the release gets in each cluster.
type TrafficTargetSpec struct {
	// Clusters with their desired weight.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=1000
	Clusters []ClusterTrafficTarget `json:"clusters"`
}

// ClusterTrafficTarget is the desired weight in one cluster.
type ClusterTrafficTarget struct {
	// Name of the Cluster.
	Name string `json:"name"`

	// Weight of the release's endpoint in this cluster, relative to all
	// endpoints of the hostname.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000000
	Weight int32 `json:"weight"`
}

// TrafficTargetStatus reports the weights published for each cluster.
type TrafficTargetStatus struct {
	TargetStatus `json:",inline"`

	// Clusters holds one entry per cluster of the spec.
	// +optional
	// +listType=map
	// +listMapKey=name
	Clusters []ClusterTrafficStatus `json:"clusters,omitempty"`
}

// ClusterTrafficStatus is the traffic in one cluster.
type ClusterTrafficStatus struct {
	ClusterConditions `json:",inline"`

	// DesiredWeight is the weight the target asks for, after health gating.
	// +optional
	DesiredWeight int32 `json:"desiredWeight,omitempty"`

	// PublishedWeight is the weight DNS serves now.
	// +optional
	PublishedWeight int32 `json:"publishedWeight,omitempty"`

	// Route is the release's place in the cluster's HTTPRoute, for an
	// application with traffic.gateway.
	// +optional
	Route *ClusterRouteStatus `json:"route,omitempty"`
}

// ClusterRouteStatus is a release's backend in one cluster's HTTPRoute.
type ClusterRouteStatus struct {
	// Service is the release's backend Service; empty when it has none.
	// +optional
	Service string `json:"service,omitempty"`

	// Weight is the release's backendRef weight in the route as written
	// (0: not among its backendRefs).
	// +optional
	Weight int32 `json:"weight,omitempty"`

	// Generation is the route's metadata.generation after convoy's write.
	// +optional
	Generation int64 `json:"generation,omitempty"`

	// Served: every Gateway of the route's parentRefs accepted that
	// generation (status.parents[].conditions Accepted=True with
	// observedGeneration equal to it).
	// +optional
	Served bool `json:"served,omitempty"`
}

// TrafficTarget publishes a Release's DNS weights in its clusters. Owned by
// the Release.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cvtt,categories=convoy
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type TrafficTarget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   TrafficTargetSpec   `json:"spec"`
	Status TrafficTargetStatus `json:"status,omitempty"`
}

// TrafficTargetList is a list of TrafficTargets.
// +kubebuilder:object:root=true
type TrafficTargetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []TrafficTarget `json:"items"`
}

func init() {
	register(&TrafficTarget{}, &TrafficTargetList{})
}
