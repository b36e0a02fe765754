package v1alpha1

import "testing"

func TestClusterSelectorMatches(t *testing.T) {
	labels := map[string]string{"tier": "gold", "zone": "a", "capacity": "12", "name": "x"}
	for _, tc := range []struct {
		name string
		sel  *ClusterSelector
		want bool
	}{
		{"nil matches everything", nil, true},
		{"empty matches everything", &ClusterSelector{}, true},
		{"matchLabels", &ClusterSelector{MatchLabels: map[string]string{"tier": "gold"}}, true},
		{"matchLabels other value", &ClusterSelector{MatchLabels: map[string]string{"tier": "silver"}}, false},
		{"matchLabels missing", &ClusterSelector{MatchLabels: map[string]string{"gpu": "yes"}}, false},
		{"In", expr("zone", SelectorIn, "a", "b"), true},
		{"In other", expr("zone", SelectorIn, "b"), false},
		{"In missing", expr("gpu", SelectorIn, "yes"), false},
		{"NotIn", expr("zone", SelectorNotIn, "b"), true},
		{"NotIn hit", expr("zone", SelectorNotIn, "a"), false},
		{"NotIn missing label", expr("gpu", SelectorNotIn, "yes"), true},
		{"Exists", expr("tier", SelectorExists), true},
		{"Exists missing", expr("gpu", SelectorExists), false},
		{"DoesNotExist", expr("gpu", SelectorDoesNotExist), true},
		{"DoesNotExist present", expr("tier", SelectorDoesNotExist), false},
		{"Gt", expr("capacity", SelectorGt, "10"), true},
		{"Gt equal", expr("capacity", SelectorGt, "12"), false},
		{"Gt compares numbers, not strings", expr("capacity", SelectorGt, "9"), true},
		{"Lt", expr("capacity", SelectorLt, "100"), true},
		{"Lt equal", expr("capacity", SelectorLt, "12"), false},
		{"Gt on a non-integer label", expr("tier", SelectorGt, "1"), false},
		{"Gt on a missing label", expr("gpu", SelectorGt, "1"), false},
		{"every expression must hold", &ClusterSelector{MatchLabels: map[string]string{"tier": "gold"},
			MatchExpressions: []ClusterSelectorRequirement{{Key: "capacity", Operator: SelectorLt, Values: []string{"5"}}}}, false},
	} {
		if got := tc.sel.Matches(labels); got != tc.want {
			t.Errorf("%s: %s matches = %v, want %v", tc.name, tc.sel, got, tc.want)
		}
	}
}

func expr(key string, op SelectorOperator, values ...string) *ClusterSelector {
	return &ClusterSelector{MatchExpressions: []ClusterSelectorRequirement{{Key: key, Operator: op, Values: values}}}
}

func TestClusterSelectorString(t *testing.T) {
	sel := &ClusterSelector{MatchLabels: map[string]string{"tier": "gold"}, MatchExpressions: []ClusterSelectorRequirement{
		{Key: "zone", Operator: SelectorIn, Values: []string{"a", "b"}}, {Key: "capacity", Operator: SelectorGt, Values: []string{"10"}},
		{Key: "gpu", Operator: SelectorDoesNotExist}}}
	if got, want := sel.String(), "tier=gold, zone in (a, b), capacity>10, !gpu"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
