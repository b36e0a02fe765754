package traffic

import (
	"strings"
	"testing"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/health"
	"github.com/convoy-rollouts/convoy/strategies"
)

// An endpoint whose Service cannot be read because the cluster cannot be
// seen is frozen with the capacity last seen, unless its capacity was
// already known unhealthy; any other failure to read it stands.
func TestGateOnAnUnreadableEndpoint(t *testing.T) {
	blind := verdict{reason: string(clusters.ReasonClusterUnreachable), message: "dial tcp 127.0.0.1:9: connection refused"}
	for _, tc := range []struct {
		name     string
		ct       *convoyv1alpha1.CapacityTarget
		seen     verdict
		capacity int64
		reason   string
	}{
		{"ready capacity, unreadable Service", capacityTarget(2, clusterCapacity("a", 3, "True", health.ReasonAvailable, 2)), blind, 3, ReasonWeightFrozen},
		{"capacity not achieved, unreadable Service: last seen", capacityTarget(3, clusterCapacity("a", 2, "False", health.ReasonPodsNotReady, 2)), blind, 2, ReasonWeightFrozen},
		{"stuck capacity stays unhealthy", capacityTarget(2, clusterCapacity("a", 3, "False", health.ReasonDeploymentStuck, 2)), blind, 0, ReasonUnhealthy},
		{"no capacity target", nil, blind, 0, ReasonWeightFrozen},
		{"a Service of the wrong type", capacityTarget(2, clusterCapacity("a", 3, "True", health.ReasonAvailable, 2)),
			verdict{reason: ReasonServiceNotLoadBalancer, stalled: true}, 0, ReasonServiceNotLoadBalancer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			capacity, v := gate(tc.ct, "a", true, tc.seen)
			if capacity != tc.capacity || v.reason != tc.reason || v.frozen != (tc.reason == ReasonWeightFrozen) {
				t.Fatalf("got %d %+v, want %d %q", capacity, v, tc.capacity, tc.reason)
			}
			if v.frozen && !strings.Contains(v.message, "cluster a cannot be seen (ClusterUnreachable: dial tcp") {
				t.Errorf("frozen message %q does not say which cluster and why", v.message)
			}
		})
	}
}

// The freeze rule on weights: clusters a, b and c with 10 pods each of
// releases old and new, c unseen.
func TestGatedWeights(t *testing.T) {
	release := func(name string, weight int64, capacities ...int64) strategies.ReleaseTraffic {
		r := strategies.ReleaseTraffic{Name: name}
		for i, c := range capacities {
			r.Clusters = append(r.Clusters, strategies.ClusterCapacity{Name: string(rune('a' + i)), Weight: weight, Capacity: c})
		}
		return r
	}
	for _, tc := range []struct {
		name     string
		releases []strategies.ReleaseTraffic
		kept     map[at]int64 // frozen endpoints with the weight published last
		want     strategies.Weights
	}{
		{"nothing frozen is plain apportionment",
			[]strategies.ReleaseTraffic{release("new", 10, 10, 10, 10), release("old", 90, 10, 10, 10)}, nil,
			strategies.Weights{{34, 33, 33}, {300, 300, 300}}},
		{"a frozen cluster keeps what it carries; the others share the rest",
			[]strategies.ReleaseTraffic{release("new", 10, 10, 10, 10), release("old", 90, 10, 10, 10)},
			map[at]int64{{0, 2}: 33, {1, 2}: 300},
			strategies.Weights{{34, 33, 33}, {300, 300, 300}}},
		{"a raise is frozen: the new step's share of c stays at the old one",
			[]strategies.ReleaseTraffic{release("new", 50, 10, 10, 10), release("old", 50, 10, 10, 10)},
			map[at]int64{{0, 2}: 33, {1, 2}: 300},
			// c keeps new 33 (raise frozen) and old 166 (lowered to its
			// share at 50/50); each release keeps its half of the units,
			// the rest of it in a and b.
			strategies.Weights{{234, 233, 33}, {167, 167, 166}}},
		{"a cluster frozen for one release only keeps the split between releases",
			[]strategies.ReleaseTraffic{release("new", 10, 1, 1), release("old", 90, 2, 2)},
			map[at]int64{{1, 0}: 450},
			strategies.Weights{{50, 50}, {450, 450}}},
		{"a release with no seen capacity hands the rest of its part on",
			[]strategies.ReleaseTraffic{release("new", 50, 0, 0, 10), release("old", 50, 10, 10, 10)},
			map[at]int64{{0, 2}: 100, {1, 2}: 167},
			// new keeps 100 of its 500 in c; the 400 left go to old.
			strategies.Weights{{0, 0, 100}, {367, 367, 166}}},
		{"an abort takes the contender's weight out of the frozen cluster",
			[]strategies.ReleaseTraffic{release("new", 0, 10, 10, 10), release("old", 100, 10, 10, 10)},
			map[at]int64{{0, 2}: 34, {1, 2}: 300},
			strategies.Weights{{0, 0, 0}, {350, 350, 300}}},
		{"a release asking no weight in the frozen cluster any more loses it there",
			[]strategies.ReleaseTraffic{release("new", 100, 10, 10, 0), release("old", 0, 10, 10, 10)},
			map[at]int64{{1, 2}: 333},
			strategies.Weights{{500, 500, 0}, {0, 0, 0}}},
		{"an endpoint carrying nothing gains nothing in a frozen cluster",
			[]strategies.ReleaseTraffic{release("new", 10, 10, 10, 10), release("old", 90, 10, 10, 10)},
			map[at]int64{{0, 2}: 0, {1, 2}: 300},
			strategies.Weights{{50, 50, 0}, {300, 300, 300}}},
		{"a frozen cluster last seen with no pods keeps nothing",
			[]strategies.ReleaseTraffic{release("old", 100, 10, 10, 0)},
			map[at]int64{{0, 2}: 333},
			strategies.Weights{{500, 500, 0}}},
		{"every cluster frozen keeps every weight",
			[]strategies.ReleaseTraffic{release("old", 100, 10, 10, 10)},
			map[at]int64{{0, 0}: 334, {0, 1}: 333, {0, 2}: 333},
			strategies.Weights{{334, 333, 333}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := gatedWeights(strategies.DNSUnits, tc.releases, tc.kept)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				for j := range got[i] {
					if got[i][j] != tc.want[i][j] {
						t.Fatalf("got %v, want %v", got, tc.want)
					}
				}
			}
			if got.Sum() > strategies.DNSUnits {
				t.Errorf("weights %v add up to %d, more than %d", got, got.Sum(), strategies.DNSUnits)
			}
		})
	}
}
