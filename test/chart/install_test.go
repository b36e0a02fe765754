package chart

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/convoy-rollouts/convoy/test/testenv"
)

// TestInstall installs the chart into the local management cluster the way
// helm install would (server-side apply of every rendered object) and waits
// for both Deployments to run their replicas: kwok runs the pods, so no
// image is pulled. The CRDs are left out: the environment has convoy's
// already, shared by every test package, and this test must not touch them.
func TestInstall(t *testing.T) {
	install(t, nil, "convoy-manager", "convoy-dns")
}

// TestInstallShards installs the chart with two manager shards: each
// shard's Deployment runs its pair.
func TestInstallShards(t *testing.T) {
	install(t, map[string]any{"shards": 2}, "convoy-manager-shard-0", "convoy-manager-shard-1", "convoy-dns")
}

// install installs the chart with manager values over the test image's
// and waits for the Deployments named release-<deployment> to run 2
// replicas each.
func install(t *testing.T, managerValues map[string]any, deployments ...string) {
	t.Helper()
	env := testenv.Get(t)
	c := env.ManagementClient(t)
	ns := env.Namespace(t)
	// A release name of its own, so its ClusterRoles collide with nothing.
	release := "chart-" + randomHex(t, 4)

	// Render for the cluster's own version, as helm install does.
	dc, err := discovery.NewDiscoveryClientForConfig(env.ManagementConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	version, err := dc.ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	manager := map[string]any{"image": map[string]any{"repository": "example.invalid/convoy-manager", "tag": "test"}}
	maps.Copy(manager, managerValues)
	objs, err := newRenderer(t, version.GitVersion).render(t, release, ns, map[string]any{
		"crds":    map[string]any{"enabled": false},
		"manager": manager,
		"dns": map[string]any{
			"zones": []any{"chart-test.example"},
			"image": map[string]any{"repository": "example.invalid/convoy", "tag": "test"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	// The namespace goes at the end of the test, and its objects with it;
	// cluster-scoped objects are removed here. Registered before the first
	// apply, so a failing apply leaves nothing behind either.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, obj := range objs {
			if obj.GetNamespace() != "" {
				continue
			}
			if err := c.Delete(ctx, obj.DeepCopy()); client.IgnoreNotFound(err) != nil {
				t.Errorf("deleting %s: %v", key(obj), err)
			}
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, obj := range objs {
		if obj.GetKind() == "CustomResourceDefinition" {
			t.Fatalf("crds.enabled=false rendered %s", key(obj))
		}
		if ns := obj.GetNamespace(); ns == "" && !strings.HasPrefix(obj.GetName(), release+"-") {
			t.Fatalf("cluster-scoped %s is not named after the release %s", key(obj), release)
		}
		err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj.DeepCopy()), client.FieldOwner("helm-test"), client.ForceOwnership)
		if err != nil {
			t.Fatalf("applying %s: %v", key(obj), err)
		}
	}

	for _, name := range deployments {
		waitAvailable(ctx, t, c, ns, release+"-"+name, 2)
	}

	checkAccess(ctx, t, c, ns, release)
}

// waitAvailable waits until the Deployment has want available replicas,
// and on a timeout says what its pods are doing.
func waitAvailable(ctx context.Context, t *testing.T, c client.Client, ns, name string, want int32) {
	t.Helper()
	deploy := &appsv1.Deployment{}
	err := wait.PollUntilContextCancel(ctx, 500*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, deploy); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return deploy.Status.AvailableReplicas == want, nil
	})
	if err == nil {
		return
	}
	var why []string
	for _, cond := range deploy.Status.Conditions {
		why = append(why, fmt.Sprintf("%s=%s (%s: %s)", cond.Type, cond.Status, cond.Reason, cond.Message))
	}
	pods := &corev1.PodList{}
	_ = c.List(context.Background(), pods, client.InNamespace(ns))
	for _, p := range pods.Items {
		why = append(why, fmt.Sprintf("pod %s: %s %v", p.Name, p.Status.Phase, p.Status.Conditions))
	}
	events := &corev1.EventList{}
	_ = c.List(context.Background(), events, client.InNamespace(ns))
	for _, e := range events.Items {
		why = append(why, fmt.Sprintf("event %s %s: %s", e.InvolvedObject.Name, e.Reason, e.Message))
	}
	t.Fatalf("Deployment %s: %d of %d replicas available: %v\n%s", name, deploy.Status.AvailableReplicas, want, err, strings.Join(why, "\n"))
}

// checkAccess asks the API server (SubjectAccessReview) what the installed
// ServiceAccounts may do: the RBAC objects work as bound, not only as
// written.
func checkAccess(ctx context.Context, t *testing.T, c client.Client, ns, release string) {
	t.Helper()
	manager := release + "-convoy-manager"
	dns := release + "-convoy-dns"
	other := "some-application-namespace"
	for _, tc := range []struct {
		sa                    string
		namespace, group, res string
		verb                  string
		want                  bool
	}{
		{manager, "", "convoy.dev", "applications", "watch", true},
		{manager, other, "convoy.dev", "releases", "create", true},
		{manager, other, "convoy.dev", "traffictargets/status", "patch", true},
		{manager, "", "convoy.dev", "clusters/status", "update", true},
		{manager, other, "", "secrets", "get", true},
		{manager, other, "", "secrets", "list", false},
		{manager, other, "coordination.k8s.io", "leases", "watch", true},
		{manager, ns, "coordination.k8s.io", "leases", "update", true},
		{manager, other, "coordination.k8s.io", "leases", "update", false},
		{manager, other, "externaldns.k8s.io", "dnsendpoints", "create", true},
		{manager, other, "", "pods", "list", false},
		{dns, "", "convoy.dev", "dnsrecordsets", "watch", true},
		{dns, other, "convoy.dev", "dnsrecordsets/status", "patch", true},
		{dns, other, "convoy.dev", "dnsrecordsets", "delete", false},
		{dns, ns, "coordination.k8s.io", "leases", "create", true},
		{dns, other, "coordination.k8s.io", "leases", "create", false},
		{dns, ns, "", "secrets", "get", false},
	} {
		res, sub, _ := strings.Cut(tc.res, "/")
		user := "system:serviceaccount:" + ns + ":" + tc.sa
		attrs := &authorizationv1.ResourceAttributes{Namespace: tc.namespace, Group: tc.group, Resource: res, Subresource: sub, Verb: tc.verb}
		// The authorizer's view of new bindings may lag a moment.
		var allowed bool
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
			review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User:               user,
				Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
				ResourceAttributes: attrs,
			}}
			if err := c.Create(ctx, review); err != nil {
				return false, err
			}
			allowed = review.Status.Allowed
			return allowed == tc.want, nil
		})
		if err != nil {
			where := "cluster-wide"
			if tc.namespace != "" {
				where = "in " + tc.namespace
			}
			t.Errorf("%s may %s %s (group %q) %s: %v, want %v", tc.sa, tc.verb, tc.res, tc.group, where, allowed, tc.want)
		}
	}
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
