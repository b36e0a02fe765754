package v1alpha1

import "strconv"

// ReleaseGeneration is the Release's position among its Application's
// Releases (the convoy.dev/release-generation annotation), 0 when unset.
func (r *Release) ReleaseGeneration() int64 {
	g, _ := strconv.ParseInt(r.Annotations[AnnotationReleaseGeneration], 10, 64)
	return g
}

// RegionNames are the regions the requirements name, in their order.
func (r ClusterRequirements) RegionNames() []string {
	names := make([]string, len(r.Regions))
	for i, region := range r.Regions {
		names[i] = region.Name
	}
	return names
}
