package kustomize

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/render"
)

// SharedAnnotation, set to "true" on an object, shares it between the
// releases of an application: Distinguish keeps its name.
const SharedAnnotation = convoyv1alpha1.AnnotationShared

// indexAnnotation carries each object's position through kustomize, which
// reorders; Distinguish removes it again.
const indexAnnotation = "convoy.dev/distinguish-index"

var suffixPattern = regexp.MustCompile(`^[a-z0-9.-]*$`)

// Distinguish makes the objects of one release distinct from those of the
// application's other releases in the same cluster, with kustomize's own
// builtin transformers, exactly as a kustomization with these fields would:
//
//	nameSuffix: NAMESUFFIX          # SuffixTransformer
//	labels:
//	- pairs: LABELS                 # LabelTransformer, commonLabels field specs
//	  includeSelectors: true
//
// The suffix goes on every name, and kustomize's name-reference transformer
// makes references follow: a Deployment's envFrom, volumes and
// serviceAccountName, an Ingress backend's Service, a RoleBinding's subjects
// and roleRef, and the rest of kustomize's name-reference table. kustomize
// itself never renames Namespaces, CustomResourceDefinitions and
// APIServices. The labels go on metadata, on every pod template, and on
// every selector (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs,
// Services, PodDisruptionBudgets, NetworkPolicies, pod affinities), so a
// release's workloads and Services select its own pods and never another
// release's. As with kustomize, a Service without a selector gets one.
//
// Objects annotated convoy.dev/shared: "true" belong to every release at
// once: a PersistentVolumeClaim holding data, a Secret provisioned out of
// band, a Service meant to span all releases. They keep their name, since
// all releases apply the same object. They get the labels on
// metadata.labels only, never on selectors or pod templates: a shared
// Service must keep selecting the pods of every release, and a shared
// workload's pod template must not change with each release, which would
// roll it. Their labels therefore name the release that applied them last.
// A shared object that refers to an object of the release follows that
// object's new name, as kustomize does for any reference.
//
// Objects come back in the order given, deep copies; the input is not
// modified. On error no objects are returned.
func Distinguish(objs []*unstructured.Unstructured, nameSuffix string, labels map[string]string) ([]*unstructured.Unstructured, error) {
	if !suffixPattern.MatchString(nameSuffix) {
		return nil, render.Errorf(render.ReasonInvalidManifest,
			"name suffix %q: only lower-case letters, digits, '-' and '.' may appear in object names", nameSuffix)
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		errs := validation.IsQualifiedName(k)
		errs = append(errs, validation.IsValidLabelValue(labels[k])...)
		if len(errs) > 0 {
			return nil, render.Errorf(render.ReasonInvalidManifest, "label %s=%s: %v", k, labels[k], errs)
		}
	}
	if len(objs) == 0 {
		return nil, nil
	}

	var own, shared bytes.Buffer
	for i, o := range objs {
		c := o.DeepCopy()
		ann := c.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[indexAnnotation] = strconv.Itoa(i)
		c.SetAnnotations(ann)
		b, err := c.MarshalJSON()
		if err != nil {
			return nil, render.Errorf(render.ReasonInvalidManifest, "%s %s: %v", o.GetKind(), o.GetName(), err)
		}
		buf := &own
		if o.GetAnnotations()[SharedAnnotation] == "true" {
			buf = &shared
		}
		buf.WriteString("---\n")
		buf.Write(b)
		buf.WriteString("\n")
	}

	// Two kustomizations: the release's own objects get the suffix and the
	// selector labels; the outer one adds the shared objects and puts the
	// labels on everyone's metadata.
	fsys := filesys.MakeFsInMemory()
	outer := types.Kustomization{}
	files := map[string][]byte{}
	if own.Len() > 0 {
		inner := types.Kustomization{Resources: []string{"objects.yaml"}, NameSuffix: nameSuffix}
		if len(labels) > 0 {
			inner.Labels = []types.Label{{Pairs: labels, IncludeSelectors: true}}
		}
		b, err := yaml.Marshal(inner)
		if err != nil {
			return nil, err
		}
		files["/release/kustomization.yaml"] = b
		files["/release/objects.yaml"] = own.Bytes()
		outer.Resources = append(outer.Resources, "release")
	}
	if shared.Len() > 0 {
		files["/shared.yaml"] = shared.Bytes()
		outer.Resources = append(outer.Resources, "shared.yaml")
	}
	if len(labels) > 0 {
		outer.Labels = []types.Label{{Pairs: labels}}
	}
	b, err := yaml.Marshal(outer)
	if err != nil {
		return nil, err
	}
	files["/kustomization.yaml"] = b
	for name, data := range files {
		if err := fsys.WriteFile(name, data); err != nil {
			return nil, err
		}
	}

	var out []*unstructured.Unstructured
	err = withKustomize(func() error {
		out = make([]*unstructured.Unstructured, len(objs))
		opts := buildOptions()
		opts.Reorder = krusty.ReorderOptionNone
		m, err := krusty.MakeKustomizer(opts).Run(fsys, "/")
		if err != nil {
			return err
		}
		res, err := toUnstructured(m)
		if err != nil {
			return err
		}
		if len(res) != len(objs) {
			return fmt.Errorf("kustomize returned %d objects for %d", len(res), len(objs))
		}
		for _, o := range res {
			ann := o.GetAnnotations()
			i, err := strconv.Atoi(ann[indexAnnotation])
			if err != nil || i < 0 || i >= len(out) || out[i] != nil {
				return fmt.Errorf("kustomize lost track of %s %s", o.GetKind(), o.GetName())
			}
			delete(ann, indexAnnotation)
			if len(ann) == 0 {
				ann = nil
			}
			o.SetAnnotations(ann)
			out[i] = o
		}
		return nil
	})
	if err != nil {
		return nil, render.Errorf(render.ReasonKustomizeError, "distinguishing objects with suffix %q: %v", nameSuffix, err)
	}
	return out, nil
}
