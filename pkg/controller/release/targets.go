package release

import (
	"encoding/json"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// targetsFor returns the Release's three targets for its clusters, at zero
// capacity and zero weight: the strategy raises them.
func targetsFor(rel *convoyv1alpha1.Release, clusters []string) []client.Object {
	meta := func() metav1.ObjectMeta {
		labels := map[string]string{}
		for k, v := range rel.Labels {
			labels[k] = v
		}
		labels[convoyv1alpha1.LabelRelease] = rel.Name
		return metav1.ObjectMeta{Name: rel.Name, Namespace: rel.Namespace, Labels: labels}
	}
	itMeta := meta()
	itMeta.Finalizers = []string{convoyv1alpha1.FinalizerInstallation}
	it := &convoyv1alpha1.InstallationTarget{ObjectMeta: itMeta, Spec: convoyv1alpha1.InstallationTargetSpec{
		Clusters: clusters, Source: rel.Spec.Environment.Source, Values: rel.Spec.Environment.Values,
		ServiceAccountName: rel.Spec.Environment.ServiceAccountName,
	}}
	ct := &convoyv1alpha1.CapacityTarget{ObjectMeta: meta(), Spec: convoyv1alpha1.CapacityTargetSpec{
		ServiceAccountName: rel.Spec.Environment.ServiceAccountName,
	}}
	tt := &convoyv1alpha1.TrafficTarget{ObjectMeta: meta()}
	for _, c := range clusters {
		ct.Spec.Clusters = append(ct.Spec.Clusters, convoyv1alpha1.ClusterCapacityTarget{Name: c, Percent: 0})
		tt.Spec.Clusters = append(tt.Spec.Clusters, convoyv1alpha1.ClusterTrafficTarget{Name: c, Weight: 0})
	}
	return []client.Object{it, ct, tt}
}

// valuesOf decodes Helm values.
func valuesOf(v *apiextensionsv1.JSON) map[string]any {
	if v == nil {
		return nil
	}
	var values map[string]any
	_ = json.Unmarshal(v.Raw, &values) // the CRD guarantees an object
	return values
}
