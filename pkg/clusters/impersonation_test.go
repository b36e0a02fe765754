package clusters

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

func TestTenancyIdentity(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tenancy Tenancy
		sa      string
		want    Identity
		err     bool
	}{
		{"named", DefaultTenancy, "deployer", Identity{"team-a", "deployer"}, false},
		{"default", DefaultTenancy, "", Identity{"team-a", "convoy-tenant"}, false},
		{"required without default", Tenancy{RequireServiceAccount: true}, "", Identity{}, true},
		{"named without default", Tenancy{RequireServiceAccount: true}, "deployer", Identity{"team-a", "deployer"}, false},
		{"agent when allowed", Tenancy{}, "", Identity{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.tenancy.Identity("team-a", tc.sa)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("Identity = %+v, %v; want %+v, error %v", got, err, tc.want, tc.err)
			}
		})
	}
	if got := (Identity{"team-a", "deployer"}).Username(); got != "system:serviceaccount:team-a:deployer" {
		t.Errorf("Username = %s", got)
	}
}

// ClientAs keeps one client per cluster and identity, impersonating it,
// and at most maxImpersonating of them.
func TestClientAsIsCachedAndBounded(t *testing.T) {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = convoyv1alpha1.AddToScheme(scheme)
	mgmt := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		&convoyv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "eu"}, Spec: convoyv1alpha1.ClusterSpec{
			APIServerURL: "https://127.0.0.1:1", CredentialsSecretRef: convoyv1alpha1.SecretReference{Namespace: "convoy-system", Name: "cluster-eu"}}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "convoy-system", Name: "cluster-eu"}, Data: map[string][]byte{"token": []byte("t")}},
	).Build()
	s := &Store{Management: mgmt, Scheme: scheme}
	ctx := context.Background()
	a, err := s.ClientAs(ctx, "eu", Identity{"team-a", "convoy-tenant"})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.ClientAs(ctx, "eu", Identity{"team-a", "convoy-tenant"})
	other, _ := s.ClientAs(ctx, "eu", Identity{"team-b", "convoy-tenant"})
	if a != again || a == other {
		t.Errorf("clients not cached per identity")
	}
	for i := range maxImpersonating + 10 {
		if _, err := s.ClientAs(ctx, "eu", Identity{fmt.Sprintf("ns-%d", i), "convoy-tenant"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.impersonating.byKey); n != maxImpersonating {
		t.Errorf("%d clients kept, want at most %d", n, maxImpersonating)
	}
	if _, err := s.ClientAs(ctx, "missing", Identity{"team-a", "convoy-tenant"}); ReasonOf(err) != ReasonClusterNotFound {
		t.Errorf("a missing cluster: %v", err)
	}
}
