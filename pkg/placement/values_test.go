package placement

import (
	"encoding/json"
	"reflect"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

func raw(s string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(s)} }

func TestMergeValues(t *testing.T) {
	base := map[string]any{"greeting": "hello", "db": map[string]any{"host": "db.eu", "port": 5432.0}, "flags": []any{"a"}}
	got := MergeValues(base, map[string]any{"db": map[string]any{"host": "db.us"}, "flags": []any{"b"}, "new": true})
	want := map[string]any{"greeting": "hello", "db": map[string]any{"host": "db.us", "port": 5432.0}, "flags": []any{"b"}, "new": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if base["db"].(map[string]any)["host"] != "db.eu" {
		t.Error("MergeValues changed its input")
	}
}

func TestValueSets(t *testing.T) {
	fleet := []Candidate{
		{Name: "eu-west-1", Region: "eu-west"}, {Name: "eu-west-2", Region: "eu-west", Labels: map[string]string{"tier": "gold"}},
		{Name: "us-east-1", Region: "us-east"}, {Name: "us-east-2", Region: "us-east"},
	}
	clusters := []string{"eu-west-1", "eu-west-2", "us-east-1", "us-east-2"}
	overrides := []convoyv1alpha1.ValuesOverride{
		{Regions: []string{"us-east"}, Values: raw(`{"db":{"host":"db.us"}}`)},
		{Selector: &convoyv1alpha1.ClusterSelector{MatchLabels: map[string]string{"tier": "gold"}}, Values: raw(`{"replicas":5}`)},
		{Clusters: []string{"us-east-2"}, Values: raw(`{"feature":true}`)},
		{Regions: []string{"ap-south"}, Values: raw(`{"never":1}`)},
	}
	sets, err := ValueSets("spec.template.overrides", raw(`{"db":{"host":"db.eu","port":5432},"replicas":3}`), overrides, clusters, fleet)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range sets {
		for _, c := range s.Clusters {
			got[c] = string(s.Values.Raw)
		}
	}
	want := map[string]string{
		"eu-west-2": `{"db":{"host":"db.eu","port":5432},"replicas":5}`,
		"us-east-1": `{"db":{"host":"db.us","port":5432},"replicas":3}`,
		"us-east-2": `{"db":{"host":"db.us","port":5432},"feature":true,"replicas":3}`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v (eu-west-1 keeps the base values)", got, want)
	}
	if len(sets) != 3 {
		t.Errorf("%d value sets, want 3", len(sets))
	}
	// Two clusters with the same values share one set (one render).
	sets, _ = ValueSets("o", raw(`{}`), overrides[:1], clusters, fleet)
	if len(sets) != 1 || !reflect.DeepEqual(sets[0].Clusters, []string{"us-east-1", "us-east-2"}) {
		t.Errorf("sets %+v, want us-east's two clusters in one", sets)
	}
	var v map[string]any
	if err := json.Unmarshal(sets[0].Values.Raw, &v); err != nil || v["db"].(map[string]any)["host"] != "db.us" {
		t.Errorf("values %s", sets[0].Values.Raw)
	}
}
