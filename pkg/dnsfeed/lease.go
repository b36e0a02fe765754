package dnsfeed

import (
	"context"
	"strings"
	"time"

	"github.com/go-logr/logr"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// lease is the server's coordination Lease: alive while renewed.
type lease struct {
	feed    *Feed
	current *coordinationv1.Lease // as last written
}

func (l *lease) object() *coordinationv1.Lease {
	f := l.feed
	return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: f.Name, Namespace: f.Namespace}}
}

// renew creates or renews the Lease; a failure is logged and retried at
// the next tick: the lease lapsing is how the controller learns that this
// server is gone or cut off. The Lease is read from the API server, not a
// cache, once and after a conflict; otherwise the last write's answer is
// the current object.
func (l *lease) renew(ctx context.Context, logger logr.Logger) {
	f := l.feed
	ctx, cancel := context.WithTimeout(ctx, f.LeaseDuration/3)
	defer cancel()
	now := metav1.NewMicroTime(time.Now())
	obj := l.current
	if obj == nil {
		obj = l.object()
		if err := f.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), obj); client.IgnoreNotFound(err) != nil {
			logger.Error(err, "reading the DNS server's lease")
			return
		}
	}
	obj.Labels = map[string]string{convoyv1alpha1.LabelDNSServer: "true", convoyv1alpha1.LabelManagedBy: convoyv1alpha1.ManagedByConvoy}
	obj.Annotations = map[string]string{convoyv1alpha1.AnnotationDNSZones: ZonesAnnotation(f.Zones)}
	if len(f.Namespaces) > 0 {
		obj.Annotations[convoyv1alpha1.AnnotationDNSNamespaces] = strings.Join(f.Namespaces, ",")
	}
	obj.Spec.HolderIdentity = ptr.To(f.Name)
	obj.Spec.LeaseDurationSeconds = ptr.To(int32(f.LeaseDuration / time.Second))
	obj.Spec.RenewTime = &now
	var err error
	if obj.ResourceVersion == "" {
		obj.Spec.AcquireTime = &now
		err = f.Client.Create(ctx, obj)
	} else {
		err = f.Client.Update(ctx, obj)
	}
	l.current = obj
	if err != nil {
		l.current = nil
		logger.Error(err, "renewing the DNS server's lease")
		return
	}
	f.renewed.Store(now.UnixNano())
}

// release deletes the Lease on a clean shutdown.
func (l *lease) release(logger logr.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.feed.Client.Delete(ctx, l.object()); client.IgnoreNotFound(err) != nil {
		logger.Error(err, "releasing the DNS server's lease")
	}
}
