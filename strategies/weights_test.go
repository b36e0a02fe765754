package strategies

import (
	"errors"
	"slices"
	"testing"
)

func TestApportion(t *testing.T) {
	for _, tc := range []struct {
		name   string
		total  int64
		shares []int64
		want   []int64
	}{
		{"exact", 1000, []int64{10, 90}, []int64{100, 900}},
		{"three equal clusters", 100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{"ties go to the earlier share, stably", 2, []int64{1, 1, 1}, []int64{1, 1, 0}},
		{"largest remainder wins", 10, []int64{1, 2, 4}, []int64{1, 3, 6}},
		{"zero share gets nothing", 7, []int64{0, 3, 0}, []int64{0, 7, 0}},
		{"all zero shares", 1000, []int64{0, 0}, []int64{0, 0}},
		{"nothing to share", 0, []int64{1, 2}, []int64{0, 0}},
		{"route53 10/90", 255, []int64{10, 90}, []int64{26, 229}},
		{"tiny share rounds to zero", 1000, []int64{1, 9999}, []int64{0, 1000}},
		{"none", 1000, nil, []int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Apportion(tc.total, tc.shares); !slices.Equal(got, tc.want) {
				t.Fatalf("Apportion(%d, %v) = %v, want %v", tc.total, tc.shares, got, tc.want)
			}
		})
	}
}

// inThree is one release in three clusters: its weight everywhere, and each
// cluster's healthy capacity (no full or desired count: every pod counts).
func inThree(weight int64, a, b, c int64) []ClusterCapacity {
	return []ClusterCapacity{{Name: "eu-west-1", Weight: weight, Capacity: a}, {Name: "eu-west-2", Weight: weight, Capacity: b}, {Name: "us-east-1", Weight: weight, Capacity: c}}
}

func TestDNSWeights(t *testing.T) {
	for _, tc := range []struct {
		name     string
		units    int64
		releases []ReleaseTraffic
		want     Weights
	}{
		{
			name:  "10/90 over three equal clusters",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "contender", Clusters: inThree(10, 2, 2, 2)},
				{Name: "incumbent", Clusters: inThree(90, 3, 3, 3)},
			},
			want: Weights{{34, 33, 33}, {300, 300, 300}},
		},
		{
			// An autoscaled contender sized by the incumbent's load (8)
			// beside an incumbent whose own full size was its minimum (2):
			// the cluster's full size is common to both, so the releases
			// split the step's 25/75 and not 200/150.
			name:  "releases of different full sizes split the step's weights",
			units: 1000,
			releases: []ReleaseTraffic{
				{Name: "contender", Clusters: []ClusterCapacity{{Name: "a", Weight: 25, Full: 8, Capacity: 2}}},
				{Name: "incumbent", Clusters: []ClusterCapacity{{Name: "a", Weight: 75, Full: 2, Capacity: 8}}},
			},
			want: Weights{{250}, {750}},
		},
		{
			name:  "a release's part follows the healthy part of its desired pods",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "contender", Clusters: desired(inThree(50, 1, 3, 0), 3)},
				{Name: "incumbent", Clusters: desired(inThree(50, 5, 5, 0), 5)},
			},
			want: Weights{{125, 375, 0}, {250, 250, 0}},
		},
		{
			name:  "failover: an unhealthy cluster's share moves to the release's other clusters",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "contender", Clusters: inThree(10, 0, 2, 2)},
				{Name: "incumbent", Clusters: inThree(90, 3, 3, 3)},
			},
			want: Weights{{0, 50, 50}, {300, 300, 300}},
		},
		{
			name:  "a release with no healthy capacity hands its share to the others",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "contender", Clusters: inThree(10, 0, 0, 0)},
				{Name: "incumbent", Clusters: inThree(90, 3, 3, 3)},
			},
			want: Weights{{0, 0, 0}, {334, 333, 333}},
		},
		{
			name:  "step 0: the contender gets nothing",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "contender", Clusters: inThree(0, 3, 3, 3)},
				{Name: "incumbent", Clusters: inThree(100, 3, 3, 3)},
			},
			want: Weights{{0, 0, 0}, {334, 333, 333}},
		},
		{
			name:  "nothing healthy: all zero, the caller keeps the last good set",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "contender", Clusters: inThree(10, 0, 0, 0)},
				{Name: "incumbent", Clusters: inThree(90, 0, 0, 0)},
			},
			want: Weights{{0, 0, 0}, {0, 0, 0}},
		},
		{
			name:  "route53 units never exceed 255 per record",
			units: Route53Units,
			releases: []ReleaseTraffic{
				{Name: "contender", Clusters: []ClusterCapacity{{Name: "only", Weight: 1, Capacity: 1}}},
				{Name: "incumbent", Clusters: []ClusterCapacity{{Name: "only", Capacity: 1}}},
			},
			want: Weights{{255}, {0}},
		},
		{
			// Waves: eu-west-1 is done (contender alone), eu-west-2 at the
			// canary (10/90), us-east-1 not started (incumbent alone). Each
			// cluster keeps a third of the answers.
			name:  "waves: every cluster keeps its share while the mix inside changes",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "contender", Clusters: full([]ClusterCapacity{{Name: "eu-west-1", Weight: 100, Capacity: 4}, {Name: "eu-west-2", Weight: 10, Capacity: 1}, {Name: "us-east-1", Weight: 0}}, 4)},
				{Name: "incumbent", Clusters: full([]ClusterCapacity{{Name: "eu-west-1", Weight: 0}, {Name: "eu-west-2", Weight: 90, Capacity: 4}, {Name: "us-east-1", Weight: 100, Capacity: 4}}, 4)},
			},
			want: Weights{{334, 33, 0}, {0, 300, 333}},
		},
		{
			// A spread of 4 replicas in one cluster and 2 in the other:
			// twice the answers where twice the pods are.
			name:  "a cluster with twice the full capacity gets twice the answers",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "incumbent", Clusters: []ClusterCapacity{{Name: "big", Weight: 100, Full: 4, Capacity: 4}, {Name: "small", Weight: 100, Full: 2, Capacity: 2}}},
			},
			want: Weights{{667, 333}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DNSWeights(tc.units, tc.releases)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func desired(cs []ClusterCapacity, n int64) []ClusterCapacity {
	for i := range cs {
		cs[i].Desired = n
	}
	return cs
}

func full(cs []ClusterCapacity, n int64) []ClusterCapacity {
	for i := range cs {
		cs[i].Full = n
	}
	return cs
}

func TestDNSWeightsRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name     string
		units    int64
		releases []ReleaseTraffic
		field    string
	}{
		{"no units", 0, nil, "units"},
		{"negative weight", 1000, []ReleaseTraffic{{Name: "r", Clusters: []ClusterCapacity{{Name: "c", Weight: -1}}}}, "releases[0].clusters[0].weight"},
		{"negative capacity", 1000, []ReleaseTraffic{{Name: "r", Clusters: []ClusterCapacity{{Name: "c", Weight: 1, Capacity: -2}}}}, "releases[0].clusters[0].capacity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DNSWeights(tc.units, tc.releases)
			var ferr *FieldError
			if !errors.As(err, &ferr) || ferr.Field != tc.field {
				t.Fatalf("error %v, want a FieldError on %s", err, tc.field)
			}
		})
	}
}

