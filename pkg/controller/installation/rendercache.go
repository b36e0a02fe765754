package installation

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/render"
)

// renderCache keeps the prepared objects of recent InstallationTarget
// sources and values: a target's spec pins everything a render depends on,
// so a resync of an unchanged target, or a drift correction, renders
// nothing and fetches nothing. It holds each object as its JSON, three to
// five times smaller than the decoded maps, and is bounded by those bytes,
// not by a count: a count thrashed once a thousand releases were live.
type renderCache struct {
	mu      sync.Mutex
	entries map[renderKey]renderEntry
	order   []renderKey // oldest first, for eviction
	bytes   int
	// limit is the bound in bytes; renderCacheBytes when zero.
	limit int
}

type renderEntry struct {
	objs  [][]byte // each object's JSON
	bytes int
}

type renderKey struct {
	uid types.UID
	// input digests the spec fields a render depends on.
	input string
}

func renderKeyOf(it *convoyv1alpha1.InstallationTarget) (renderKey, error) {
	data, err := json.Marshal(struct {
		Source convoyv1alpha1.Source
		Values *apiextensionsv1.JSON
	}{it.Spec.Source, it.Spec.Values})
	if err != nil {
		return renderKey{}, render.Errorf(render.ReasonInvalidManifest, "spec.source and spec.values: %v", err)
	}
	sum := sha256.Sum256(data)
	return renderKey{uid: it.UID, input: hex.EncodeToString(sum[:])}, nil
}

// renderCacheBytes bounds the cache: about five thousand releases of a
// small chart (a Deployment and a Service, 3 KB of JSON).
const renderCacheBytes = 16 << 20

// get decodes the entry afresh: every caller has objects of its own to
// change.
func (c *renderCache) get(k renderKey) ([]*unstructured.Unstructured, bool) {
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	out := make([]*unstructured.Unstructured, len(e.objs))
	for i, data := range e.objs {
		out[i] = &unstructured.Unstructured{}
		if err := out[i].UnmarshalJSON(data); err != nil {
			return nil, false // cannot happen: put encoded it; render again
		}
	}
	return out, true
}

func (c *renderCache) put(k renderKey, objs []*unstructured.Unstructured) {
	stored := renderEntry{objs: make([][]byte, len(objs))}
	for i, o := range objs {
		data, err := o.MarshalJSON()
		if err != nil {
			return // not kept: the next reconcile renders again
		}
		stored.objs[i] = data
		stored.bytes += len(data)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[renderKey]renderEntry{}
	}
	if old, ok := c.entries[k]; ok {
		c.bytes -= old.bytes
	} else {
		c.order = append(c.order, k)
	}
	c.entries[k] = stored
	c.bytes += stored.bytes
	limit := c.limit
	if limit == 0 {
		limit = renderCacheBytes
	}
	for c.bytes > limit && len(c.order) > 1 {
		c.bytes -= c.entries[c.order[0]].bytes
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}
