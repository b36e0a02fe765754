package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DNSRecordSetSpec is the weighted answer set of one hostname: one record
// per (cluster, release) endpoint, as the traffic controller apportioned it.
// +kubebuilder:validation:XValidation:rule="(has(self.records) && size(self.records) > 0) || has(self.fallback)",message="a record set without records must have a fallback"
type DNSRecordSetSpec struct {
	// Hostname is the fully qualified name the records answer.
	// +kubebuilder:validation:MaxLength=253
	Hostname string `json:"hostname"`

	// TTLSeconds is every record's time to live: a weighted group shares one.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=86400
	TTLSeconds int32 `json:"ttlSeconds"`

	// Provider is who serves the records.
	// +kubebuilder:validation:Enum=convoy;external-dns
	Provider DNSProvider `json:"provider"`

	// Records with a weight above zero; zero-weight endpoints are left out
	// rather than published at 0. The set is never empty, unless it has a
	// fallback.
	// +optional
	// +listType=map
	// +listMapKey=setIdentifier
	// +kubebuilder:validation:MaxItems=1000
	Records []DNSRecord `json:"records,omitempty"`

	// Fallback is a hostname the name answers with a CNAME when none of its
	// records can answer (none is published, or none passes its health
	// checks): a regional name (traffic.dns.regionalHostname) falls back to
	// the application's global hostname.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Fallback string `json:"fallback,omitempty"`

	// HealthCheck is the Application's traffic.dns.healthCheck: the DNS
	// servers probe the records' addresses and answer only healthy ones.
	// +optional
	HealthCheck *DNSHealthCheck `json:"healthCheck,omitempty"`
}

// DNSRecord is one weighted endpoint of a hostname.
type DNSRecord struct {
	// SetIdentifier names the record within the hostname: <cluster>/<release>.
	SetIdentifier string `json:"setIdentifier"`
	// Cluster the endpoint is in.
	Cluster string `json:"cluster"`
	// Release the endpoint belongs to.
	Release string `json:"release"`
	// Addresses are the load balancer's IPs (A and AAAA answers).
	// +optional
	// +listType=atomic
	Addresses []string `json:"addresses,omitempty"`
	// Target is the load balancer's hostname (a CNAME answer), when it has
	// no IPs.
	// +optional
	Target string `json:"target,omitempty"`
	// Port is the Service's first TCP port, which the load balancer
	// listens on: health checks probe it unless they name their own.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`
	// Weight relative to the hostname's other records.
	// +kubebuilder:validation:Minimum=1
	Weight int32 `json:"weight"`
}

// DNSRecordSetStatus says who serves which generation of the records.
type DNSRecordSetStatus struct {
	// Servers each report the generation they serve. A convoy DNS server
	// writes its own entry; for external-dns the traffic controller writes
	// one named external-dns once the DNSEndpoint's observedGeneration
	// caught up.
	// +optional
	// +listType=map
	// +listMapKey=name
	Servers []DNSServerStatus `json:"servers,omitempty"`
}

// DNSServerStatus is what one server serves.
type DNSServerStatus struct {
	// Name of the server (its Lease's name), or external-dns.
	Name string `json:"name"`
	// ObservedGeneration is the generation of the spec it serves.
	ObservedGeneration int64 `json:"observedGeneration"`
	// Since is when it began serving that generation: resolvers may hold the
	// previous answers for one TTL after it.
	Since metav1.Time `json:"since"`
	// Refused, when set, says why the server refuses to serve generation
	// observedGeneration (the records are invalid, such as a CNAME at a
	// zone apex): it goes on answering the hostname with the records it
	// served before, if any, and serves every other hostname.
	// +optional
	Refused string `json:"refused,omitempty"`
}

// DNSRecordSet is the weighted DNS records of one hostname of an
// Application, named after the hostname. The traffic controller writes the
// spec; DNS servers read it and report what they serve.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cvdns,categories=convoy
// +kubebuilder:selectablefield:JSONPath=`.spec.hostname`
// +kubebuilder:printcolumn:name="Hostname",type=string,JSONPath=`.spec.hostname`
// +kubebuilder:printcolumn:name="TTL",type=integer,JSONPath=`.spec.ttlSeconds`
// +kubebuilder:printcolumn:name="Provider",type=string,JSONPath=`.spec.provider`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type DNSRecordSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   DNSRecordSetSpec   `json:"spec"`
	Status DNSRecordSetStatus `json:"status,omitempty"`
}

// DNSRecordSetList is a list of DNSRecordSets.
// +kubebuilder:object:root=true
type DNSRecordSetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DNSRecordSet `json:"items"`
}

func init() {
	register(&DNSRecordSet{}, &DNSRecordSetList{})
}
