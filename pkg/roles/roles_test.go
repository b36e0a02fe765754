package roles

import (
	"strconv"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

func release(name string, gen int, complete bool) *convoyv1alpha1.Release {
	r := &convoyv1alpha1.Release{ObjectMeta: metav1.ObjectMeta{Name: name,
		Annotations: map[string]string{convoyv1alpha1.AnnotationReleaseGeneration: strconv.Itoa(gen)}}}
	if complete {
		r.Status.Conditions = []metav1.Condition{{Type: convoyv1alpha1.ConditionComplete, Status: metav1.ConditionTrue}}
	}
	return r
}

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		rels                 []*convoyv1alpha1.Release
		contender, incumbent string
		superseded           []string
	}{
		{name: "none"},
		{name: "first release", rels: []*convoyv1alpha1.Release{release("a", 1, false)}, contender: "a"},
		{name: "second", rels: []*convoyv1alpha1.Release{release("b", 2, false), release("a", 1, true)}, contender: "b", incumbent: "a"},
		{name: "superseded mid-rollout", rels: []*convoyv1alpha1.Release{
			release("c", 3, false), release("a", 1, true), release("b", 2, false)},
			contender: "c", incumbent: "a", superseded: []string{"b"}},
		{name: "history", rels: []*convoyv1alpha1.Release{
			release("a", 1, true), release("b", 2, true), release("c", 3, false), release("d", 4, false)},
			contender: "d", incumbent: "b", superseded: []string{"a", "c"}},
		{name: "complete contender", rels: []*convoyv1alpha1.Release{release("a", 1, true), release("b", 2, true)}, contender: "b", incumbent: "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			Sort(tc.rels)
			r := Of(tc.rels)
			name := func(rel *convoyv1alpha1.Release) string {
				if rel == nil {
					return ""
				}
				return rel.Name
			}
			var sup []string
			for _, s := range r.Superseded {
				sup = append(sup, s.Name)
			}
			if name(r.Contender) != tc.contender || name(r.Incumbent) != tc.incumbent || len(sup) != len(tc.superseded) {
				t.Fatalf("roles = %s, %s, %v; want %s, %s, %v", name(r.Contender), name(r.Incumbent), sup, tc.contender, tc.incumbent, tc.superseded)
			}
			for i := range sup {
				if sup[i] != tc.superseded[i] {
					t.Fatalf("superseded = %v, want %v", sup, tc.superseded)
				}
			}
			for _, s := range tc.superseded {
				if r.Role(s) != "superseded" {
					t.Errorf("Role(%s) = %q", s, r.Role(s))
				}
			}
		})
	}
}
