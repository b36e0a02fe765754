package release

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// appLocks serialises the reconciles of one Application's Releases. The
// controller runs several workers, and the contender's plan writes the
// incumbent's and superseded releases' targets: two of an application's
// releases reconciled at once could each act on a stale view of the other.
// Releases of different applications never wait for each other.
type appLocks struct {
	mu    sync.Mutex
	locks map[types.NamespacedName]*appLock
}

type appLock struct {
	sync.Mutex
	users int // holders and waiters; the entry goes when it drops to 0
}

// lock locks app and returns its unlock.
func (a *appLocks) lock(app types.NamespacedName) (unlock func()) {
	a.mu.Lock()
	if a.locks == nil {
		a.locks = map[types.NamespacedName]*appLock{}
	}
	l := a.locks[app]
	if l == nil {
		l = &appLock{}
		a.locks[app] = l
	}
	l.users++
	a.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		a.mu.Lock()
		if l.users--; l.users == 0 {
			delete(a.locks, app)
		}
		a.mu.Unlock()
	}
}
