package installation

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
)

// summarize writes each cluster's result and the target's conditions:
// Ready when every cluster is installed, otherwise the clusters that are
// not and why. It reports whether every cluster is installed.
func summarize(it *convoyv1alpha1.InstallationTarget, results map[string]clusterResult) (installed bool) {
	gen := it.Generation
	previous := conditions.ByCluster(it.Status.Clusters, func(s *convoyv1alpha1.ClusterInstallationStatus) *convoyv1alpha1.ClusterConditions {
		return &s.ClusterConditions
	})
	it.Status.Clusters = nil
	var pending []string
	for _, name := range it.Spec.Clusters {
		res := results[name]
		st := convoyv1alpha1.ClusterInstallationStatus{
			// Starting from the previous conditions keeps their transition
			// times, so an unchanged cluster leaves the status unchanged.
			ClusterConditions: convoyv1alpha1.ClusterConditions{Name: name, Conditions: previous[name]},
			Objects:           int32(res.objects),
		}
		status := metav1.ConditionFalse
		if res.reason == ReasonInstalled {
			status = metav1.ConditionTrue
		} else {
			pending = append(pending, fmt.Sprintf("%s: %s", name, res.message))
		}
		conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionReady, status, res.reason, res.message)
		it.Status.Clusters = append(it.Status.Clusters, st)
	}
	slices.Sort(pending)
	if len(pending) == 0 {
		conditions.MarkReady(&it.Status.Conditions, gen, ReasonInstalled, fmt.Sprintf("installed in %d clusters", len(it.Spec.Clusters)))
		return true
	}
	conditions.MarkReconciling(&it.Status.Conditions, gen, "ClustersNotReady",
		fmt.Sprintf("%d of %d clusters not installed: %s", len(pending), len(it.Spec.Clusters), strings.Join(pending, "; ")))
	return false
}
