// Package shard splits convoy's reconciling between several managers
// (convoy-manager --shards M --shard I), each a leader-elected pair, so that
// more applications than one manager can drive are rolled out at once.
//
// # The rule
//
// An Application belongs to shard Assign(namespace, name, M): the FNV-1a
// 64-bit hash of "namespace/name", modulo M. Everything the Application owns
// goes with it: its Releases, their InstallationTargets, CapacityTargets and
// TrafficTargets, its DNSRecordSets (and DNSEndpoints), and the objects
// those install in application clusters. Each of those carries the
// Application's name in the convoy.dev/application label
// (convoyv1alpha1.LabelApplication) in the Application's namespace, which is
// how a shard tells its own (ApplicationOf). The hash is part of convoy's
// contract between versions: managers of two versions side by side during
// an upgrade must agree on every assignment, so it must never change
// (golden values in the tests break if it does).
//
// # What has no application
//
// Some work belongs to no application, and shard 0 alone does it (Global):
//   - the cluster controller, which probes every application cluster and
//     writes Cluster status, which every shard reads from its cache;
//   - RolloutBlock status (which Applications override a block), computed
//     over every Application a block applies to, whatever their shard.
//
// Any object of a sharded kind that names no application (none is made
// without the label; this is a guard) is shard 0's too, so it is
// reconciled exactly once.
//
// DNSRecordSets are named by hostname and several applications may claim a
// hostname, but each record set is written by its own application only
// (it carries the label), and which set owns a contested hostname is
// decided by dnsrecords.Owner from the sets alone (oldest first), which
// every shard reads from a cache of all of them. So a shard writes only its
// own applications' sets, and shards agree on conflicts without talking to
// each other. The DNS server (dnsfeed), which runs in every replica of every
// shard, is not sharded: it reads every record set and answers for all.
//
// # How it is applied
//
// Filtering happens where requests are reconciled, not where events
// arrive: besides For, Owns and Watches, controllers enqueue from custom
// sources (changes in application clusters, pkg/clusters OnChange) and map
// objects that name no application (a Cluster, a RolloutBlock, a DNS
// server's Lease) to the applications they affect. A filter on the
// requests covers all of them in one place. Every controller's Complete
// wraps its reconciler with Reconciler, given the manager that pkg/manager
// wrapped with WithManager; a request for another shard's object is
// dropped before the reconciler sees it (read from the cache when the
// request names a release-level object, whose label says its application).
// Events are not filtered at their source: shard 0's RolloutBlock status
// watches every Application, and a mapping may fan one event out to other
// applications, so only the request says whose work it is.
// Each shard's caches still hold every object: sharding divides the
// reconciling, not the memory of the informers.
package shard

import (
	"context"
	"fmt"
	"hash/fnv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Assign is the shard, of shards, that the Application namespace/name
// belongs to: FNV-1a 64 of "namespace/name", modulo shards. It must never
// change (see the package doc). shards below 2 means one shard, 0.
func Assign(namespace, application string, shards int) int {
	if shards < 2 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(namespace + "/" + application))
	return int(h.Sum64() % uint64(shards))
}

// Shard is one manager's part of the work: shard Index of Count. The zero
// value, like Count 1, is one shard doing everything.
type Shard struct {
	Index, Count int
}

// Validate names what is wrong with a shard's flags.
func (s Shard) Validate() error {
	if s.Count < 1 {
		return fmt.Errorf("--shards: must be at least 1, got %d", s.Count)
	}
	if s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("--shard: must be between 0 and %d (--shards %d, counting from 0), got %d", s.Count-1, s.Count, s.Index)
	}
	return nil
}

// Sharded says whether the work is divided at all.
func (s Shard) Sharded() bool { return s.Count > 1 }

// Owns says whether the Application namespace/application is this shard's.
func (s Shard) Owns(namespace, application string) bool {
	return Assign(namespace, application, s.Count) == s.Index
}

// Global says whether this shard does the work that belongs to no
// application (see the package doc): shard 0 does.
func (s Shard) Global() bool { return s.Index == 0 }

// LeaseName is the shard's leader-election Lease: id itself with one shard,
// so an unsharded manager keeps the Lease it always had, and
// id-shard-<Index> with several, so each shard elects its own leader.
func (s Shard) LeaseName(id string) string {
	if !s.Sharded() {
		return id
	}
	return fmt.Sprintf("%s-shard-%d", id, s.Index)
}

// ApplicationOf is the Application obj is, or belongs to by its
// convoy.dev/application label, in obj's namespace; false when it names
// none (a Cluster, a RolloutBlock, a Lease).
func ApplicationOf(obj client.Object) (client.ObjectKey, bool) {
	if _, ok := obj.(*convoyv1alpha1.Application); ok {
		return client.ObjectKeyFromObject(obj), true
	}
	if app := obj.GetLabels()[convoyv1alpha1.LabelApplication]; app != "" && obj.GetNamespace() != "" {
		return client.ObjectKey{Namespace: obj.GetNamespace(), Name: app}, true
	}
	return client.ObjectKey{}, false
}

// Reconciles says whether this shard reconciles obj: its application's
// shard does, and shard 0 does what names no application.
func (s Shard) Reconciles(obj client.Object) bool {
	if !s.Sharded() {
		return true
	}
	app, ok := ApplicationOf(obj)
	if !ok {
		return s.Global()
	}
	return s.Owns(app.Namespace, app.Name)
}

// sharded is a manager that knows its shard (WithManager).
type sharded struct {
	ctrl.Manager
	shard Shard
}

// WithManager is mgr, telling the controllers set up with it (Reconciler)
// which shard they run in.
func WithManager(mgr ctrl.Manager, s Shard) ctrl.Manager {
	return sharded{Manager: mgr, shard: s}
}

// Of is the shard mgr runs (WithManager); one shard of one when it was not
// given any.
func Of(mgr ctrl.Manager) Shard {
	if s, ok := mgr.(sharded); ok {
		return s.shard
	}
	return Shard{Count: 1}
}

// Reconciler is r, reconciling only this shard's requests when mgr is
// sharded (WithManager). kind is what the controller's requests name: an
// Application's requests are assigned by their own key; any other kind is
// read from the manager's cache for its convoy.dev/application label. A
// request for an object the cache no longer holds is dropped: there is
// nothing left for r to do, and if it comes back its event brings it to
// its own shard.
func Reconciler(mgr ctrl.Manager, kind client.Object, r reconcile.Reconciler) reconcile.Reconciler {
	s := Of(mgr)
	if !s.Sharded() {
		return r
	}
	if _, ok := kind.(*convoyv1alpha1.Application); ok {
		return reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
			if !s.Owns(req.Namespace, req.Name) {
				return reconcile.Result{}, nil
			}
			return r.Reconcile(ctx, req)
		})
	}
	reader := mgr.GetClient()
	return reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
		obj := kind.DeepCopyObject().(client.Object)
		if err := reader.Get(ctx, req.NamespacedName, obj); err != nil {
			if apierrors.IsNotFound(err) {
				return reconcile.Result{}, nil
			}
			return reconcile.Result{}, fmt.Errorf("reading %T %s for its shard: %w", kind, req.NamespacedName, err)
		}
		if !s.Reconciles(obj) {
			return reconcile.Result{}, nil
		}
		return r.Reconcile(ctx, req)
	})
}
