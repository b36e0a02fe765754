package placement

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

func fleet() []Candidate {
	return []Candidate{
		{Name: "eu-west-1", Region: "eu-west", Capabilities: []string{"gpu"}},
		{Name: "eu-west-2", Region: "eu-west"},
		{Name: "eu-west-3", Region: "eu-west", Capabilities: []string{"gpu", "ssd"}},
		{Name: "us-east-1", Region: "us-east", Capabilities: []string{"gpu"}},
		{Name: "us-east-2", Region: "us-east", Unschedulable: true, Capabilities: []string{"gpu"}},
	}
}

func TestPlace(t *testing.T) {
	tests := []struct {
		name         string
		regions      []Requirement
		capabilities []string
		wantCount    map[string]int // region -> clusters chosen
		wantOnly     []string       // when set, exactly these clusters
		wantReason   Reason
		wantMessage  string
	}{
		{name: "one per region", regions: []Requirement{{"eu-west", 1}, {"us-east", 1}}, wantCount: map[string]int{"eu-west": 1, "us-east": 1}},
		{name: "whole region", regions: []Requirement{{"eu-west", 3}}, wantOnly: []string{"eu-west-1", "eu-west-2", "eu-west-3"}},
		{name: "capabilities filter", regions: []Requirement{{"eu-west", 2}}, capabilities: []string{"gpu"}, wantOnly: []string{"eu-west-1", "eu-west-3"}},
		{name: "every capability required", regions: []Requirement{{"eu-west", 1}}, capabilities: []string{"gpu", "ssd"}, wantOnly: []string{"eu-west-3"}},
		{name: "unschedulable skipped", regions: []Requirement{{"us-east", 1}}, wantOnly: []string{"us-east-1"}},
		{name: "no such region", regions: []Requirement{{"ap-south", 1}}, wantReason: ReasonNoSuchRegion, wantMessage: `region "ap-south" has no clusters`},
		{name: "not enough schedulable", regions: []Requirement{{"us-east", 2}}, wantReason: ReasonNotEnoughClusters, wantMessage: `region "us-east" needs 2 clusters but has 1 schedulable (of 2)`},
		{name: "not enough capable", regions: []Requirement{{"eu-west", 2}}, capabilities: []string{"ssd"}, wantReason: ReasonNotEnoughCapableClusters, wantMessage: `region "eu-west" needs 2 clusters with capabilities [ssd] but has 1 (of 3 schedulable)`},
		{name: "second region fails", regions: []Requirement{{"eu-west", 1}, {"us-east", 3}}, wantReason: ReasonNotEnoughClusters, wantMessage: `region "us-east"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Place("shop/web", tt.regions, tt.capabilities, nil, fleet())
			if tt.wantReason != "" {
				var perr *Error
				if !errors.As(err, &perr) || perr.Reason != tt.wantReason || !strings.Contains(perr.Message, tt.wantMessage) {
					t.Fatalf("got %v, %v; want reason %s with %q", got, err, tt.wantReason, tt.wantMessage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantOnly != nil && !reflect.DeepEqual(got, tt.wantOnly) {
				t.Errorf("got %v, want %v", got, tt.wantOnly)
			}
			count := map[string]int{}
			for _, name := range got {
				count[strings.TrimSuffix(name, name[len(name)-2:])]++
			}
			for region, n := range tt.wantCount {
				if count[region] != n {
					t.Errorf("region %s: %d clusters in %v, want %d", region, count[region], got, n)
				}
			}
		})
	}
}

func regionOf(n int) []Candidate {
	var cs []Candidate
	for i := range n {
		cs = append(cs, Candidate{Name: fmt.Sprintf("c%02d", i), Region: "r"})
	}
	return cs
}

func placeAll(t *testing.T, apps int, cs []Candidate) map[string]string {
	t.Helper()
	placed := map[string]string{}
	for i := range apps {
		app := fmt.Sprintf("ns/app-%d", i)
		got, err := Place(app, []Requirement{{"r", 1}}, nil, nil, cs)
		if err != nil {
			t.Fatal(err)
		}
		placed[app] = got[0]
	}
	return placed
}

// Removing a cluster moves exactly the applications that were on it.
func TestPlaceMovesOnlyDisplacedApplications(t *testing.T) {
	before := placeAll(t, 2000, regionOf(10))
	after := placeAll(t, 2000, regionOf(10)[1:]) // c00 leaves
	for app, was := range before {
		if was != "c00" && after[app] != was {
			t.Fatalf("%s moved from %s to %s though %s stayed", app, was, after[app], was)
		}
	}
}

// Adding a cluster moves applications only onto it, about 1/N of them.
func TestPlaceAddingAClusterMovesOnlyOntoIt(t *testing.T) {
	before := placeAll(t, 2000, regionOf(10))
	after := placeAll(t, 2000, regionOf(11))
	moved := 0
	for app, was := range before {
		if after[app] != was {
			moved++
			if after[app] != "c10" {
				t.Fatalf("%s moved from %s to %s, not to the new cluster", app, was, after[app])
			}
		}
	}
	if share := float64(moved) / 2000; math.Abs(share-1.0/11) > 0.03 {
		t.Errorf("%.3f of applications moved, want about %.3f", share, 1.0/11)
	}
}

// Shares follow weights: a cluster of weight 300 gets three times the
// placements of one of weight 100. The hash is deterministic, so so is this.
func TestPlaceSharesFollowWeights(t *testing.T) {
	cs := []Candidate{
		{Name: "small", Region: "r", Weight: 100},
		{Name: "default", Region: "r"},
		{Name: "big", Region: "r", Weight: 300},
	}
	count := map[string]int{}
	for _, c := range placeAll(t, 10000, cs) {
		count[c]++
	}
	for name, want := range map[string]float64{"small": 0.2, "default": 0.2, "big": 0.6} {
		if got := float64(count[name]) / 10000; math.Abs(got-want) > 0.02 {
			t.Errorf("%s got %.3f of placements, want %.2f (counts %v)", name, got, want, count)
		}
	}
}

func TestPlaceIsStableAcrossCandidateOrder(t *testing.T) {
	cs := fleet()
	want, err := Place("shop/web", []Requirement{{"eu-west", 2}}, nil, nil, cs)
	if err != nil {
		t.Fatal(err)
	}
	reversed := make([]Candidate, len(cs))
	for i, c := range cs {
		reversed[len(cs)-1-i] = c
	}
	if got, _ := Place("shop/web", []Requirement{{"eu-west", 2}}, nil, nil, reversed); !reflect.DeepEqual(got, want) {
		t.Errorf("order changed placement: %v vs %v", got, want)
	}
}

func BenchmarkPlace(b *testing.B) {
	cs := regionOf(100)
	for i := 0; b.Loop(); i++ {
		_, _ = Place(fmt.Sprintf("ns/app-%d", i), []Requirement{{"r", 3}}, nil, nil, cs)
	}
}
