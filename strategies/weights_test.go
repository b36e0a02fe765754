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

func TestDNSWeights(t *testing.T) {
	three := func(a, b, c int64) []ClusterCapacity {
		return []ClusterCapacity{{"eu-west-1", a}, {"eu-west-2", b}, {"us-east-1", c}}
	}
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
				{Name: "contender", Demand: 10, Clusters: three(2, 2, 2)},
				{Name: "incumbent", Demand: 90, Clusters: three(3, 3, 3)},
			},
			want: Weights{{34, 33, 33}, {300, 300, 300}},
		},
		{
			name:  "a release's part follows healthy capacity",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "contender", Demand: 50, Clusters: three(1, 3, 0)},
				{Name: "incumbent", Demand: 50, Clusters: three(5, 5, 0)},
			},
			want: Weights{{125, 375, 0}, {250, 250, 0}},
		},
		{
			name:  "failover: an unhealthy cluster's share moves to the release's other clusters",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "contender", Demand: 10, Clusters: three(0, 2, 2)},
				{Name: "incumbent", Demand: 90, Clusters: three(3, 3, 3)},
			},
			want: Weights{{0, 50, 50}, {300, 300, 300}},
		},
		{
			name:  "a release with no healthy capacity hands its share to the others",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "contender", Demand: 10, Clusters: three(0, 0, 0)},
				{Name: "incumbent", Demand: 90, Clusters: three(3, 3, 3)},
			},
			want: Weights{{0, 0, 0}, {334, 333, 333}},
		},
		{
			name:  "step 0: the contender gets nothing",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "contender", Demand: 0, Clusters: three(3, 3, 3)},
				{Name: "incumbent", Demand: 100, Clusters: three(3, 3, 3)},
			},
			want: Weights{{0, 0, 0}, {334, 333, 333}},
		},
		{
			name:  "nothing healthy: all zero, the caller keeps the last good set",
			units: DNSUnits,
			releases: []ReleaseTraffic{
				{Name: "contender", Demand: 10, Clusters: three(0, 0, 0)},
				{Name: "incumbent", Demand: 90, Clusters: three(0, 0, 0)},
			},
			want: Weights{{0, 0, 0}, {0, 0, 0}},
		},
		{
			name:  "route53 units never exceed 255 per record",
			units: Route53Units,
			releases: []ReleaseTraffic{
				{Name: "contender", Demand: 1, Clusters: []ClusterCapacity{{"only", 1}}},
				{Name: "incumbent", Demand: 0, Clusters: []ClusterCapacity{{"only", 1}}},
			},
			want: Weights{{255}, {0}},
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

func TestDNSWeightsRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name     string
		units    int64
		releases []ReleaseTraffic
		field    string
	}{
		{"no units", 0, nil, "units"},
		{"negative demand", 1000, []ReleaseTraffic{{Name: "r", Demand: -1}}, "releases[0].demand"},
		{"negative capacity", 1000, []ReleaseTraffic{{Name: "r", Demand: 1, Clusters: []ClusterCapacity{{"c", -2}}}}, "releases[0].clusters[0].capacity"},
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
// parts add up to the units when some release has demand and healthy
// capacity (never an all-zero set then), every release is within one unit
// of its exact quota, and unhealthy clusters get nothing.
func FuzzDNSWeights(f *testing.F) {
	f.Add(uint16(1000), uint16(10), uint16(90), uint8(2), uint8(0), uint8(3), uint8(1))
	f.Add(uint16(255), uint16(1), uint16(1), uint8(0), uint8(0), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, units, d1, d2 uint16, c1, c2, c3, c4 uint8) {
		if units == 0 {
			return
		}
		releases := []ReleaseTraffic{
			{Name: "a", Demand: int64(d1), Clusters: []ClusterCapacity{{"x", int64(c1)}, {"y", int64(c2)}}},
			{Name: "b", Demand: int64(d2), Clusters: []ClusterCapacity{{"x", int64(c3)}, {"y", int64(c4)}}},
		}
		w, err := DNSWeights(int64(units), releases)
		if err != nil {
			t.Fatal(err)
		}
		var demand [2]int64
		for i, r := range releases {
			for j, c := range r.Clusters {
				if c.Capacity == 0 && w[i][j] != 0 {
					t.Fatalf("unhealthy %s/%s got weight %d", r.Name, c.Name, w[i][j])
				}
				if c.Capacity > 0 {
					demand[i] = r.Demand
				}
			}
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
			got := (w[i][0] + w[i][1]) * all
			exact := int64(units) * demand[i]
			if got < exact-all || got > exact+all {
				t.Fatalf("release %d gets %d of %d, exact quota %d/%d", i, w[i][0]+w[i][1], units, exact, all)
			}
		}
	})
}
