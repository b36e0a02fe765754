package testenv

import (
	"context"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/convoy-rollouts/convoy/apis/crds"
)

// EnsureCRD makes the management cluster serve this tree's version of the
// named CRD (such as "dnsrecordsets.convoy.dev"). A shared environment
// installs the CRDs of the tree that started it, which may predate fields
// a test needs; the API server would prune them. Only the named CRD is
// updated, so tests of other trees sharing the environment keep theirs.
func (e *Env) EnsureCRD(t testing.TB, name string) {
	t.Helper()
	all, err := crds.All()
	if err != nil {
		t.Fatal(err)
	}
	var want *apiextensionsv1.CustomResourceDefinition
	for _, crd := range all {
		if crd.Name == name {
			want = crd
		}
	}
	if want == nil {
		t.Fatalf("this tree has no CRD %s", name)
	}
	c := e.ManagementClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	updated := false
	Eventually(t, time.Minute, func() error {
		live := &apiextensionsv1.CustomResourceDefinition{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, live); err != nil {
			return err
		}
		if updated || equality.Semantic.DeepEqual(live.Spec.Versions, want.Spec.Versions) {
			return nil
		}
		live.Spec.Versions = want.Spec.Versions
		if err := c.Update(ctx, live); err != nil {
			return err // a conflict: read again
		}
		updated = true
		t.Logf("updated CRD %s to this tree's version", name)
		return nil
	})
	if updated {
		// The API server's handlers pick the new schema up from its
		// CRD informer a moment after the update; nothing shows when.
		time.Sleep(2 * time.Second)
	}
}
