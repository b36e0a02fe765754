package release

import (
	"sync"
	"sync/atomic"
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

func TestAppLocksSerialiseOneApplicationOnly(t *testing.T) {
	var locks appLocks
	a, b := types.NamespacedName{Namespace: "ns", Name: "a"}, types.NamespacedName{Namespace: "ns", Name: "b"}
	var inA, maxInA atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := locks.lock(a)
			n := inA.Add(1)
			for {
				m := maxInA.Load()
				if n <= m || maxInA.CompareAndSwap(m, n) {
					break
				}
			}
			inA.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if maxInA.Load() != 1 {
		t.Errorf("%d reconciles of one application ran at once, want 1", maxInA.Load())
	}
	// Another application is not held up by a held lock.
	unlockA := locks.lock(a)
	unlockB := locks.lock(b)
	unlockB()
	unlockA()
	if len(locks.locks) != 0 {
		t.Errorf("%d lock entries left after every holder unlocked, want 0", len(locks.locks))
	}
}
