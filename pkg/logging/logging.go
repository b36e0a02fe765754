// Package logging gives the lines convoy's controllers log the keys people
// search by: the object's namespace and name, and what the name is (a
// release, an application, a cluster), besides the keys each line adds
// (the cluster, the step).
package logging

import (
	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Constructor is a controller's LogConstructor: every line of a
// reconcile carries namespace, name and kind=name (kind such as "release").
func Constructor(mgr ctrl.Manager, controller, kind string) func(*reconcile.Request) logr.Logger {
	base := mgr.GetLogger().WithValues("controller", controller)
	return func(req *reconcile.Request) logr.Logger {
		if req == nil {
			return base
		}
		l := base.WithValues("namespace", req.Namespace, "name", req.Name)
		if kind != "" {
			l = l.WithValues(kind, req.Name)
		}
		return l
	}
}
