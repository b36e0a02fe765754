package installation

import (
	"context"
	"encoding/base64"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/tenancy"
)

// ReasonDriftCorrected is the event reason of an object restored after a
// change made in an application cluster by someone other than convoy.
const ReasonDriftCorrected = "DriftCorrected"

// Installed are the kinds a release commonly installs, those the tenant
// role of convoy tenants grant may write (pkg/clusterjoin). They are
// watched in every cluster through the cluster caches, as convoy's agent,
// filtered to convoy's objects, so that an edit or a deletion is corrected
// as soon as it happens. Other kinds are installed all the same, read from
// the API server as the release's ServiceAccount, and corrected on the
// periodic resync. Secrets are such a kind: the agent may not read Secrets
// (docs/security.md), so a changed Secret is corrected on the resync.
var Installed = []client.Object{
	&corev1.ConfigMap{}, &corev1.Service{}, &corev1.ServiceAccount{}, &corev1.PersistentVolumeClaim{},
	&appsv1.Deployment{}, &appsv1.StatefulSet{}, &appsv1.DaemonSet{},
	&batchv1.Job{}, &batchv1.CronJob{},
	&networkingv1.Ingress{}, &networkingv1.NetworkPolicy{},
	&policyv1.PodDisruptionBudget{}, &autoscalingv2.HorizontalPodAutoscaler{},
}

// installedGVKs are the group, version and kind of each Installed type: an
// object of another version of one of them (autoscaling/v1, say) is read
// from the API server, in its own version.
var installedGVKs = func() map[schema.GroupVersionKind]bool {
	gvks := map[schema.GroupVersionKind]bool{}
	for _, obj := range Installed {
		gvk, err := apiutil.GVKForObject(obj, clientgoscheme.Scheme)
		if err != nil {
			panic(err) // a built-in type the client-go scheme does not know: a programming error
		}
		gvks[gvk] = true
	}
	return gvks
}()

// installedObject tells the objects a release installed, owned by an
// anchor, and anchors themselves, from everything else convoy watches
// (Pods, ReplicaSets' objects).
func installedObject(obj client.Object) bool {
	if obj.GetLabels()[convoyv1alpha1.LabelRelease] == "" {
		return false
	}
	if obj.GetLabels()[convoyv1alpha1.LabelAnchor] == "true" {
		return true
	}
	return slices.ContainsFunc(obj.GetOwnerReferences(), tenancy.IsAnchorRef)
}

// drifted keeps the changes to installed objects that may be drift: a new
// or deleted object, or a change to anything but its status. A
// Deployment's status changes with every pod that starts, and drift
// correction has nothing to do with it.
func drifted(old, obj client.Object) bool {
	if !installedObject(obj) {
		return false
	}
	if old == nil || obj.GetGeneration() == 0 {
		return true // added, deleted, or a kind with no generation (a ConfigMap's data)
	}
	return old.GetGeneration() != obj.GetGeneration() || !maps.Equal(old.GetLabels(), obj.GetLabels()) ||
		!maps.Equal(old.GetAnnotations(), obj.GetAnnotations()) || !slices.EqualFunc(old.GetOwnerReferences(), obj.GetOwnerReferences(),
		func(a, b metav1.OwnerReference) bool { return a.UID == b.UID })
}

// targetsOf maps an object a release installed in an application cluster
// to the release's InstallationTarget, named after the release, in the
// namespace of the object's owner.
func (r *Reconciler) targetsOf(ctx context.Context, obj client.Object) []reconcile.Request {
	owner := tenancy.OwnerOf(obj)
	list := &convoyv1alpha1.InstallationTargetList{}
	if err := r.List(ctx, list, client.InNamespace(owner.Namespace), client.MatchingFields{nameIndex: owner.Release}); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}

// driftCorrected logs an object changed in the cluster and restored, and
// keeps it for the cluster's event.
func (ci *clusterInstall) driftCorrected(ctx context.Context, live *unstructured.Unstructured) {
	ctrl.LoggerFrom(ctx).Info("drift corrected", "cluster", ci.cluster, "object", describe(live))
	ci.corrected = append(ci.corrected, describe(live))
}

