package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

const stableService = `apiVersion: v1
kind: Service
metadata:
  name: {{ .Chart.Name }}-stable
  annotations:
    convoy.dev/shared: "true"
spec:
  selector:
    app.kubernetes.io/name: {{ .Chart.Name }}
  ports:
  - port: 80
`

// An object marked convoy.dev/shared exists once per cluster: the next
// release takes it over instead of making its own, it keeps selecting the
// pods of every release, and it stays when the release that made it goes.
func TestSharedObjectIsHandedOverNotDuplicated(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	chart := chartrepo.CopyChart(t, helloChart)
	if err := os.WriteFile(filepath.Join(chart, "templates", "stable-service.yaml"), []byte(stableService), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: chart}}})
	app := helloApplication(ns, "shop", repo.URL, "", map[string]any{"greeting": "one"})
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	first := waitForReleases(t, mgmt, app, 1)[0]
	cluster := waitInstalled(t, mgmt, ns, first.Name)[0]
	c := env.ClusterClient(t, cluster)
	stable := client.ObjectKey{Namespace: ns, Name: "hello-stable"}

	changeApplication(t, mgmt, app, func(a *convoyv1alpha1.Application) {
		a.Spec.Template.Values = &apiextensionsv1.JSON{Raw: []byte(`{"greeting":"two"}`)}
	})
	second := waitForReleases(t, mgmt, app, 2)[1]
	waitInstalled(t, mgmt, ns, second.Name)

	svc := &corev1.Service{}
	eventually(t, time.Minute, func() error {
		if err := c.Get(ctx, stable, svc); err != nil {
			return err
		}
		if got := svc.Labels[convoyv1alpha1.LabelRelease]; got != second.Name {
			return fmt.Errorf("shared Service labelled with release %q, want the newest, %q", got, second.Name)
		}
		if len(svc.OwnerReferences) != 2 {
			return fmt.Errorf("shared Service owners %v, want both releases' anchors", svc.OwnerReferences)
		}
		return nil
	})
	if _, ok := svc.Spec.Selector[convoyv1alpha1.LabelRelease]; ok {
		t.Errorf("shared Service selects one release only: %v", svc.Spec.Selector)
	}
	all := &corev1.ServiceList{}
	if err := c.List(ctx, all, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if n := len(all.Items); n != 3 {
		t.Errorf("%d Services in the namespace, want each release's own and one shared", n)
	}

	if err := mgmt.Delete(ctx, &first); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() error {
		if objs := releaseObjects(t, env, ns, first.Name)[cluster]; len(objs) > 0 {
			return fmt.Errorf("release %s objects still there: %v", first.Name, objs)
		}
		return nil
	})
	if err := c.Get(ctx, stable, svc); err != nil {
		t.Errorf("the shared Service went with the release that made it: %v", err)
	}
}
