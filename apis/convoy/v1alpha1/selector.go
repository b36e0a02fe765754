package v1alpha1

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Matches reports whether labels satisfy the selector. A nil or empty
// selector matches everything. Gt and Lt compare a label holding an
// integer with the expression's one integer value; a label missing or not
// an integer does not match (as for node selectors).
func (s *ClusterSelector) Matches(labels map[string]string) bool {
	if s == nil {
		return true
	}
	for k, v := range s.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, e := range s.MatchExpressions {
		if !e.matches(labels) {
			return false
		}
	}
	return true
}

func (e ClusterSelectorRequirement) matches(labels map[string]string) bool {
	v, has := labels[e.Key]
	switch e.Operator {
	case SelectorIn:
		return has && slices.Contains(e.Values, v)
	case SelectorNotIn:
		return !has || !slices.Contains(e.Values, v)
	case SelectorExists:
		return has
	case SelectorDoesNotExist:
		return !has
	case SelectorGt, SelectorLt:
		if !has || len(e.Values) != 1 {
			return false
		}
		got, err1 := strconv.ParseInt(v, 10, 64)
		bound, err2 := strconv.ParseInt(e.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if e.Operator == SelectorGt {
			return got > bound
		}
		return got < bound
	}
	return false
}

// Validate checks what the API's schema cannot afford to: Gt and Lt take
// exactly one integer. field is the selector's path, for the error.
func (s *ClusterSelector) Validate(field string) error {
	if s == nil {
		return nil
	}
	for i, e := range s.MatchExpressions {
		if e.Operator != SelectorGt && e.Operator != SelectorLt {
			continue
		}
		if len(e.Values) != 1 {
			return fmt.Errorf("%s.matchExpressions[%d]: %s takes exactly one integer value, got %d values", field, i, e.Operator, len(e.Values))
		}
		if _, err := strconv.ParseInt(e.Values[0], 10, 64); err != nil {
			return fmt.Errorf("%s.matchExpressions[%d]: %s takes an integer, got %q", field, i, e.Operator, e.Values[0])
		}
	}
	return nil
}

// String is the selector as people write it, for messages:
// "tier=gold, zone in (a, b), capacity>10".
func (s *ClusterSelector) String() string {
	if s == nil {
		return "<everything>"
	}
	var parts []string
	for _, k := range sortedKeys(s.MatchLabels) {
		parts = append(parts, k+"="+s.MatchLabels[k])
	}
	for _, e := range s.MatchExpressions {
		switch e.Operator {
		case SelectorIn, SelectorNotIn:
			parts = append(parts, fmt.Sprintf("%s %s (%s)", e.Key, strings.ToLower(string(e.Operator)), strings.Join(e.Values, ", ")))
		case SelectorExists:
			parts = append(parts, e.Key)
		case SelectorDoesNotExist:
			parts = append(parts, "!"+e.Key)
		case SelectorGt:
			parts = append(parts, e.Key+">"+strings.Join(e.Values, ","))
		case SelectorLt:
			parts = append(parts, e.Key+"<"+strings.Join(e.Values, ","))
		}
	}
	if len(parts) == 0 {
		return "<everything>"
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
