package statuspatch

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// ProgressWindow is how often, at most, the controllers write a status
// whose change is progress only (a message, a count on the way to the
// goal): at a thousand applications each such write costs the management
// API server as much as a milestone does, and they outnumber the
// milestones two to one.
const ProgressWindow = 3 * time.Second

// Coalescer spaces out progress-only status writes: one per object per
// window. A milestone (a condition's status, a generation observed, a
// capacity lost: whatever the controller's policy calls significant) is
// always written at once, and carries the progress with it. What the
// window holds back is never lost: the reconcile runs again when the
// window ends (Patcher.Deferred) and writes the status as it is then.
type Coalescer struct {
	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	lastWrite map[types.UID]time.Time
	swept     time.Time
}

// NewCoalescer returns a Coalescer of the given window, one per controller.
func NewCoalescer(window time.Duration) *Coalescer {
	return &Coalescer{window: window, now: time.Now, lastWrite: map[types.UID]time.Time{}}
}

// wait is how long a write of the object must wait: 0 for a milestone or
// once the window since its last write has passed.
func (c *Coalescer) wait(uid types.UID, progressOnly bool) time.Duration {
	if !progressOnly {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	last, ok := c.lastWrite[uid]
	if !ok {
		return 0
	}
	return max(0, c.window-c.now().Sub(last))
}

// wrote records a write of the object, and forgets the objects whose
// window has passed, at most once a window, so the map holds only the
// objects written lately.
func (c *Coalescer) wrote(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.lastWrite[uid] = now
	if now.Sub(c.swept) < c.window {
		return
	}
	c.swept = now
	for k, t := range c.lastWrite {
		if now.Sub(t) >= c.window {
			delete(c.lastWrite, k)
		}
	}
}

// Coalesce makes Patch hold back a progress-only change (progressOnly,
// from the controller's policy) while the object's last write is within
// the coalescer's window.
func Coalesce(c *Coalescer, progressOnly bool) Option {
	return func(o *options) { o.coalescer, o.progressOnly = c, progressOnly }
}
