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

// FuzzScaledBounds checks the autoscaler's bounds against the promises
// capacity makes with a fixed replica count: at a percent the floor covers
// that percent of the reference (so I1 holds with an autoscaler as without
// one), the bounds are ordered, grow with the percent, and 0% runs nothing.
func FuzzScaledBounds(f *testing.F) {
	f.Add(int32(8), int32(2), int32(20), int32(25), false)
	f.Add(int32(30), int32(2), int32(10), int32(50), false)
	f.Add(int32(4), int32(1), int32(4), int32(100), true)
	f.Fuzz(func(t *testing.T, reference, minReplicas, maxReplicas, percent int32, alone bool) {
		reference, minReplicas, maxReplicas = reference%10000, minReplicas%1000, maxReplicas%1000
		if reference < 0 || minReplicas < 1 || maxReplicas < minReplicas || percent < 0 || percent > 100 {
			return
		}
		lo, hi := ScaledBounds(reference, minReplicas, maxReplicas, percent, alone)
		if percent == 0 {
			if lo != 0 || hi != 0 {
				t.Fatalf("0%%: bounds %d..%d, want 0..0", lo, hi)
			}
			return
		}
		if lo < 1 || lo > hi {
			t.Fatalf("bounds %d..%d out of order", lo, hi)
		}
		if alone {
			if lo != minReplicas || hi != maxReplicas {
				t.Fatalf("alone: bounds %d..%d, want the rendered %d..%d", lo, hi, minReplicas, maxReplicas)
			}
			return
		}
		if lo < Replicas(reference, percent) {
			t.Fatalf("floor %d below the step's %d%% of the reference %d", lo, percent, reference)
		}
		if hi < Replicas(maxReplicas, percent) {
			t.Fatalf("maximum %d below %d%% of %d", hi, percent, maxReplicas)
		}
		if percent < 100 {
			lo2, hi2 := ScaledBounds(reference, minReplicas, maxReplicas, percent+1, alone)
			if lo2 < lo || hi2 < hi {
				t.Fatalf("bounds shrink from %d%% (%d..%d) to %d%% (%d..%d)", percent, lo, hi, percent+1, lo2, hi2)
			}
		}
	})
}

func TestScaledBounds(t *testing.T) {
	for _, c := range []struct {
		reference, min, max, percent int32
		alone                        bool
		lo, hi                       int32
	}{
		{8, 2, 20, 25, false, 2, 5},    // canary: floor 2 of 8, up to a quarter of 20
		{8, 2, 20, 75, false, 6, 15},   // the incumbent's side of it
		{8, 2, 20, 100, false, 8, 20},  // whole while another release still holds capacity
		{8, 2, 20, 100, true, 2, 20},   // alone: the autoscaler's own bounds
		{0, 2, 20, 10, false, 1, 2},    // first release: min scaled, never 0 pods
		{30, 2, 10, 50, false, 15, 15}, // a reference above the new maximum: capacity first
		{8, 2, 20, 0, false, 0, 0},
	} {
		lo, hi := ScaledBounds(c.reference, c.min, c.max, c.percent, c.alone)
		if lo != c.lo || hi != c.hi {
			t.Errorf("ScaledBounds(%d, %d, %d, %d%%, alone=%t) = %d..%d, want %d..%d", c.reference, c.min, c.max, c.percent, c.alone, lo, hi, c.lo, c.hi)
		}
	}
}