// reportDrift tells, in one event per cluster and reconcile, which objects
// were changed there and applied again. (Events of one reason on one object
// are folded into a series that keeps the first note: one per object would
// hide all but the first.)
func (ci *clusterInstall) reportDrift() {
	if len(ci.corrected) == 0 {
		return
	}
	ci.Recorder.Eventf(ci.it, nil, corev1.EventTypeNormal, ReasonDriftCorrected, "Apply",
		"cluster %s: %s changed there, applied again", ci.cluster, strings.Join(ci.corrected, ", "))
}

// inSync reports whether the live object still holds everything the
// installer applies: each label, annotation and owner reference, and each
// field outside metadata and status, value for value. Fields that others
// added are theirs, as server-side apply has it. A value the API server
// stores in another form than the chart wrote it reads as drift; the apply
// that follows then changes nothing, and makes no event, so nothing loops.
func inSync(live, want *unstructured.Unstructured) bool {
	want = foldStringData(want)
	meta, _ := want.Object["metadata"].(map[string]any)
	liveMeta, _ := live.Object["metadata"].(map[string]any)
	for _, field := range []string{"labels", "annotations", "ownerReferences"} {
		if !covers(liveMeta[field], meta[field], false) {
			return false
		}
	}
	for field, value := range want.Object {
		switch field {
		case "apiVersion", "kind", "metadata", "status":
			continue
		}
		if !covers(live.Object[field], value, false) {
			return false
		}
	}
	return true
}

// foldStringData writes a Secret's stringData into its data, as the API
// server stores it.
func foldStringData(obj *unstructured.Unstructured) *unstructured.Unstructured {
	strs, ok, _ := unstructured.NestedStringMap(obj.Object, "stringData")
	if !ok || obj.GetKind() != "Secret" {
		return obj
	}
	obj = obj.DeepCopy()
	data, _, _ := unstructured.NestedMap(obj.Object, "data")
	if data == nil {
		data = map[string]any{}
	}
	for k, v := range strs {
		data[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	obj.Object["data"] = data
	delete(obj.Object, "stringData")
	return obj
}

// covers reports whether live holds want: maps key by key, lists element
// by element at equal length, numbers by value, and the values of a map
// of quantities (under "limits" or "requests") by amount. A field want
// leaves empty may be absent from live, as the API server drops empty
// fields.
func covers(live, want any, quantities bool) bool {
	switch w := want.(type) {
	case nil:
		return true
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return live == nil && empty(w)
		}
		for k, wv := range w {
			lv, present := l[k]
			if !present {
				if !empty(wv) {
					return false
				}
				continue
			}
			if quantities && sameQuantity(lv, wv) {
				continue
			}
			if !covers(lv, wv, k == "limits" || k == "requests") {
				return false
			}
		}
		return true
	case []any:
		l, ok := live.([]any)
		if !ok {
			return live == nil && len(w) == 0
		}
		if len(l) != len(w) {
			return false
		}
		for i := range w {
			if !covers(l[i], w[i], false) {
				return false
			}
		}
		return true
	}
	if wn, ok := number(want); ok {
		ln, ok := number(live)
		return ok && ln == wn
	}
	if live == nil {
		return empty(want)
	}
	return reflect.DeepEqual(live, want)
}

// sameQuantity reports whether two values are the same resource quantity,
// however written: 0.5 and "500m", 1 and "1".
func sameQuantity(live, want any) bool {
	lq, lok := quantity(live)
	wq, wok := quantity(want)
	return lok && wok && lq.Cmp(wq) == 0
}

func quantity(v any) (resource.Quantity, bool) {
	s, ok := v.(string)
	if n, isNumber := number(v); isNumber {
		s, ok = strconv.FormatFloat(n, 'f', -1, 64), true
	}
	if !ok {
		return resource.Quantity{}, false
	}
	q, err := resource.ParseQuantity(s)
	return q, err == nil
}

// empty is a value the API server drops: nil, zero, false, "", or a map or
// list of nothing but such values.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range x {
			if !empty(e) {
				return false
			}
		}
		return true
	case []any:
		return len(x) == 0
	case string:
		return x == ""
	case bool:
		return !x
	}
	n, ok := number(v)
	return ok && n == 0
}

// number reads the numeric types unstructured content holds.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
