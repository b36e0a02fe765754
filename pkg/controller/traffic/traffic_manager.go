package traffic

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/dnsrecords"
	"github.com/convoy-rollouts/convoy/pkg/logging"
	"github.com/convoy-rollouts/convoy/pkg/shard"
)

// nameIndex indexes TrafficTargets by name: a Service in an application
// cluster tells its release's name, which is its target's.
const nameIndex = "metadata.name"

// SetupWithManager registers the reconciler. Its requests name
// Applications: every change to one of an application's traffic or
// capacity targets or record sets, and to a release's Service in any
// application cluster, reconciles the application's traffic; a DNS
// server coming, going (its lease lapsing) or changing zones reconciles
// every application with records; its renewals reconcile nothing.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	ctx := context.Background()
	if err := mgr.GetFieldIndexer().IndexField(ctx, &convoyv1alpha1.TrafficTarget{}, nameIndex,
		func(o client.Object) []string { return []string{o.GetName()} }); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &convoyv1alpha1.DNSRecordSet{}, dnsrecords.HostnameIndex, dnsrecords.IndexHostname); err != nil {
		return err
	}
	releaseService := func(_, obj client.Object) bool {
		_, ok := obj.(*corev1.Service)
		return ok && obj.GetLabels()[convoyv1alpha1.LabelRelease] != ""
	}
	byApplication := handler.EnqueueRequestsFromMapFunc(applicationOf)
	return ctrl.NewControllerManagedBy(mgr).
		Named("traffic").
		WithLogConstructor(logging.Constructor(mgr, "traffic", "application")).
		Watches(&convoyv1alpha1.TrafficTarget{}, byApplication).
		Watches(&convoyv1alpha1.CapacityTarget{}, byApplication).
		Watches(&convoyv1alpha1.DNSRecordSet{}, byApplication).
		WatchesRawSource(r.serverChanges(mgr.GetCache())).
		WatchesRawSource(r.Clusters.Changes(releaseService, r.applicationOfRelease)).
		Complete(shard.Reconciler(mgr, &convoyv1alpha1.Application{}, r))
}

// applicationOf maps a convoy object to its Application.
func applicationOf(_ context.Context, obj client.Object) []reconcile.Request {
	app := obj.GetLabels()[convoyv1alpha1.LabelApplication]
	if app == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: obj.GetNamespace(), Name: app}}}
}

// applicationOfRelease maps an object in an application cluster to the
// Application of its release's traffic target.
func (r *Reconciler) applicationOfRelease(ctx context.Context, obj client.Object) []reconcile.Request {
	list := &convoyv1alpha1.TrafficTargetList{}
	if err := r.List(ctx, list, client.MatchingFields{nameIndex: obj.GetLabels()[convoyv1alpha1.LabelRelease]}); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		reqs = append(reqs, applicationOf(ctx, &list.Items[i])...)
	}
	return reqs
}

// applicationsWithRecords are the applications that publish records.
func (r *Reconciler) applicationsWithRecords(ctx context.Context) []reconcile.Request {
	list := &convoyv1alpha1.DNSRecordSetList{}
	if err := r.List(ctx, list); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		reqs = append(reqs, applicationOf(ctx, &list.Items[i])...)
	}
	return reqs
}
