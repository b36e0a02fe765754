// Package roles is the one home of the rule that gives each of an
// Application's Releases its part in a rollout. Every controller and the
// CLI ask it, so they never disagree about who the contender is:
//
//   - Releases are ordered by their release generation (the
//     convoy.dev/release-generation annotation the application controller
//     stamps), then by creation time.
//   - The contender is the newest Release.
//   - The incumbent is the newest completed Release older than the
//     contender.
//   - Every other Release is superseded: newer than the incumbent but
//     overtaken by a newer template before it completed, or older than the
//     incumbent. The contender's strategy drives superseded Releases to no
//     traffic and then no capacity (strategies.Plan, invariant I3); once
//     there they are retired.
package roles

import (
	"cmp"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Compare orders two Releases of one Application, older first.
func Compare(a, b *convoyv1alpha1.Release) int {
	return cmp.Or(cmp.Compare(a.ReleaseGeneration(), b.ReleaseGeneration()), a.CreationTimestamp.Compare(b.CreationTimestamp.Time))
}

// Sort orders Releases oldest first.
func Sort(rels []*convoyv1alpha1.Release) { slices.SortStableFunc(rels, Compare) }

// IsComplete reports whether a Release achieved its last step.
func IsComplete(r *convoyv1alpha1.Release) bool {
	return meta.IsStatusConditionTrue(r.Status.Conditions, convoyv1alpha1.ConditionComplete)
}

// Roles are the parts of an Application's Releases.
type Roles struct {
	// Contender is the newest Release, nil when there is none.
	Contender *convoyv1alpha1.Release
	// Incumbent is the newest completed Release before the contender, nil
	// for an application's first release.
	Incumbent *convoyv1alpha1.Release
	// Superseded are the others, oldest first.
	Superseded []*convoyv1alpha1.Release
}

// Of gives each Release its role. rels must be sorted (Sort).
func Of(rels []*convoyv1alpha1.Release) Roles {
	var r Roles
	if len(rels) == 0 {
		return r
	}
	r.Contender = rels[len(rels)-1]
	incumbent := -1
	for i := len(rels) - 2; i >= 0; i-- {
		if IsComplete(rels[i]) {
			incumbent = i
			r.Incumbent = rels[i]
			break
		}
	}
	for i := range rels[:len(rels)-1] {
		if i != incumbent {
			r.Superseded = append(r.Superseded, rels[i])
		}
	}
	return r
}

// Role is the role of the named Release, "" when it is not among them.
func (r Roles) Role(name string) string {
	switch {
	case r.Contender != nil && r.Contender.Name == name:
		return "contender"
	case r.Incumbent != nil && r.Incumbent.Name == name:
		return "incumbent"
	}
	for _, s := range r.Superseded {
		if s.Name == name {
			return "superseded"
		}
	}
	return ""
}
