package strategies

import "testing"

func TestReplicas(t *testing.T) {
	for _, c := range []struct{ total, percent, want int32 }{
		// The package doc's examples.
		{3, 0, 0}, {3, 1, 1}, {3, 33, 1}, {3, 34, 2}, {3, 66, 2}, {3, 67, 3}, {3, 100, 3},
		{10, 10, 1}, {10, 15, 2}, {10, 50, 5},
		{4, 1, 1}, {4, 10, 1}, {4, 25, 1}, {4, 26, 2}, {4, 50, 2}, {4, 90, 4},
		// Exact multiples do not round up.
		{200, 50, 100}, {100, 37, 37}, {1, 100, 1},
		// A non-zero share of a non-zero total is at least one pod.
		{1, 1, 1}, {99, 1, 1}, {101, 1, 2},
		// Nothing to scale.
		{0, 50, 0}, {0, 0, 0},
		// Out of range: clamped, never more than total nor negative.
		{-5, 50, 0}, {10, -1, 0}, {10, 150, 10},
		// Large totals do not overflow int32 in the product.
		{2147483647, 100, 2147483647}, {2147483647, 50, 1073741824}, {2000000000, 99, 1980000000},
	} {
		if got := Replicas(c.total, c.percent); got != c.want {
			t.Errorf("Replicas(%d, %d) = %d, want %d", c.total, c.percent, got, c.want)
		}
	}
}

// Replicas is the smallest pod count that covers the percent: one pod
// fewer would fall short of it.
func TestReplicasIsTheSmallestCover(t *testing.T) {
	for total := int32(0); total <= 60; total++ {
		for percent := int32(0); percent <= 100; percent++ {
			got := Replicas(total, percent)
			if got*100 < total*percent || got > 0 && (got-1)*100 >= total*percent {
				t.Fatalf("Replicas(%d, %d) = %d: not ceil(%d×%d/100)", total, percent, got, total, percent)
			}
		}
	}
}
