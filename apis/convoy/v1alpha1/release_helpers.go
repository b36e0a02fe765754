package v1alpha1

import "strconv"

// ReleaseGeneration is the Release's position among its Application's
// Releases (the convoy.dev/release-generation annotation), 0 when unset.
func (r *Release) ReleaseGeneration() int64 {
	g, _ := strconv.ParseInt(r.Annotations[AnnotationReleaseGeneration], 10, 64)
	return g
}
