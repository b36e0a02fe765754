package helm

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// diskCache keeps chart archives on disk, named by the hex sha256 of their
// content, within a size bound: when a new archive takes the total over it,
// the least recently used archives are removed. Content addressing makes
// entries immutable, so a hit never needs revalidation; only the mapping
// from a version to a digest (the index, the OCI tag) is looked up again.
//
// File modification times record last use, so the LRU order survives a
// restart.
type diskCache struct {
	dir string
	max int64

	mu    sync.Mutex
	lru   *list.List // of *cacheEntry, most recently used at the front
	byHex map[string]*list.Element
	size  int64
}

type cacheEntry struct {
	hex  string
	size int64
}

const archiveSuffix = ".tgz"

// openDiskCache creates dir if needed and indexes the archives already in
// it, evicting down to max.
func openDiskCache(dir string, max int64) (*diskCache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create chart cache directory: %w", err)
	}
	c := &diskCache{dir: dir, max: max, lru: list.New(), byHex: map[string]*list.Element{}}
	dirents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read chart cache directory: %w", err)
	}
	type found struct {
		entry *cacheEntry
		used  time.Time
	}
	var all []found
	for _, de := range dirents {
		name := de.Name()
		if strings.HasSuffix(name, ".tmp") {
			// A write that a crash interrupted.
			_ = os.Remove(filepath.Join(dir, name))
			continue
		}
		hexDigest, ok := strings.CutSuffix(name, archiveSuffix)
		if !ok || !isHexDigest(hexDigest) {
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue
		}
		all = append(all, found{&cacheEntry{hex: hexDigest, size: info.Size()}, info.ModTime()})
	}
	// Oldest first, each pushed to the front: the newest ends up in front.
	slices.SortFunc(all, func(a, b found) int { return a.used.Compare(b.used) })
	for _, f := range all {
		c.byHex[f.entry.hex] = c.lru.PushFront(f.entry)
		c.size += f.entry.size
	}
	c.mu.Lock()
	c.evictLocked("")
	c.mu.Unlock()
	return c, nil
}

func isHexDigest(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func (c *diskCache) path(hexDigest string) string {
	return filepath.Join(c.dir, hexDigest+archiveSuffix)
}

// get returns the archive with the given hex sha256, if cached. A file that
// no longer matches its name (disk corruption, tampering) is removed and
// reported as a miss.
func (c *diskCache) get(hexDigest string) ([]byte, bool) {
	c.mu.Lock()
	_, ok := c.byHex[hexDigest]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	// Read outside the lock: an eviction racing with this read removes
	// the file, which is then just a miss.
	data, err := os.ReadFile(c.path(hexDigest))
	if err != nil || sha256Hex(data) != hexDigest {
		c.remove(hexDigest)
		return nil, false
	}
	c.mu.Lock()
	if el, ok := c.byHex[hexDigest]; ok {
		c.lru.MoveToFront(el)
	}
	c.mu.Unlock()
	now := time.Now()
	_ = os.Chtimes(c.path(hexDigest), now, now)
	return data, true
}

// put stores an archive under its digest and evicts least recently used
// archives past the size bound. An archive larger than the whole bound is
// not stored.
func (c *diskCache) put(hexDigest string, data []byte) error {
	size := int64(len(data))
	if size > c.max {
		return nil
	}
	c.mu.Lock()
	if el, ok := c.byHex[hexDigest]; ok {
		c.lru.MoveToFront(el)
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()

	// Write to a temporary name and rename, so a reader never sees half an
	// archive.
	tmp, err := os.CreateTemp(c.dir, hexDigest+"-*.tmp")
	if err != nil {
		return fmt.Errorf("cache chart archive: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), c.path(hexDigest))
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("cache chart archive: %w", werr)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byHex[hexDigest]; ok {
		// Another goroutine stored the same archive meanwhile.
		c.lru.MoveToFront(el)
		return nil
	}
	c.byHex[hexDigest] = c.lru.PushFront(&cacheEntry{hex: hexDigest, size: size})
	c.size += size
	c.evictLocked(hexDigest)
	return nil
}

// evictLocked removes least recently used archives until the cache fits its
// bound, never the one named keep (just stored).
func (c *diskCache) evictLocked(keep string) {
	for c.size > c.max {
		el := c.lru.Back()
		if el == nil {
			return
		}
		e := el.Value.(*cacheEntry)
		if e.hex == keep {
			return
		}
		c.lru.Remove(el)
		delete(c.byHex, e.hex)
		c.size -= e.size
		_ = os.Remove(c.path(e.hex))
	}
}

func (c *diskCache) remove(hexDigest string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byHex[hexDigest]; ok {
		c.lru.Remove(el)
		delete(c.byHex, hexDigest)
		c.size -= el.Value.(*cacheEntry).size
	}
	_ = os.Remove(c.path(hexDigest))
}

// usage returns the number of archives and their total size.
func (c *diskCache) usage() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.size
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
