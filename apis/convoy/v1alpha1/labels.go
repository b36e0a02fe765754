package v1alpha1

// Labels convoy puts on the objects it manages, so that per-cluster informers
// can watch convoy's objects only.
const (
	// LabelManagedBy marks every object convoy creates in any cluster.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// ManagedByConvoy is LabelManagedBy's value.
	ManagedByConvoy = "convoy"
	// LabelApplication is the owning Application's name.
	LabelApplication = "convoy.dev/application"
	// LabelRelease is the owning Release's name.
	LabelRelease = "convoy.dev/release"
	// LabelNamespace is the owning Application's namespace in the
	// management cluster. With LabelApplication and LabelRelease it is the
	// key by which an object in an application cluster belongs to a
	// release (pkg/tenancy.Owner): application names are unique only
	// within a namespace.
	LabelNamespace = "convoy.dev/namespace"
	// LabelAnchor marks anchors, the per-release ConfigMaps in application
	// clusters that own a release's objects.
	LabelAnchor = "convoy.dev/anchor"
	// LabelTemplateHash is the hash of the template a Release was made from.
	LabelTemplateHash = "convoy.dev/template-hash"
)

// Annotations.
const (
	// AnnotationOverrideRolloutBlocks lists "namespace/name" RolloutBlocks an
	// Application or Release ignores, comma-separated.
	AnnotationOverrideRolloutBlocks = "convoy.dev/override-rollout-blocks"
	// AnnotationReleaseGeneration is a Release's position among its
	// Application's Releases, increasing by one per Release.
	AnnotationReleaseGeneration = "convoy.dev/release-generation"
	// AnnotationReleaseIteration counts the Releases made from the same
	// template, so re-applying an old template gets a distinct name.
	AnnotationReleaseIteration = "convoy.dev/release-iteration"
	// AnnotationShared, "true" on an object in a source, shares it between
	// the application's releases: it keeps its name and is handed from
	// release to release instead of being duplicated.
	AnnotationShared = "convoy.dev/shared"
	// AnnotationAllowedHostnames on a management cluster's Namespace lists,
	// comma-separated, the hostname patterns its Applications may publish
	// ("*.team-a.apps.example.com,api.example.com"): set by the platform,
	// never by a tenant (docs/security.md).
	AnnotationAllowedHostnames = "convoy.dev/allowed-hostnames"
)

// DNS servers announce themselves with a coordination Lease they renew:
// the traffic controller waits for every live server authoritative for a
// hostname before it calls new weights served.
const (
	// LabelDNSServer marks a DNS server's Lease.
	LabelDNSServer = "convoy.dev/dns-server"
	// AnnotationDNSZones on a DNS server's Lease lists its zones,
	// comma-separated.
	AnnotationDNSZones = "convoy.dev/dns-zones"
	// AnnotationDNSNamespaces on a DNS server's Lease lists the namespaces
	// whose records it serves, comma-separated, when it does not serve
	// every namespace's (a manager run with --namespace).
	AnnotationDNSNamespaces = "convoy.dev/dns-namespaces"
)

// FinalizerInstallation holds an InstallationTarget until its objects are
// removed from every reachable cluster. The release controller creates the
// target with it, so that the installation controller's first reconcile
// need not spend a write adding it.
const FinalizerInstallation = "convoy.dev/installation"
