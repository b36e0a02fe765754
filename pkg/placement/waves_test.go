package placement

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// labelled is a fleet whose clusters carry a numeric "capacity" label.
func labelled() []Candidate {
	return []Candidate{
		{Name: "eu-west-1", Region: "eu-west", Labels: map[string]string{"capacity": "8", "tier": "gold"}},
		{Name: "eu-west-2", Region: "eu-west", Labels: map[string]string{"capacity": "32"}},
		{Name: "eu-west-3", Region: "eu-west", Labels: map[string]string{"capacity": "64", "tier": "gold"}},
		{Name: "us-east-1", Region: "us-east", Labels: map[string]string{"capacity": "16"}},
		{Name: "us-east-2", Region: "us-east", Labels: map[string]string{"capacity": "128", "tier": "gold"}},
	}
}

func TestPlaceBySelector(t *testing.T) {
	bigger := &convoyv1alpha1.ClusterSelector{MatchExpressions: []convoyv1alpha1.ClusterSelectorRequirement{
		{Key: "capacity", Operator: convoyv1alpha1.SelectorGt, Values: []string{"16"}},
		{Key: "capacity", Operator: convoyv1alpha1.SelectorLt, Values: []string{"100"}},
	}}
	got, err := Place("shop/web", []Requirement{{"eu-west", 2}}, nil, bigger, labelled())
	if err != nil || !reflect.DeepEqual(got, []string{"eu-west-2", "eu-west-3"}) {
		t.Fatalf("Gt 16 and Lt 100 in eu-west: %v, %v; want eu-west-2 and eu-west-3", got, err)
	}
	// Too few match: the reason names the selector and the counts.
	_, err = Place("shop/web", []Requirement{{"us-east", 1}}, nil, bigger, labelled())
	var perr *Error
	if !errors.As(err, &perr) || perr.Reason != ReasonNotEnoughMatchingClusters ||
		perr.Message != `region "us-east" needs 1 clusters matching the selector (capacity>16, capacity<100) but 0 of its 2 schedulable and capable clusters match` {
		t.Fatalf("got %v", err)
	}
}

func TestWaves(t *testing.T) {
	one, half := intstr.FromInt32(1), intstr.FromString("50%")
	gold := &convoyv1alpha1.ClusterSelector{MatchLabels: map[string]string{"tier": "gold"}}
	for _, tc := range []struct {
		name       string
		waves      []convoyv1alpha1.Wave
		oneRegion  bool
		want       [][]string
		wantReason Reason
		wantText   string
	}{
		{name: "canary cluster, rest of eu-west, half of us-east, everything",
			waves: []convoyv1alpha1.Wave{
				{Name: "canary", Regions: []string{"eu-west"}, Clusters: &one},
				{Name: "eu-west", Regions: []string{"eu-west"}},
				{Name: "us-half", Regions: []string{"us-east"}, Clusters: &half},
				{Name: "rest"},
			},
			want: [][]string{{"eu-west-1"}, {"eu-west-2", "eu-west-3"}, {"us-east-1"}, {"us-east-2"}}},
		{name: "by selector",
			waves: []convoyv1alpha1.Wave{{Name: "gold", Selector: gold}, {Name: "rest"}},
			want:  [][]string{{"eu-west-1", "eu-west-3", "us-east-2"}, {"eu-west-2", "us-east-1"}}},
		{name: "a wave that chooses nothing",
			waves:      []convoyv1alpha1.Wave{{Name: "ap", Regions: []string{"ap-south"}}, {Name: "rest"}},
			wantReason: ReasonEmptyWave, wantText: "spec.environment.strategy.waves[0] (ap) chooses no cluster: regions ap-south matches none of the 5 clusters left"},
		{name: "a wave chooses among the clusters the waves before it left",
			waves: []convoyv1alpha1.Wave{{Name: "eu", Regions: []string{"eu-west"}}, {Name: "gold", Selector: gold}, {Name: "rest"}},
			want:  [][]string{{"eu-west-1", "eu-west-2", "eu-west-3"}, {"us-east-2"}, {"us-east-1"}}},
		{name: "overlapping waves: a later wave left with nothing",
			waves:      []convoyv1alpha1.Wave{{Name: "all"}, {Name: "eu", Regions: []string{"eu-west"}}},
			wantReason: ReasonEmptyWave, wantText: "waves[1] (eu) chooses no cluster: regions eu-west matches eu-west-1, eu-west-2, eu-west-3, all taken by earlier waves (the waves overlap)"},
		{name: "clusters left after the last wave",
			waves:      []convoyv1alpha1.Wave{{Name: "eu", Regions: []string{"eu-west"}}},
			wantReason: ReasonClustersInNoWave, wantText: "clusters us-east-1, us-east-2 are in no wave"},
		{name: "one region per wave",
			waves: []convoyv1alpha1.Wave{{Name: "gold", Selector: gold}, {Name: "rest"}}, oneRegion: true,
			wantReason: ReasonWaveSpansRegions, wantText: "waves[0] (gold) spans regions eu-west, us-east, but oneRegionPerWave is set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Waves("spec.environment.strategy", tc.waves, tc.oneRegion, labelled())
			if tc.wantReason != "" {
				var perr *Error
				if !errors.As(err, &perr) || perr.Reason != tc.wantReason || !strings.Contains(perr.Message, tc.wantText) {
					t.Fatalf("got %v, %v; want %s with %q", got, err, tc.wantReason, tc.wantText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSpread(t *testing.T) {
	fleet := []Candidate{{Name: "big", Weight: 200}, {Name: "small"}, {Name: "tiny", Weight: 1}}
	got, err := Spread(6, []string{"big", "small"}, fleet)
	if err != nil || !reflect.DeepEqual(got, map[string]int32{"big": 4, "small": 2}) {
		t.Fatalf("6 replicas by weight 200:100: %v, %v; want 4 and 2", got, err)
	}
	got, err = Spread(7, []string{"big", "small"}, fleet)
	if err != nil || got["big"]+got["small"] != 7 || got["big"] != 5 {
		t.Fatalf("7 replicas by weight 200:100: %v, %v; want 5 and 2 (largest remainder)", got, err)
	}
	_, err = Spread(3, []string{"big", "small", "tiny"}, fleet)
	var perr *Error
	if !errors.As(err, &perr) || perr.Reason != ReasonSpreadTooThin || !strings.Contains(perr.Message, "gives cluster tiny (weight 1) none") {
		t.Fatalf("3 replicas over a cluster of weight 1: %v, want SpreadTooThin naming tiny", err)
	}
}
