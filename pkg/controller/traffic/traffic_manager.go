package traffic

import (
	"context"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

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
// server's lease coming, going or changing zones reconciles every
// application with records.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	ctx := context.Background()
	if err := mgr.GetFieldIndexer().IndexField(ctx, &convoyv1alpha1.TrafficTarget{}, nameIndex,
		func(o client.Object) []string { return []string{o.GetName()} }); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &convoyv1alpha1.DNSRecordSet{}, dnsrecords.HostnameIndex, dnsrecords.IndexHostname); err != nil {
		return err
	}
	changes := make(chan event.GenericEvent, 1024)
	r.Clusters.OnChange(func(_ string, obj client.Object) {
		if _, ok := obj.(*corev1.Service); !ok || obj.GetLabels()[convoyv1alpha1.LabelRelease] == "" {
			return
		}
		select {
		case changes <- event.GenericEvent{Object: obj}:
		default: // never block an informer; the periodic recheck catches up
		}
	})
	byApplication := handler.EnqueueRequestsFromMapFunc(applicationOf)
	return ctrl.NewControllerManagedBy(mgr).
		Named("traffic").
		WithLogConstructor(logging.Constructor(mgr, "traffic", "application")).
		Watches(&convoyv1alpha1.TrafficTarget{}, byApplication).
		Watches(&convoyv1alpha1.CapacityTarget{}, byApplication).
		Watches(&convoyv1alpha1.DNSRecordSet{}, byApplication).
		Watches(&coordinationv1.Lease{}, handler.EnqueueRequestsFromMapFunc(r.applicationsWithRecords)).
		WatchesRawSource(source.Channel(changes, handler.EnqueueRequestsFromMapFunc(r.applicationOfRelease))).
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

// applicationsWithRecords maps a DNS server's lease to every application
// that publishes records.
func (r *Reconciler) applicationsWithRecords(ctx context.Context, lease client.Object) []reconcile.Request {
	if _, ok := lease.GetLabels()[convoyv1alpha1.LabelDNSServer]; !ok {
		return nil
	}
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
