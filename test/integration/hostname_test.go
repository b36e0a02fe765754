package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// expectOnly checks that every answer for a hostname is an address of
// release.
func expectOnly(t testing.TB, r *resolver, owners map[string]string, release string) {
	t.Helper()
	if counts := r.shares(50, owners); releaseOf(counts, release) != 50 {
		t.Fatalf("%s answers %v, want all 50 from %s", r.hostname, counts, release)
	}
}

// I8: a hostname changed mid-rollout. The old name keeps serving the
// incumbent while it has weight; the new name serves the contender; at the
// last step the old name's records are removed, the rollout completes and
// the old name is no longer answered. Removing the hostname altogether
// then retires the new name's records too.
func TestHostnameChange(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := dnsApplication(ns, "rename", repo.URL)
	oldName := app.Spec.Template.Traffic.DNS.Hostname
	first, clusters := completeFirstRelease(t, mgmt, app)

	newName := "renamed." + ns + "." + dnsZone
	changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) { a.Spec.Template.Traffic.DNS.Hostname = newName })
	second := waitForReleases(t, mgmt, app, 2)[1]
	setTargetStep(t, mgmt, &second, 1)
	waitStep(t, env, mgmt, &second, 1, first.Name, clusters, map[string]int32{second.Name: 1, first.Name: 2})
	owners := addresses(t, env, ns, clusters, first.Name, second.Name)
	oldR, newR := newResolver(t, oldName), newResolver(t, newName)
	expectOnly(t, oldR, owners, first.Name)
	expectOnly(t, newR, owners, second.Name)

	setTargetStep(t, mgmt, &second, 2)
	waitComplete(t, mgmt, &second)
	eventually(t, time.Minute, func() error {
		err := mgmt.Get(ctx, client.ObjectKey{Namespace: ns, Name: oldName}, &convoyv1alpha1.DNSRecordSet{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("the record set of the former hostname %s: %v, want it gone", oldName, err)
		}
		if _, err := oldR.answer(); err == nil || !strings.Contains(err.Error(), "NXDOMAIN") {
			return fmt.Errorf("the former hostname %s answers (%v), want NXDOMAIN", oldName, err)
		}
		return nil
	})
	expectOnly(t, newR, owners, second.Name)
	// The incumbent retires: no capacity left once its traffic is gone.
	eventually(t, 2*time.Minute, func() error {
		for _, cl := range clusters {
			if spec, _ := replicasIn(t, env, cl, ns, first.Name); spec != 0 {
				return fmt.Errorf("cluster %s: the former incumbent %s still has %d replicas", cl, first.Name, spec)
			}
		}
		return nil
	})

	// Removing the hostname: the new release (no traffic section) is
	// reached some other way, and the name's records go once the last
	// release publishing it has no weight.
	changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) { a.Spec.Template.Traffic = nil })
	third := waitForReleases(t, mgmt, app, 3)[2]
	setTargetStep(t, mgmt, &third, 2)
	waitComplete(t, mgmt, &third)
	eventually(t, time.Minute, func() error {
		err := mgmt.Get(ctx, client.ObjectKey{Namespace: ns, Name: newName}, &convoyv1alpha1.DNSRecordSet{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("the record set of the removed hostname %s: %v, want it gone", newName, err)
		}
		return nil
	})
}
