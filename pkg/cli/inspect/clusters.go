package inspect

import (
	"cmp"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
)

// ClusterView is one cluster of a rollout: each release's replicas and DNS
// weight there, and the cluster's health.
type ClusterView struct {
	Name string `json:"name"`
	// Region is the Cluster's region; empty when the Cluster is gone.
	Region string `json:"region"`
	// Contender and Incumbent are nil when that release does not run in
	// this cluster.
	Contender *ClusterReleaseView `json:"contender,omitempty"`
	Incumbent *ClusterReleaseView `json:"incumbent,omitempty"`
	Health    HealthView          `json:"health"`
}

// ClusterReleaseView is one release in one cluster, as its targets report.
// A target that has not reported on the cluster yet counts as zero.
type ClusterReleaseView struct {
	Replicas Replicas `json:"replicas"`
	// Weight is nil when convoy does not manage the release's traffic.
	Weight *Weight `json:"weight,omitempty"`
}

// Replicas are a release's pods in a cluster.
type Replicas struct {
	Available int32 `json:"available"`
	Desired   int32 `json:"desired"`
}

// Weight is a release's DNS weight in a cluster: the one asked for (after
// health gating) and the one DNS serves now.
type Weight struct {
	Desired   int32 `json:"desired"`
	Published int32 `json:"published"`
}

// HealthView is a cluster's health: the first target, of the contender's
// capacity and traffic and then the incumbent's, whose Ready condition for
// the cluster is not True.
type HealthView struct {
	Ready bool `json:"ready"`
	// Reason is that condition's reason, "Ready" when all are.
	Reason  string `json:"reason"`
	Message string `json:"message,omitempty"`
	// Target names the target that is not ready, such as "contender
	// capacity".
	Target string `json:"target,omitempty"`
}

// reasonPending stands for a Ready condition a target has not written for
// a cluster yet, such as right after the release was scheduled.
const reasonPending = "Pending"

func clusterViews(r *kube.Rollout) []ClusterView {
	contender, incumbent := clustersOf(r.Contender), clustersOf(r.Incumbent)
	var names []string
	for _, set := range []map[string]bool{contender, incumbent} {
		for name := range set {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	views := make([]ClusterView, 0, len(names))
	for _, name := range names {
		v := ClusterView{Name: name}
		if c := r.Clusters[name]; c != nil {
			v.Region = c.Spec.Region
		}
		if contender[name] {
			v.Contender = clusterRelease(r.Contender, name)
		}
		if incumbent[name] {
			v.Incumbent = clusterRelease(r.Incumbent, name)
		}
		v.Health = health(name, []roleTargets{
			{"contender", r.Contender, contender[name]},
			{"incumbent", r.Incumbent, incumbent[name]},
		})
		views = append(views, v)
	}
	slices.SortFunc(views, func(a, b ClusterView) int {
		return cmp.Or(cmp.Compare(a.Region, b.Region), cmp.Compare(a.Name, b.Name))
	})
	return views
}

// clustersOf is every cluster a release's targets name, in spec or status:
// a target's spec may lag its siblings' for a moment after scheduling.
func clustersOf(rel *kube.Release) map[string]bool {
	set := map[string]bool{}
	if rel == nil {
		return set
	}
	if it := rel.Installation; it != nil {
		for _, c := range it.Spec.Clusters {
			set[c] = true
		}
	}
	if ct := rel.Capacity; ct != nil {
		for _, c := range ct.Spec.Clusters {
			set[c.Name] = true
		}
		for _, c := range ct.Status.Clusters {
			set[c.Name] = true
		}
	}
	if tt := rel.Traffic; tt != nil {
		for _, c := range tt.Spec.Clusters {
			set[c.Name] = true
		}
		for _, c := range tt.Status.Clusters {
			set[c.Name] = true
		}
	}
	return set
}

func clusterRelease(rel *kube.Release, cluster string) *ClusterReleaseView {
	v := &ClusterReleaseView{}
	if s := capacityStatus(rel, cluster); s != nil {
		v.Replicas = Replicas{Available: s.AvailableReplicas, Desired: s.DesiredReplicas}
	}
	if rel.Spec.Environment.Traffic != nil {
		v.Weight = &Weight{}
		if s := trafficStatus(rel, cluster); s != nil {
			v.Weight.Desired, v.Weight.Published = s.DesiredWeight, s.PublishedWeight
		}
	}
	return v
}

func capacityStatus(rel *kube.Release, cluster string) *convoyv1alpha1.ClusterCapacityStatus {
	if rel.Capacity == nil {
		return nil
	}
	return find(rel.Capacity.Status.Clusters, func(s *convoyv1alpha1.ClusterCapacityStatus) bool { return s.Name == cluster })
}

func trafficStatus(rel *kube.Release, cluster string) *convoyv1alpha1.ClusterTrafficStatus {
	if rel.Traffic == nil {
		return nil
	}
	return find(rel.Traffic.Status.Clusters, func(s *convoyv1alpha1.ClusterTrafficStatus) bool { return s.Name == cluster })
}

func find[T any](items []T, match func(*T) bool) *T {
	for i := range items {
		if match(&items[i]) {
			return &items[i]
		}
	}
	return nil
}

// roleTargets is a release in its role, and whether it runs in the cluster
// being judged.
type roleTargets struct {
	role   string
	rel    *kube.Release
	placed bool
}

// health judges a cluster by the Ready conditions its releases' capacity
// and traffic targets report for it, contender first: the contender is
// what a person watching a rollout acts on.
func health(cluster string, roles []roleTargets) HealthView {
	for _, rt := range roles {
		if rt.rel == nil || !rt.placed {
			continue
		}
		var capacity, traffic *convoyv1alpha1.ClusterConditions
		if s := capacityStatus(rt.rel, cluster); s != nil {
			capacity = &s.ClusterConditions
		}
		if s := trafficStatus(rt.rel, cluster); s != nil {
			traffic = &s.ClusterConditions
		}
		for _, t := range []struct {
			kind  string
			conds *convoyv1alpha1.ClusterConditions
		}{{"capacity", capacity}, {"traffic", traffic}} {
			target := rt.role + " " + t.kind
			if t.conds == nil {
				return HealthView{Reason: reasonPending, Message: "the " + target + " target has not reported on this cluster yet", Target: target}
			}
			ready := meta.FindStatusCondition(t.conds.Conditions, convoyv1alpha1.ConditionReady)
			switch {
			case ready == nil:
				return HealthView{Reason: reasonPending, Message: "the " + target + " target has not judged this cluster yet", Target: target}
			case ready.Status != metav1.ConditionTrue:
				return HealthView{Reason: ready.Reason, Message: ready.Message, Target: target}
			}
		}
	}
	return HealthView{Ready: true, Reason: convoyv1alpha1.ConditionReady}
}
