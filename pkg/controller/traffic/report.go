package traffic

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
)

// ReasonNotManaged: the release has no traffic section.
const ReasonNotManaged = "TrafficNotManaged"

// report writes a target's status from the hostname's publication: per
// cluster the weight desired and the weight served, Ready once served for
// a TTL. It returns how soon to look again, zero for no hurry.
func (r *Reconciler) report(log logr.Logger, t *target, g *hostGroup, pub *publication) time.Duration {
	tt := t.tt
	gen := tt.Generation
	now := r.now()
	previous := conditions.ByCluster(tt.Status.Clusters, func(s *convoyv1alpha1.ClusterTrafficStatus) *convoyv1alpha1.ClusterConditions {
		return &s.ClusterConditions
	})
	tt.Status.Clusters = nil
	var k tally
	for _, c := range tt.Spec.Clusters {
		id := setIdentifier(c.Name, t.rel.Name)
		st := convoyv1alpha1.ClusterTrafficStatus{
			ClusterConditions: convoyv1alpha1.ClusterConditions{Name: c.Name, Conditions: previous[c.Name]},
			DesiredWeight:     pub.desired[id],
			PublishedWeight:   publishedWeight(t.before, c.Name),
		}
		if pub.served {
			st.PublishedWeight = servedWeight(pub.records, id)
		}
		v := clusterState(id, st, pub, now, g.hostname)
		if t.route != nil {
			// DNS in effect is not enough: the cluster's HTTPRoute must
			// serve the same weights.
			var rv verdict
			if st.Route, rv = t.route.routeVerdict(c.Name, t.rel.Name); v.reason == ReasonPublished && !rv.ok() {
				v = rv
			}
		}
		if v.reason == ReasonWaitingForTTL {
			k.after = sooner(k.after, pub.since.Add(pub.ttl).Sub(now)+time.Second/10)
		}
		r.failover(log.WithValues("release", t.rel.Name, "cluster", c.Name), t, c.Name, st, v)
		k.add(&st, gen, v, v.reason == ReasonPublished)
		tt.Status.Clusters = append(tt.Status.Clusters, st)
	}
	k.mark(tt, ReasonPublished, fmt.Sprintf("weights of %s served in %d/%d clusters", g.hostname, len(tt.Spec.Clusters), len(tt.Spec.Clusters)))
	return k.after
}

// reportRoute writes the status of a target with gateway traffic and no
// DNS: per cluster the weight desired and the weight its HTTPRoute serves,
// Ready once the route is served in every cluster.
func (r *Reconciler) reportRoute(t *target) time.Duration {
	tt := t.tt
	gen := tt.Generation
	previous := conditions.ByCluster(tt.Status.Clusters, func(s *convoyv1alpha1.ClusterTrafficStatus) *convoyv1alpha1.ClusterConditions {
		return &s.ClusterConditions
	})
	tt.Status.Clusters = nil
	var k tally
	route := t.rel.Spec.Environment.Traffic.Gateway.HTTPRoute
	for _, c := range tt.Spec.Clusters {
		st := convoyv1alpha1.ClusterTrafficStatus{
			ClusterConditions: convoyv1alpha1.ClusterConditions{Name: c.Name, Conditions: previous[c.Name]},
			PublishedWeight:   publishedWeight(t.before, c.Name),
		}
		st.DesiredWeight = t.route.desired[setIdentifier(c.Name, t.rel.Name)]
		var v verdict
		switch st.Route, v = t.route.routeVerdict(c.Name, t.rel.Name); {
		case !v.ok():
		case st.Route.Generation == 0:
			st.PublishedWeight = 0
			v = verdict{reason: ReasonRouteServed, message: fmt.Sprintf("weight 0: there is no HTTPRoute %s in the cluster", route)}
		default:
			st.PublishedWeight = st.Route.Weight
			v = verdict{reason: ReasonRouteServed, message: fmt.Sprintf("weight %d served by HTTPRoute %s generation %d", st.Route.Weight, route, st.Route.Generation)}
		}
		k.add(&st, gen, v, v.reason == ReasonRouteServed)
		tt.Status.Clusters = append(tt.Status.Clusters, st)
	}
	k.mark(tt, ReasonRouteServed, fmt.Sprintf("weights served by HTTPRoute %s in %d/%d clusters", route, len(tt.Spec.Clusters), len(tt.Spec.Clusters)))
	return k.after
}

// tally sums up a target's clusters into its conditions.
type tally struct {
	pending []string
	reason  string
	stalled bool
	after   time.Duration
}

// add sets a cluster's Ready condition from its verdict and counts it.
func (k *tally) add(st *convoyv1alpha1.ClusterTrafficStatus, gen int64, v verdict, ready bool) {
	status := metav1.ConditionTrue
	if !ready {
		status = metav1.ConditionFalse
		if !slices.Contains(k.pending, v.message) {
			k.pending = append(k.pending, v.message)
		}
		if k.reason == "" {
			k.reason = v.reason
		}
		k.stalled = k.stalled || v.stalled
		k.after = sooner(k.after, recheck)
	}
	conditions.Set(&st.Conditions, gen, convoyv1alpha1.ConditionReady, status, v.reason, v.message)
}

