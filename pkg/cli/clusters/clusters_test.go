package clusters

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusterjoin"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

// run executes `convoy clusters ARGS` against the environment.
func run(t *testing.T, env *testenv.Env, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := NewCommand(&out)
	cmd.SetArgs(append(args, "--kubeconfig", env.Kubeconfig))
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

// Joining a cluster creates convoy's least-privilege service account in
// it and its Secret and Cluster in the management cluster; list then
// reaches it with exactly those credentials, and reports a cluster whose
// API server does not answer as unreachable, with the cause. The clusters
// get a region no application asks for, so tests running beside this one
// never place releases on them.
func TestJoinAndList(t *testing.T) {
	env := testenv.Get(t)
	mgmt := env.ManagementClient(t)
	ctx := context.Background()
	const joined, broken = "joined-twice", "nowhere"
	t.Cleanup(func() {
		for _, name := range []string{joined, broken} {
			_ = mgmt.Delete(ctx, &convoyv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}})
			_ = mgmt.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: clusterjoin.SystemNamespace, Name: clusterjoin.SecretName(name)}})
		}
	})

	target := env.Context(env.Clusters[0].Name)
	out, err := run(t, env, "join", "--context", target, "--management-context", env.ManagementContext,
		"--name", joined, "--region", "test-join", "--capability", "gpu", "--capability", "arm64")
	if err != nil {
		t.Fatalf("join: %v\n%s", err, out)
	}
	if !strings.Contains(out, "cluster joined-twice joined") {
		t.Errorf("join said:\n%s", out)
	}
	cluster := &convoyv1alpha1.Cluster{}
	if err := mgmt.Get(ctx, client.ObjectKey{Name: joined}, cluster); err != nil {
		t.Fatal(err)
	}
	if cluster.Spec.Region != "test-join" || strings.Join(cluster.Spec.Capabilities, ",") != "gpu,arm64" || !strings.HasPrefix(cluster.Spec.APIServerURL, "https://127.0.0.1:") {
		t.Errorf("Cluster spec %+v", cluster.Spec)
	}
	// Joining again converges.
	if out, err := run(t, env, "join", "--context", target, "--management-context", env.ManagementContext, "--name", joined, "--region", "test-join"); err != nil {
		t.Fatalf("join again: %v\n%s", err, out)
	}

	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: clusterjoin.SystemNamespace, Name: clusterjoin.SecretName(broken)}, Data: map[string][]byte{"token": []byte("x")}}
	if err := mgmt.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	dead := &convoyv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: broken}, Spec: convoyv1alpha1.ClusterSpec{
		APIServerURL: "https://127.0.0.1:9", Region: "test-join",
		CredentialsSecretRef: convoyv1alpha1.SecretReference{Namespace: clusterjoin.SystemNamespace, Name: clusterjoin.SecretName(broken)},
	}}
	if err := mgmt.Create(ctx, dead); err != nil {
		t.Fatal(err)
	}

	out, err = run(t, env, "list", "-o", "json", "--context", env.ManagementContext)
	if err != nil {
		t.Fatalf("list: %v\n%s", err, out)
	}
	var healths []Health
	if err := json.Unmarshal([]byte(out), &healths); err != nil {
		t.Fatalf("list -o json: %v\n%s", err, out)
	}
	byName := map[string]Health{}
	for _, h := range healths {
		byName[h.Name] = h
	}
	if h := byName[joined]; !h.Reachable || !strings.HasPrefix(h.ServerVersion, "v1.") {
		t.Errorf("joined cluster: %+v", h)
	}
	if h := byName[broken]; h.Reachable || !strings.Contains(h.Error, "127.0.0.1:9") {
		t.Errorf("dead cluster: %+v", h)
	}
	table, err := run(t, env, "list", "--context", env.ManagementContext)
	if err != nil || !strings.Contains(table, "NAME") || !strings.Contains(table, joined) {
		t.Errorf("list table (%v):\n%s", err, table)
	}
}
