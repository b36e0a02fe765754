package traffic

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

func trafficTarget(weights ...int32) *convoyv1alpha1.TrafficTarget {
	tt := &convoyv1alpha1.TrafficTarget{}
	for i, w := range weights {
		tt.Spec.Clusters = append(tt.Spec.Clusters, convoyv1alpha1.ClusterTrafficTarget{Name: string(rune('a' + i)), Weight: w})
	}
	return tt
}

// Only a former hostname none of whose releases asks for weight retires:
// the current one keeps its last good records (I2).
func TestHostnameRetired(t *testing.T) {
	for _, tc := range []struct {
		name    string
		former  bool
		weights []int32
		want    bool
	}{
		{"the current hostname never retires", false, []int32{0, 0}, false},
		{"a former hostname still asked for weight is served", true, []int32{0, 5}, false},
		{"a former hostname asked for none retires", true, []int32{0, 0}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &hostGroup{former: tc.former, targets: []*target{{tt: trafficTarget(tc.weights...)}}}
			if got := g.retired(); got != tc.want {
				t.Fatalf("retired() = %v, want %v", got, tc.want)
			}
		})
	}
}

// A retired hostname's targets are achieved one TTL after its records were
// removed, not before.
func TestRetireTarget(t *testing.T) {
	tt := trafficTarget(0, 0)
	ttl := 30 * time.Second
	start := time.Now()
	if after := retireTarget(tt, "old.example.org", true, ttl, start); after <= ttl {
		t.Errorf("removing: look again after %s, want just over the TTL", after)
	}
	expect := func(when string, reason string) {
		t.Helper()
		ready := meta.FindStatusCondition(tt.Status.Conditions, convoyv1alpha1.ConditionReady)
		if ready == nil || ready.Reason != reason || len(tt.Status.Clusters) != 2 {
			t.Fatalf("%s: Ready %+v with %d clusters, want reason %s", when, ready, len(tt.Status.Clusters), reason)
		}
		for _, st := range tt.Status.Clusters {
			if st.DesiredWeight != 0 || st.PublishedWeight != 0 {
				t.Errorf("%s: cluster %s has weights %d/%d, want none", when, st.Name, st.DesiredWeight, st.PublishedWeight)
			}
		}
	}
	expect("removing", ReasonHostnameRetiring)
	retireTarget(tt, "old.example.org", false, ttl, time.Now())
	expect("within the TTL", ReasonHostnameRetiring)
	retireTarget(tt, "old.example.org", false, ttl, time.Now().Add(ttl+time.Second))
	expect("after the TTL", ReasonHostnameRetired)
}
