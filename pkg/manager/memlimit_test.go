package manager

import "testing"

func TestSoftLimitOf(t *testing.T) {
	for in, want := range map[string]int64{
		"1073741824\n": 966367641,
		"max\n":        0,
		"":             0,
		"0":            0,
		"garbage":      0,
	} {
		if got := softLimitOf(in); got != want {
			t.Errorf("softLimitOf(%q) = %d, want %d", in, got, want)
		}
	}
}