// FuzzDNSWeights checks the apportionment's promises on any input: the
// parts add up to the units when some release has weight and healthy
// capacity (never an all-zero set then), every release is within one unit
// of its exact quota, and unhealthy clusters get nothing.
func FuzzDNSWeights(f *testing.F) {
	f.Add(uint16(1000), uint16(10), uint16(90), uint8(2), uint8(0), uint8(3), uint8(1))
	f.Add(uint16(255), uint16(1), uint16(1), uint8(0), uint8(0), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, units, d1, d2 uint16, c1, c2, c3, c4 uint8) {
		if units == 0 {
			return
		}
		cluster := func(name string, weight uint16, c uint8) ClusterCapacity {
			// The high bits give the cluster's full count (1 to 4).
			return ClusterCapacity{Name: name, Weight: int64(weight), Full: int64(c>>6) + 1, Capacity: int64(c & 0x3f)}
		}
		releases := []ReleaseTraffic{
			{Name: "a", Clusters: []ClusterCapacity{cluster("x", d1, c1), cluster("y", d1, c2)}},
			{Name: "b", Clusters: []ClusterCapacity{cluster("x", d2, c3), cluster("y", d2, c4)}},
		}
		w, err := DNSWeights(int64(units), releases)
		if err != nil {
			t.Fatal(err)
		}
		var demand [2]float64
		for i, r := range WithClusterFull(releases) {
			for j, c := range r.Clusters {
				if c.Capacity == 0 && w[i][j] != 0 {
					t.Fatalf("unhealthy %s/%s got weight %d", r.Name, c.Name, w[i][j])
				}
			}
			demand[i] = r.Demand()
		}
		all := demand[0] + demand[1]
		if all == 0 {
			if w.Sum() != 0 {
				t.Fatalf("weights %v without any healthy demand", w)
			}
			return
		}
		if w.Sum() != int64(units) {
			t.Fatalf("weights %v add up to %d, want %d", w, w.Sum(), units)
		}
		for i := range releases {
			got := float64(w[i][0] + w[i][1])
			exact := float64(units) * demand[i] / all
			if got < exact-1.001 || got > exact+1.001 {
				t.Fatalf("release %d gets %v of %d, exact quota %v", i, got, units, exact)
			}
		}
	})
}
