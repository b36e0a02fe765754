package integration

import (
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

const testHook = `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations:
    helm.sh/hook: test
spec:
  restartPolicy: Never
  containers:
  - name: test
    image: busybox
`

// Helm hooks and chart tests belong to Helm's lifecycle, which convoy does
// not run: they are not installed, the chart's manifests are.
func TestHelmHooksAreNotInstalled(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	chart := chartrepo.CopyChart(t, helloChart)
	if err := os.WriteFile(filepath.Join(chart, "templates", "test-pod.yaml"), []byte(testHook), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: chart}}})
	app := helloApplication(ns, "hooked", repo.URL, "", nil)
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, app, 1)[0]
	for _, cluster := range waitInstalled(t, mgmt, ns, rel.Name) {
		hook := &corev1.Pod{}
		err := env.ClusterClient(t, cluster).Get(ctx, client.ObjectKey{Namespace: ns, Name: rel.Name + "-test"}, hook)
		if !apierrors.IsNotFound(err) {
			t.Errorf("cluster %s: the chart's test hook %s/%s-test: got %v, want NotFound", cluster, ns, rel.Name, err)
		}
		if len(releaseObjects(t, env, ns, rel.Name)[cluster]) != 2 {
			t.Errorf("cluster %s: the chart's own Deployment and Service are missing", cluster)
		}
	}
}
