package dns

import (
	"slices"
	"testing"
)

func TestPicker(t *testing.T) {
	c := make([]*choice, 4)
	for i := range c {
		c[i] = &choice{count: uint16(i)}
	}
	tests := []struct {
		name    string
		cands   []candidate
		choices []*choice
		cum     []uint64
	}{
		{"none", nil, nil, nil},
		{"one", []candidate{{3, c[0]}}, []*choice{c[0]}, []uint64{3}},
		{"zero weights are left out", []candidate{{0, c[0]}, {2, c[1]}, {0, c[2]}, {5, c[3]}}, []*choice{c[1], c[3]}, []uint64{2, 7}},
		{"all zero: equal chances", []candidate{{0, c[0]}, {0, c[1]}}, []*choice{c[0], c[1]}, nil},
		{"large weights do not overflow", []candidate{{1<<32 - 1, c[0]}, {1<<32 - 1, c[1]}}, []*choice{c[0], c[1]}, []uint64{1<<32 - 1, 1<<33 - 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPicker(tt.cands)
			if !slices.Equal(p.choices, tt.choices) || !slices.Equal(p.cum, tt.cum) {
				t.Fatalf("picker %v %v, want %v %v", p.choices, p.cum, tt.choices, tt.cum)
			}
			for range 100 {
				got := p.pick()
				if len(tt.choices) == 0 {
					if got != nil {
						t.Fatalf("pick from nothing: %v", got)
					}
					continue
				}
				if !slices.Contains(tt.choices, got) {
					t.Fatalf("picked %v, not a candidate", got)
				}
			}
		})
	}
}

// TestPickerBoundaries: each choice owns exactly its weight's share of the
// range, which a deterministic sweep of the search shows.
func TestPickerBoundaries(t *testing.T) {
	c := []*choice{{}, {}, {}}
	p := newPicker([]candidate{{1, c[0]}, {0, &choice{}}, {3, c[1]}, {2, c[2]}})
	got := make(map[*choice]int)
	for x := range p.cum[len(p.cum)-1] {
		i, _ := slices.BinarySearch(p.cum, x+1)
		got[p.choices[i]]++
	}
	if got[c[0]] != 1 || got[c[1]] != 3 || got[c[2]] != 2 {
		t.Fatalf("shares %d %d %d, want 1 3 2", got[c[0]], got[c[1]], got[c[2]])
	}
}
