package kustomize

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/openapi"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

// kustomizeMu serialises every use of the kustomize libraries in the
// process. kustomize keeps global state (the OpenAPI schema, read and
// written without enough locking: kubernetes-sigs/kustomize#3659, "concurrent
// map read and map write"), so two builds at once can crash the manager.
var kustomizeMu sync.Mutex

// defaultSchema is what openapi.GetSchemaVersion says in a fresh process:
// kustomize's built-in Kubernetes schema, no `openapi:` field in force.
// Set on first use, under kustomizeMu.
var defaultSchema string

// withKustomize runs fn holding kustomizeMu and turns a panic into an error
// (kustomize panics on some malformed input).
//
// It also keeps kyaml's global OpenAPI schema from carrying one build's
// `openapi:` field into another. After fn, a schema other than the default
// is reset, so the next build starts as in a fresh `kustomize build`
// process. The parsed default schema is kept: parsing it costs about 20ms
// and most of the memory of a build, and a build without an `openapi:`
// field reads it exactly as a fresh process would. A build that did set a
// schema is run a second time from a reset state, so that the default
// schema parsed by earlier builds cannot leak into it either: kyaml adds a
// custom schema's definitions to whatever is already loaded.
func withKustomize(fn func() error) (err error) {
	kustomizeMu.Lock()
	defer kustomizeMu.Unlock()
	if defaultSchema == "" {
		openapi.ResetOpenAPI()
		defaultSchema = openapi.GetSchemaVersion()
	}
	err = runRecovered(fn)
	if openapi.GetSchemaVersion() != defaultSchema {
		openapi.ResetOpenAPI()
		err = runRecovered(fn)
		openapi.ResetOpenAPI()
	}
	return err
}

// runRecovered runs fn, turning a panic into an error. After a panic the
// schema may be half-loaded: it is reset.
func runRecovered(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			openapi.ResetOpenAPI()
			err = fmt.Errorf("kustomize panicked: %v", p)
		}
	}()
	return fn()
}

// buildOptions are `kustomize build`'s defaults but for the load
// restrictions: files anywhere in the repository may be used (repoFS ends
// at the repository root; the CLI's default would stop at the
// kustomization's own directory). Plugins are builtin only, nothing is
// executed (no exec or container functions, no helm). The output order is
// the CLI's: kustomize's legacy order unless the kustomization sets
// sortOptions; Render then sorts by kind, stably.
func buildOptions() *krusty.Options {
	return &krusty.Options{
		Reorder:          krusty.ReorderOptionUnspecified,
		LoadRestrictions: types.LoadRestrictionsNone,
		PluginConfig:     types.DisabledPluginConfig(),
	}
}

// manifestError is an object kustomize produced that is not a valid
// Kubernetes object.
type manifestError struct{ err error }

func (e *manifestError) Error() string { return e.err.Error() }

// buildCheckout builds t.path of the checkout in dir.
func buildCheckout(dir string, t target) ([]*unstructured.Unstructured, error) {
	fsys, err := openRepoFS(dir)
	if err != nil {
		return nil, err
	}
	defer fsys.Close()
	kdir := filepath.Join(fsys.root, filepath.FromSlash(t.path))
	fi, err := fsys.stat(kdir)
	switch {
	case err != nil:
		return nil, t.errorf(render.ReasonKustomizeError, "path not found in the repository")
	case !fi.IsDir():
		return nil, t.errorf(render.ReasonKustomizeError, "path is a file; it must be the directory of a kustomization")
	}
	if err := precheck(fsys, kdir); err != nil {
		return nil, t.errorf(render.ReasonKustomizeError, "%v", err)
	}
	var objs []*unstructured.Unstructured
	err = withKustomize(func() error {
		m, err := krusty.MakeKustomizer(buildOptions()).Run(fsys, kdir)
		if err != nil {
			return err
		}
		objs, err = toUnstructured(m)
		return err
	})
	if err != nil {
		var me *manifestError
		if errors.As(err, &me) || isManifestError(err) {
			return nil, t.errorf(render.ReasonInvalidManifest, "%s", fsys.scrub(err.Error()))
		}
		return nil, t.errorf(render.ReasonKustomizeError, "%s", fsys.scrub(err.Error()))
	}
	return objs, nil
}

// toUnstructured converts kustomize's resources through JSON, so numbers
// come out as int64 and float64 as the Kubernetes libraries expect, and
// checks that each one is a Kubernetes object.
func toUnstructured(m resmap.ResMap) ([]*unstructured.Unstructured, error) {
	objs := make([]*unstructured.Unstructured, 0, m.Size())
	for _, res := range m.Resources() {
		b, err := res.MarshalJSON()
		if err != nil {
			return nil, &manifestError{fmt.Errorf("%s: %w", res.CurId(), err)}
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(b); err != nil {
			return nil, &manifestError{fmt.Errorf("%s: %w", res.CurId(), err)}
		}
		if u.GetAPIVersion() == "" || u.GetKind() == "" || u.GetName() == "" {
			return nil, &manifestError{fmt.Errorf("object %s has no apiVersion, kind or metadata.name", res.CurId())}
		}
		objs = append(objs, u)
	}
	return objs, nil
}

// isManifestError recognises a resource file that is not valid YAML or not
// a Kubernetes object, as opposed to a kustomization that kustomize cannot
// build. kustomize flattens its errors into strings, so the message is all
// there is to go by.
func isManifestError(err error) bool {
	msg := err.Error()
	if strings.Contains(msg, "invalid Kustomization") {
		return false
	}
	for _, s := range []string{"MalformedYAMLError", "yaml: line ", "missing kind in object", "missing metadata.name"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// scrub makes the checkout's absolute paths in a message
// repository-relative.
func (f *repoFS) scrub(msg string) string {
	msg = strings.ReplaceAll(msg, f.root+string(filepath.Separator), "")
	return strings.ReplaceAll(msg, f.root, ".")
}
