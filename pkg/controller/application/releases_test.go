package application

import (
	"reflect"
	"strconv"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/roles"
)

func rel(name string, gen int, complete bool) *convoyv1alpha1.Release {
	r := &convoyv1alpha1.Release{ObjectMeta: metav1.ObjectMeta{Name: name,
		Annotations: map[string]string{convoyv1alpha1.AnnotationReleaseGeneration: strconv.Itoa(gen)}}}
	if complete {
		r.Status.Conditions = []metav1.Condition{{Type: convoyv1alpha1.ConditionComplete, Status: metav1.ConditionTrue}}
	}
	return r
}

func names(rels []*convoyv1alpha1.Release) []string {
	var out []string
	for _, r := range rels {
		out = append(out, r.Name)
	}
	return out
}

func TestRolesAndExpiry(t *testing.T) {
	tests := []struct {
		name                 string
		rels                 []*convoyv1alpha1.Release
		limit                int
		contender, incumbent string
		expired              []string
	}{
		{name: "first release", rels: []*convoyv1alpha1.Release{rel("a", 1, false)}, limit: 2, contender: "a"},
		{name: "completed contender has no incumbent before it", rels: []*convoyv1alpha1.Release{rel("a", 1, true)}, limit: 2, contender: "a"},
		{name: "incumbent is the newest completed before the contender",
			rels:  []*convoyv1alpha1.Release{rel("a", 1, true), rel("b", 2, true), rel("c", 3, false)},
			limit: 2, contender: "c", incumbent: "b"},
		{name: "unfinished release superseded by a completed one expires",
			rels:  []*convoyv1alpha1.Release{rel("a", 1, true), rel("b", 2, false), rel("c", 3, true), rel("d", 4, false)},
			limit: 5, contender: "d", incumbent: "c", expired: []string{"b"}},
		{name: "unfinished release between incumbent and contender stays",
			rels:  []*convoyv1alpha1.Release{rel("a", 1, true), rel("b", 2, false), rel("c", 3, false)},
			limit: 5, contender: "c", incumbent: "a"},
		{name: "completed history beyond the limit expires oldest first",
			rels:  []*convoyv1alpha1.Release{rel("a", 1, true), rel("b", 2, true), rel("c", 3, true), rel("d", 4, true), rel("e", 5, false)},
			limit: 1, contender: "e", incumbent: "d", expired: []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr := roles.Of(tt.rels)
			contender, incumbent := rr.Contender, rr.Incumbent
			if got := nameOf(contender); got != tt.contender {
				t.Errorf("contender %q, want %q", got, tt.contender)
			}
			if got := nameOf(incumbent); got != tt.incumbent {
				t.Errorf("incumbent %q, want %q", got, tt.incumbent)
			}
			if got := names(expired(tt.rels, contender, incumbent, tt.limit)); !reflect.DeepEqual(got, tt.expired) {
				t.Errorf("expired %v, want %v", got, tt.expired)
			}
		})
	}
}

func nameOf(r *convoyv1alpha1.Release) string {
	if r == nil {
		return ""
	}
	return r.Name
}

// Key order in values is not a change; a different value is.
func TestTemplateHashIgnoresValueKeyOrder(t *testing.T) {
	env := func(values string) convoyv1alpha1.ReleaseEnvironment {
		return convoyv1alpha1.ReleaseEnvironment{Values: &apiextensionsv1.JSON{Raw: []byte(values)}}
	}
	a, _ := templateHash(env(`{"a":1,"b":{"c":2,"d":3}}`))
	b, _ := templateHash(env(`{"b":{"d":3,"c":2},"a":1}`))
	c, _ := templateHash(env(`{"a":1,"b":{"c":2,"d":4}}`))
	if a != b || a == c || len(a) != 8 {
		t.Errorf("hashes %s %s %s: want the first two equal, the third different, 8 hex digits", a, b, c)
	}
}

func TestReleaseNamesFitHelmAndLabels(t *testing.T) {
	long := "an-application-name-that-goes-on-and-on-and-on-for-ever"
	name := releaseName(long, "0123abcd", 999)
	if len(name) > 53 {
		t.Errorf("%q is %d characters; Helm release names stop at 53", name, len(name))
	}
	if got := nextIteration([]*convoyv1alpha1.Release{
		{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{convoyv1alpha1.LabelTemplateHash: "h"}, Annotations: map[string]string{convoyv1alpha1.AnnotationReleaseIteration: "2"}}},
		{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{convoyv1alpha1.LabelTemplateHash: "other"}, Annotations: map[string]string{convoyv1alpha1.AnnotationReleaseIteration: "7"}}},
	}, "h"); got != 3 {
		t.Errorf("next iteration %d, want 3", got)
	}
}
