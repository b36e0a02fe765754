package placement

import (
	"encoding/json"
	"fmt"
	"slices"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// ValueSets are a release's values per cluster, as its InstallationTarget
// keeps them: base, with each override
// that matches a cluster merged over it in order (MergeValues). Clusters
// with the same values share a set, so a release renders once per set;
// the clusters whose values are base's are left out. field is the
// overrides' path, for errors.
func ValueSets(field string, base *apiextensionsv1.JSON, overrides []convoyv1alpha1.ValuesOverride, clusters []string, candidates []Candidate) ([]convoyv1alpha1.ClusterValues, error) {
	if len(overrides) == 0 {
		return nil, nil
	}
	baseMap, err := decodeValues(field, base)
	if err != nil {
		return nil, err
	}
	byValues := map[string]*convoyv1alpha1.ClusterValues{}
	var order []string
	for _, name := range slices.Sorted(slices.Values(clusters)) {
		c := candidateNamed(candidates, name)
		merged, changed := baseMap, false
		for i, o := range overrides {
			if !overrideMatches(o, c) {
				continue
			}
			over, err := decodeValues(fmt.Sprintf("%s[%d].values", field, i), o.Values)
			if err != nil {
				return nil, err
			}
			merged, changed = MergeValues(merged, over), true
		}
		if !changed {
			continue
		}
		raw, err := json.Marshal(merged) // maps marshal with sorted keys: equal values, equal bytes
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		if base != nil && string(raw) == canonical(baseMap) {
			continue
		}
		set, ok := byValues[string(raw)]
		if !ok {
			set = &convoyv1alpha1.ClusterValues{Values: &apiextensionsv1.JSON{Raw: raw}}
			byValues[string(raw)] = set
			order = append(order, string(raw))
		}
		set.Clusters = append(set.Clusters, name)
	}
	out := make([]convoyv1alpha1.ClusterValues, 0, len(order))
	for _, k := range order {
		out = append(out, *byValues[k])
	}
	return out, nil
}

// overrideMatches reports whether every criterion the override gives holds
// for the cluster.
func overrideMatches(o convoyv1alpha1.ValuesOverride, c Candidate) bool {
	return (len(o.Clusters) == 0 || slices.Contains(o.Clusters, c.Name)) &&
		(len(o.Regions) == 0 || slices.Contains(o.Regions, c.Region)) &&
		o.Selector.Matches(c.Labels)
}

func candidateNamed(candidates []Candidate, name string) Candidate {
	for _, c := range candidates {
		if c.Name == name {
			return c
		}
	}
	return Candidate{Name: name}
}

func decodeValues(field string, v *apiextensionsv1.JSON) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(v.Raw, &m); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %w", field, err)
	}
	return m, nil
}

func canonical(m map[string]any) string {
	raw, _ := json.Marshal(m)
	return string(raw)
}

// MergeValues is over merged into base as Helm merges values files: maps
// key by key, recursively; any other value (lists included) replaced. The
// inputs are not changed.
func MergeValues(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		bm, bok := out[k].(map[string]any)
		om, ook := v.(map[string]any)
		if bok && ook {
			out[k] = MergeValues(bm, om)
			continue
		}
		out[k] = v
	}
	return out
}
