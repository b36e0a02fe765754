package application

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/roles"
)

// maxAppNameInReleaseName keeps "<app>-<hash>-<iteration>" within Helm's
// 53-character release name limit for iterations below 1000, and within the
// 63 characters of a label value.
const maxAppNameInReleaseName = 40

// templateHash identifies a template: 8 hex digits of FNV-32a over its
// canonical JSON. Values are re-encoded so that key order never counts as a
// change.
func templateHash(tmpl convoyv1alpha1.ReleaseEnvironment) (string, error) {
	tmpl = *tmpl.DeepCopy()
	if tmpl.Values != nil {
		var values any
		if err := json.Unmarshal(tmpl.Values.Raw, &values); err != nil {
			return "", fmt.Errorf("spec.template.values: %w", err)
		}
		canonical, err := json.Marshal(values)
		if err != nil {
			return "", err
		}
		tmpl.Values.Raw = canonical
	}
	data, err := json.Marshal(tmpl)
	if err != nil {
		return "", err
	}
	h := fnv.New32a()
	h.Write(data)
	return fmt.Sprintf("%08x", h.Sum32()), nil
}

func releaseName(app, hash string, iteration int) string {
	if len(app) > maxAppNameInReleaseName {
		app = app[:maxAppNameInReleaseName]
	}
	return fmt.Sprintf("%s-%s-%d", app, hash, iteration)
}

// generation is a Release's position among its Application's Releases.
func generation(r *convoyv1alpha1.Release) int64 { return r.ReleaseGeneration() }

func iteration(r *convoyv1alpha1.Release) int {
	i, _ := strconv.Atoi(r.Annotations[convoyv1alpha1.AnnotationReleaseIteration])
	return i
}

// nextIteration is one more than the highest iteration of a release with
// the same template hash, so re-applying an old template makes a new release
// of it (a rollback) with a distinct name.
func nextIteration(rels []*convoyv1alpha1.Release, hash string) int {
	highest := 0
	for _, r := range rels {
		if r.Labels[convoyv1alpha1.LabelTemplateHash] == hash {
			highest = max(highest, iteration(r))
		}
	}
	return highest + 1
}

// expired returns the releases history no longer needs, oldest first:
// completed releases beyond the limit (never the contender or incumbent),
// and unfinished releases older than the incumbent, which a completed
// release has since superseded.
func expired(rels []*convoyv1alpha1.Release, contender, incumbent *convoyv1alpha1.Release, limit int) []*convoyv1alpha1.Release {
	var completed, out []*convoyv1alpha1.Release
	for _, r := range rels {
		switch {
		case r == contender || r == incumbent:
		case roles.IsComplete(r):
			completed = append(completed, r)
		case incumbent != nil && generation(r) < generation(incumbent):
			out = append(out, r)
		}
	}
	if extra := len(completed) - limit; extra > 0 {
		out = append(out, completed[:extra]...)
	}
	roles.Sort(out)
	return out
}

func newRelease(app *convoyv1alpha1.Application, name, hash string, gen int64, iter int, env convoyv1alpha1.ReleaseEnvironment) *convoyv1alpha1.Release {
	labels := map[string]string{}
	for k, v := range app.Labels {
		labels[k] = v
	}
	labels[convoyv1alpha1.LabelApplication] = app.Name
	labels[convoyv1alpha1.LabelTemplateHash] = hash
	labels[convoyv1alpha1.LabelManagedBy] = convoyv1alpha1.ManagedByConvoy
	annotations := map[string]string{
		convoyv1alpha1.AnnotationReleaseGeneration: strconv.FormatInt(gen, 10),
		convoyv1alpha1.AnnotationReleaseIteration:  strconv.Itoa(iter),
	}
	if o := app.Annotations[convoyv1alpha1.AnnotationOverrideRolloutBlocks]; o != "" {
		annotations[convoyv1alpha1.AnnotationOverrideRolloutBlocks] = o
	}
	return &convoyv1alpha1.Release{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: app.Namespace, Labels: labels, Annotations: annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(app, convoyv1alpha1.GroupVersion.WithKind("Application"))},
		},
		Spec: convoyv1alpha1.ReleaseSpec{TargetStep: 0, Environment: env},
	}
}

// ReleaseName is the name the Application's current template gets as its
// iteration-th Release (1 for a template never released before), for tools
// that need it before the Release exists.
func ReleaseName(app *convoyv1alpha1.Application, iteration int) (string, error) {
	hash, err := templateHash(app.Spec.Template)
	if err != nil {
		return "", err
	}
	return releaseName(app.Name, hash, iteration), nil
}