// mark sets the target's conditions: Ready with readyReason when every
// cluster is, Stalled or Reconciling with the first reason otherwise.
func (k *tally) mark(tt *convoyv1alpha1.TrafficTarget, readyReason, readyMessage string) {
	switch {
	case len(k.pending) == 0:
		conditions.MarkReady(&tt.Status.Conditions, tt.Generation, readyReason, readyMessage)
	case k.stalled:
		conditions.MarkStalled(&tt.Status.Conditions, tt.Generation, k.reason, strings.Join(k.pending, "; "))
	default:
		conditions.MarkReconciling(&tt.Status.Conditions, tt.Generation, k.reason, strings.Join(k.pending, "; "))
	}
}

// clusterState says whether a cluster's weight is in effect, or why not:
// the hostname cannot be published, the endpoint may not carry the weight
// its step asks for, the servers do not serve it yet, or resolvers may
// still hold the previous answers.
func clusterState(id string, st convoyv1alpha1.ClusterTrafficStatus, pub *publication, now time.Time, hostname string) verdict {
	switch v := pub.verdicts[id]; {
	case pub.problem.stalled:
		return pub.problem
	case !v.ok():
		return v
	case pub.records == nil && pub.problem.reason == ReasonKeepingLastGood && st.DesiredWeight == 0:
		// Nothing was ever published and nothing is asked: a release that
		// brings a new hostname, at a step with no traffic yet.
		return verdict{reason: ReasonPublished, message: fmt.Sprintf("weight 0: nothing is published for %s yet", hostname)}
	case !pub.served && !pub.problem.ok():
		return pub.problem
	case !pub.served:
		return verdict{reason: ReasonPublishing, message: fmt.Sprintf("waiting for %s to serve generation %d of %s", strings.Join(pub.missing, ", "), pub.records.Generation, hostname)}
	case st.PublishedWeight != st.DesiredWeight:
		if !pub.problem.ok() {
			return pub.problem
		}
		return verdict{reason: ReasonPublishing, message: fmt.Sprintf("weight %d desired, %d served", st.DesiredWeight, st.PublishedWeight)}
	case now.Before(pub.since.Add(pub.ttl)):
		return verdict{reason: ReasonWaitingForTTL, message: fmt.Sprintf("weight %d served since %s; resolvers may hold the previous answers for the %s TTL",
			st.PublishedWeight, pub.since.UTC().Format(time.RFC3339), pub.ttl)}
	}
	return verdict{reason: ReasonPublished, message: fmt.Sprintf("weight %d of %d served", st.PublishedWeight, total(pub.records))}
}

// servedWeight is a record's weight in the record set, 0 when it has none.
func servedWeight(rs *convoyv1alpha1.DNSRecordSet, id string) int32 {
	for _, rec := range rs.Spec.Records {
		if rec.SetIdentifier == id {
			return rec.Weight
		}
	}
	return 0
}

func total(rs *convoyv1alpha1.DNSRecordSet) int32 {
	var sum int32
	for _, rec := range rs.Spec.Records {
		sum += rec.Weight
	}
	return sum
}

// failover tells, with an event, when a cluster serving the release's
// traffic loses its weight to the release's other clusters, and when it
// gets it back.
func (r *Reconciler) failover(log logr.Logger, t *target, cluster string, st convoyv1alpha1.ClusterTrafficStatus, v verdict) {
	before := int32(0)
	for _, old := range t.before.Status.Clusters {
		if old.Name == cluster {
			before = old.DesiredWeight
		}
	}
	switch {
	case before > 0 && st.DesiredWeight == 0 && v.reason != ReasonPublished && v.reason != ReasonPublishing && v.reason != ReasonWaitingForTTL:
		log.Info("failover: the cluster lost its DNS weight", "weight", before, "reason", v.reason, "message", v.message)
		if r.Recorder != nil {
			r.Recorder.Eventf(t.tt, nil, corev1.EventTypeWarning, "Failover", "PublishWeights",
				"cluster %s lost its DNS weight %d, which moves to the release's healthy clusters: %s", cluster, before, v.message)
		}
	case before == 0 && st.DesiredWeight > 0 && publishedWeight(t.before, cluster) == 0 && len(t.before.Status.Clusters) > 0:
		log.Info("the cluster gets DNS weight", "weight", st.DesiredWeight)
		if r.Recorder != nil {
			r.Recorder.Eventf(t.tt, nil, corev1.EventTypeNormal, "WeightAssigned", "PublishWeights",
				"cluster %s gets DNS weight %d", cluster, st.DesiredWeight)
		}
	}
}

// reportUnmanaged marks the target of a release without a traffic
// section achieved: convoy moves its capacity only.
func reportUnmanaged(t *target) {
	tt := t.tt
	previous := conditions.ByCluster(tt.Status.Clusters, func(s *convoyv1alpha1.ClusterTrafficStatus) *convoyv1alpha1.ClusterConditions {
		return &s.ClusterConditions
	})
	tt.Status.Clusters = nil
	message := "the release has no traffic section: convoy moves its capacity only"
	for _, c := range tt.Spec.Clusters {
		st := convoyv1alpha1.ClusterTrafficStatus{
			ClusterConditions: convoyv1alpha1.ClusterConditions{Name: c.Name, Conditions: previous[c.Name]},
			DesiredWeight:     c.Weight,
		}
		conditions.Set(&st.Conditions, tt.Generation, convoyv1alpha1.ConditionReady, metav1.ConditionTrue, ReasonNotManaged, message)
		tt.Status.Clusters = append(tt.Status.Clusters, st)
	}
	conditions.MarkReady(&tt.Status.Conditions, tt.Generation, ReasonNotManaged, message)
}
