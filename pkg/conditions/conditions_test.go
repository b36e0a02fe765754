package conditions

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestKstatusConditionsExcludeEachOther(t *testing.T) {
	var conds []metav1.Condition
	MarkReconciling(&conds, 1, "Progressing", "installing")
	if !IsTrue(conds, "Reconciling") || IsTrue(conds, "Ready") || meta.FindStatusCondition(conds, "Stalled") != nil {
		t.Fatalf("after MarkReconciling: %+v", conds)
	}
	MarkStalled(&conds, 2, "ChartNotFound", "no chart")
	if !IsTrue(conds, "Stalled") || meta.FindStatusCondition(conds, "Reconciling") != nil {
		t.Fatalf("after MarkStalled: %+v", conds)
	}
	if ready := meta.FindStatusCondition(conds, "Ready"); ready.Reason != "ChartNotFound" || ready.ObservedGeneration != 2 {
		t.Fatalf("Ready should carry the stall's reason and generation: %+v", ready)
	}
	MarkReady(&conds, 3, "Succeeded", "done")
	if len(conds) != 1 || !IsTrue(conds, "Ready") {
		t.Fatalf("after MarkReady only Ready=True remains: %+v", conds)
	}
}

func TestSameWords(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"1/3 pods available", "2/3 pods available", true},
		{"1/3 pods available", "12/30 pods available", true},
		{"", "", true},
		{"scaling", "scaling", true},
		{"1/3 pods available", "1/3 pods available; not ready: 2× Pending", false},
		{"not ready: 2× Pending (e.g. pod a)", "not ready: 2× Unschedulable (e.g. pod a)", false},
		{"3 pods", "pods", false},
		{"pods", "pods 3", false},
	} {
		if got := SameWords(tc.a, tc.b); got != tc.same {
			t.Errorf("SameWords(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}
