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
// sources and values: a target's spec pins everything a render depends on, so a
// resync of an unchanged target renders nothing and fetches nothing.
type renderCache struct {
	mu      sync.Mutex
	entries map[renderKey][]*unstructured.Unstructured
	order   []renderKey // oldest first, for eviction
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

// renderCacheSize bounds the cache to about one entry per release in flight.
const renderCacheSize = 256

func (c *renderCache) get(k renderKey) ([]*unstructured.Unstructured, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	objs, ok := c.entries[k]
	if !ok {
		return nil, false
	}
	out := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		out[i] = o.DeepCopy()
	}
	return out, true
}

func (c *renderCache) put(k renderKey, objs []*unstructured.Unstructured) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[renderKey][]*unstructured.Unstructured{}
	}
	if _, ok := c.entries[k]; !ok {
		c.order = append(c.order, k)
	}
	stored := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		stored[i] = o.DeepCopy()
	}
	c.entries[k] = stored
	for len(c.order) > renderCacheSize {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}
