package installation

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestRenderCacheIsBoundedByBytes(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "x"}, "data": map[string]any{"k": string(make([]byte, 1000))}}}
	b, err := obj.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	c := renderCache{limit: 10 * len(b)}
	for i := range 25 {
		c.put(renderKey{input: fmt.Sprint(i)}, []*unstructured.Unstructured{obj})
	}
	if len(c.entries) != 10 || c.bytes != 10*len(b) {
		t.Errorf("%d entries of %d bytes held, want the 10 newest of %d bytes", len(c.entries), c.bytes, 10*len(b))
	}
	if _, ok := c.get(renderKey{input: "24"}); !ok {
		t.Error("the newest entry was evicted")
	}
	if _, ok := c.get(renderKey{input: "14"}); ok {
		t.Error("the oldest entries were kept past the bound")
	}
	got, _ := c.get(renderKey{input: "20"})
	got[0].SetName("changed")
	if again, _ := c.get(renderKey{input: "20"}); again[0].GetName() != "x" {
		t.Error("changing an object got from the cache changed the cached one")
	}
}
