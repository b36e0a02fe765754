package strategies

import (
	"slices"
	"testing"
)

func TestReached(t *testing.T) {
	waves := []Wave{{Name: "a", Clusters: []string{"c1"}, First: 0, Last: 1}, {Name: "b", Clusters: []string{"c2", "c3"}, First: 2, Last: 3}}
	all := []string{"c1", "c2", "c3"}
	if got := Reached(waves, all, 1); !slices.Equal(got, []string{"c1"}) {
		t.Errorf("step 1: %v, want the first wave's", got)
	}
	if got := Reached(waves, all, 2); !slices.Equal(got, all) {
		t.Errorf("step 2: %v, want both waves'", got)
	}
	if got := Reached(nil, all, 0); !slices.Equal(got, all) {
		t.Errorf("without waves: %v, want every cluster", got)
	}
}
