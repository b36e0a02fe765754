// Package rolloutblock decides which RolloutBlocks stop an Application or a
// Release: those in its namespace and those in convoy's global namespace,
// minus the ones it overrides by name.
package rolloutblock

import (
	"slices"
	"strings"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// DefaultGlobalNamespace holds blocks that apply to every namespace.
const DefaultGlobalNamespace = "convoy-system"

// Overrides parses the override annotation: comma-separated
// "namespace/name" entries (a bare name means the object's own namespace).
func Overrides(annotations map[string]string, namespace string) []string {
	var keys []string
	for _, entry := range strings.Split(annotations[convoyv1alpha1.AnnotationOverrideRolloutBlocks], ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		if !strings.Contains(entry, "/") {
			entry = namespace + "/" + entry
		}
		keys = append(keys, entry)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// Active returns the "namespace/name" of every block in blocks that applies
// to an object in namespace and is not overridden, sorted.
func Active(blocks []convoyv1alpha1.RolloutBlock, namespace, globalNamespace string, overrides []string) []string {
	var active []string
	for _, b := range blocks {
		if b.Namespace != namespace && b.Namespace != globalNamespace {
			continue
		}
		key := b.Namespace + "/" + b.Name
		if !slices.Contains(overrides, key) && b.DeletionTimestamp.IsZero() {
			active = append(active, key)
		}
	}
	slices.Sort(active)
	return active
}

// Overriders returns the "namespace/name" of every Application in apps that
// overrides block: one the block applies to (in its namespace, or anywhere
// for a block of globalNamespace) whose override annotation names it,
// sorted, for the block's status.overrides.
func Overriders(block *convoyv1alpha1.RolloutBlock, globalNamespace string, apps []convoyv1alpha1.Application) []string {
	key := block.Namespace + "/" + block.Name
	var out []string
	for _, app := range apps {
		if app.Namespace != block.Namespace && block.Namespace != globalNamespace {
			continue
		}
		if slices.Contains(Overrides(app.Annotations, app.Namespace), key) {
			out = append(out, app.Namespace+"/"+app.Name)
		}
	}
	slices.Sort(out)
	return out
}
