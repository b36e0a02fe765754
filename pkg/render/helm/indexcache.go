package helm

import (
	"context"
	"sync"
	"time"
)

// indexCache keeps catalogs (parsed repository indexes and OCI tag lists)
// in memory, stale-while-revalidate: once a catalog is cached, a lookup
// returns it at once, and a lookup of a catalog older than the refresh
// interval also starts one background refresh. A slow or failing
// repository therefore never blocks a Resolve after the first fetch; a
// failed refresh keeps the old catalog and is reported alongside it.
//
// The first fetch of a key is synchronous, shared by every caller that asks
// meanwhile, and runs under its own timeout so that one caller's
// cancellation does not fail the others.
type indexCache struct {
	refreshInterval time.Duration
	timeout         time.Duration
	max             int
	now             func() time.Time
	// onRefresh, when set, is called after every background refresh.
	// Tests use it to wait for a refresh without sleeping.
	onRefresh func(key string, err error)

	mu      sync.Mutex
	entries map[string]*indexEntry
}

type indexEntry struct {
	// ready is closed when the first fetch has finished.
	ready chan struct{}
	// err is the first fetch's error; such an entry is removed at once, so
	// only the callers that waited for it see it.
	err error

	cat         *catalog
	fetchedAt   time.Time // of cat
	lastAttempt time.Time // of the last fetch, successful or not
	lastUsed    time.Time
	refreshing  bool
	refreshErr  error // of the last background refresh, nil once one succeeds
}

// fetchFunc fetches a fresh catalog. It must honour ctx.
type fetchFunc func(ctx context.Context) (*catalog, error)

// indexView is a cached catalog with what a caller may want to say about
// its freshness.
type indexView struct {
	cat        *catalog
	age        time.Duration // since the catalog was fetched
	refreshErr error
}

func newIndexCache(refreshInterval, timeout time.Duration, max int) *indexCache {
	return &indexCache{
		refreshInterval: refreshInterval,
		timeout:         timeout,
		max:             max,
		now:             time.Now,
		entries:         map[string]*indexEntry{},
	}
}

// get returns the catalog for key, fetching it the first time and
// refreshing it in the background when stale.
func (c *indexCache) get(ctx context.Context, key string, fetch fetchFunc) (indexView, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		e = &indexEntry{ready: make(chan struct{})}
		c.entries[key] = e
		c.evictLocked()
		go c.fetchFirst(key, e, fetch)
	}
	e.lastUsed = c.now()
	c.mu.Unlock()

	// A cached catalog is answered even to a caller whose context is done:
	// only waiting for a first fetch can be given up.
	if !isClosed(e.ready) {
		select {
		case <-e.ready:
		case <-ctx.Done():
			return indexView{}, ctx.Err()
		}
	}
	if e.err != nil {
		return indexView{}, e.err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if !e.refreshing && now.Sub(e.lastAttempt) >= c.refreshInterval {
		e.refreshing = true
		e.lastAttempt = now
		go c.refresh(key, e, fetch)
	}
	return indexView{cat: e.cat, age: now.Sub(e.fetchedAt), refreshErr: e.refreshErr}, nil
}

// fetchFirst runs the first, synchronous fetch of an entry.
func (c *indexCache) fetchFirst(key string, e *indexEntry, fetch fetchFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	cat, err := fetch(ctx)

	c.mu.Lock()
	now := c.now()
	e.lastAttempt = now
	if err != nil {
		e.err = err
		if c.entries[key] == e {
			delete(c.entries, key)
		}
	} else {
		e.cat, e.fetchedAt = cat, now
	}
	c.mu.Unlock()
	close(e.ready)
}

// refresh replaces an entry's catalog in the background.
func (c *indexCache) refresh(key string, e *indexEntry, fetch fetchFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	cat, err := fetch(ctx)

	c.mu.Lock()
	e.refreshing = false
	if err != nil {
		e.refreshErr = err
	} else {
		e.cat, e.fetchedAt, e.refreshErr = cat, c.now(), nil
	}
	hook := c.onRefresh
	c.mu.Unlock()
	if hook != nil {
		hook(key, err)
	}
}

// refreshNow fetches key synchronously under ctx and stores the result.
// Render uses it when a pinned version is missing from a cached catalog:
// the version may have been published since the last refresh.
func (c *indexCache) refreshNow(ctx context.Context, key string, fetch fetchFunc) (indexView, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cat, err := fetch(ctx)
	if err != nil {
		return indexView{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if e, ok := c.entries[key]; ok && isClosed(e.ready) && e.err == nil {
		e.cat, e.fetchedAt, e.lastAttempt, e.lastUsed, e.refreshErr = cat, now, now, now, nil
	} else if !ok {
		e := &indexEntry{ready: make(chan struct{}), cat: cat, fetchedAt: now, lastAttempt: now, lastUsed: now}
		close(e.ready)
		c.entries[key] = e
		c.evictLocked()
	}
	return indexView{cat: cat}, nil
}

// evictLocked drops least recently used, settled entries past the bound.
func (c *indexCache) evictLocked() {
	for len(c.entries) > c.max {
		var oldestKey string
		var oldest *indexEntry
		for k, e := range c.entries {
			if !isClosed(e.ready) || e.refreshing {
				continue
			}
			if oldest == nil || e.lastUsed.Before(oldest.lastUsed) {
				oldestKey, oldest = k, e
			}
		}
		if oldest == nil {
			return
		}
		delete(c.entries, oldestKey)
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
