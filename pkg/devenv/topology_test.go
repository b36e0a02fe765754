package devenv

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseTopology(t *testing.T) {
	got, err := ParseTopology(DefaultTopology)
	if err != nil {
		t.Fatal(err)
	}
	want := []AppCluster{{Name: "eu-west-1", Region: "eu-west"}, {Name: "eu-west-2", Region: "eu-west"}, {Name: "us-east-1", Region: "us-east"}, {Name: "us-east-2", Region: "us-east"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got, _ := ParseTopology(TestTopology); len(got) != 3 {
		t.Errorf("the test topology is %v, want 3 clusters", got)
	}
	if got, _ := ParseTopology("ap-south"); len(got) != 1 || got[0].Name != "ap-south-1" {
		t.Errorf("a region without a count means one cluster, got %v", got)
	}
}

func TestParseTopologyRejects(t *testing.T) {
	for input, wantErr := range map[string]string{
		"eu-west:0":           "cluster count from 1 to 10",
		"eu-west:x":           "cluster count from 1 to 10",
		"EU:1":                "lowercase DNS label",
		"":                    "lowercase DNS label",
		"eu-west:1,eu-west:2": "appears twice",
	} {
		_, err := ParseTopology(input)
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("ParseTopology(%q) error = %v, want it to mention %q", input, err, wantErr)
		}
	}
}
