package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusterjoin"
	"github.com/convoy-rollouts/convoy/pkg/clusters"
	"github.com/convoy-rollouts/convoy/pkg/controller/installation"
	"github.com/convoy-rollouts/convoy/pkg/controller/traffic"
	"github.com/convoy-rollouts/convoy/pkg/hostgrant"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/test/gitserver"
)

// hostileKustomization is a git repository whose kustomization
// deploy/hostile is the hello example plus one object, manifest.
func hostileKustomization(t *testing.T, name, manifest string) string {
	t.Helper()
	repo := gitserver.New(t).NewRepo(name)
	files := gitserver.ReadTree(t, helloKustomization, "deploy")
	files["deploy/hostile/kustomization.yaml"] = "resources:\n- ../base\n- object.yaml\n"
	files["deploy/hostile/object.yaml"] = manifest
	repo.Commit(name, files)
	return repo.FileURL()
}

// Installation impersonates the release's ServiceAccount, so the
// application cluster's RBAC and Pod Security admission decide what a
// tenant installs: a RoleBinding to cluster-admin inside the tenant's own
// namespace is refused by RBAC's escalation check, a privileged Pod in a
// namespace that enforces the restricted level by admission. Each refusal
// names the cluster, the object, the identity and the cause, and nothing
// of it is installed.
func TestClusterRefusesWhatTheTenantMayNotDo(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	for _, c := range env.Clusters {
		err := clusterjoin.Grant(ctx, env.ClusterClient(t, c.Name), clusterjoin.Tenant{Namespace: ns, PodSecurity: "restricted"})
		if err != nil {
			t.Fatal(err)
		}
	}
	tenant := fmt.Sprintf("system:serviceaccount:%s:%s", ns, clusterjoin.DefaultTenantServiceAccount)
	for _, tc := range []struct {
		name, kind, manifest string
		fragments            []string
	}{
		{"admin", "RoleBinding", `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: admin
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: default, namespace: ` + ns + `}]
`, []string{"as service account " + ns + "/convoy-tenant", tenant, "is attempting to grant RBAC permissions not currently held"}},
		{"privileged", "Pod", `apiVersion: v1
kind: Pod
metadata:
  name: privileged
spec:
  containers:
  - name: root
    image: busybox
    securityContext: {privileged: true}
`, []string{"as service account " + ns + "/convoy-tenant", `violates PodSecurity "restricted`, "privileged"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := kustomizeApplication(ns, tc.name, hostileKustomization(t, tc.name, tc.manifest), "main", "deploy/hostile")
			if err := mgmt.Create(ctx, app); err != nil {
				t.Fatal(err)
			}
			rel := waitForReleases(t, mgmt, app, 1)[0]
			it := &convoyv1alpha1.InstallationTarget{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: rel.Name}}
			waitCondition(t, mgmt, it, func() []metav1.Condition { return it.Status.Conditions }, convoyv1alpha1.ConditionReconciling, "ClustersNotReady", tc.kind+" "+ns+"/")
			cond := findCondition(it.Status.Conditions, convoyv1alpha1.ConditionReconciling)
			for _, f := range append(tc.fragments, "us-east-1: ") {
				if !strings.Contains(cond.Message, f) {
					t.Errorf("condition %q does not say %q", cond.Message, f)
				}
			}
			if len(it.Status.Clusters) != 1 || findCondition(it.Status.Clusters[0].Conditions, convoyv1alpha1.ConditionReady).Reason != installation.ReasonApplyFailed {
				t.Errorf("cluster status %+v, want Ready=False ApplyFailed", it.Status.Clusters)
			}
			t.Logf("refused: %s", cond.Message)
			// The release says so too, as what its step waits for.
			cause := tc.fragments[len(tc.fragments)-1]
			eventually(t, time.Minute, func() error {
				if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&rel), &rel); err != nil {
					return err
				}
				ready := findCondition(rel.Status.Conditions, convoyv1alpha1.ConditionReady)
				if !strings.Contains(ready.Message, "us-east-1") || !strings.Contains(ready.Message, cause) {
					return fmt.Errorf("release %s Ready condition %q does not name the cluster and %q", rel.Name, ready.Message, cause)
				}
				return nil
			})
			// Nothing of the kind was installed.
			c := env.ClusterClient(t, "us-east-1")
			var found int
			switch tc.kind {
			case "RoleBinding":
				list := &rbacv1.RoleBindingList{}
				if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: rel.Name}); err != nil {
					t.Fatal(err)
				}
				found = len(list.Items)
			case "Pod":
				list := &corev1.PodList{}
				if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: rel.Name}); err != nil {
					t.Fatal(err)
				}
				found = len(list.Items)
			}
			if found != 0 {
				t.Errorf("%d %s of release %s installed in us-east-1", found, tc.kind, rel.Name)
			}
		})
	}
}

func findCondition(conds []metav1.Condition, typ string) metav1.Condition {
	for _, c := range conds {
		if c.Type == typ {
			return c
		}
	}
	return metav1.Condition{}
}

// A namespace publishes only the hostnames the platform granted it, with
// convoy's DNS servers as with external-dns; and a Lease that claims to be
// a DNS server outside the DNS lease namespace counts for nothing.
func TestHostnamesAndDNSServersAreThePlatforms(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	granted := "*." + ns + "." + dnsZone
	if err := clusterjoin.GrantHostnames(ctx, mgmt, ns, granted); err != nil {
		t.Fatal(err)
	}
	// A tenant's Lease posing as the DNS server of its own zone.
	fake := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "dns", Labels: map[string]string{convoyv1alpha1.LabelDNSServer: "true"},
			Annotations: map[string]string{convoyv1alpha1.AnnotationDNSZones: "tenant.test"}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("tenant"), LeaseDurationSeconds: ptr.To(int32(3600)), RenewTime: &metav1.MicroTime{Time: time.Now()}},
	}
	if err := mgmt.Create(ctx, fake); err != nil {
		t.Fatal(err)
	}
	repo := helloRepo(t)
	for _, tc := range []struct {
		name, hostname   string
		externalDNS      bool
		reason, fragment string
	}{
		{"other", "web.team-b." + dnsZone, false, hostgrant.ReasonHostnameNotGranted,
			"hostname web.team-b." + dnsZone + " is not granted by annotation " + convoyv1alpha1.AnnotationAllowedHostnames + " of Namespace " + ns + ", which grants " + granted},
		{"external", "api.team-b.example.com", true, hostgrant.ReasonHostnameNotGranted,
			"hostname api.team-b.example.com is not granted by annotation"},
		{"lease", "web.tenant.test", false, traffic.ReasonOutsideZones, "hostname web.tenant.test is in none of the zones convoy's DNS servers serve"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "lease" {
				// Granted, so that only the DNS servers decide.
				if err := clusterjoin.GrantHostnames(ctx, mgmt, ns, granted+",*.tenant.test"); err != nil {
					t.Fatal(err)
				}
			}
			app := dnsApplication(ns, tc.name, repo.URL)
			app.Spec.Template.Traffic.DNS.Hostname = tc.hostname
			if tc.externalDNS {
				app.Spec.Template.Traffic.DNS.Provider = convoyv1alpha1.DNSProviderExternalDNS
			}
			if err := mgmt.Create(ctx, app); err != nil {
				t.Fatal(err)
			}
			rel := waitForReleases(t, mgmt, app, 1)[0]
			tt := &convoyv1alpha1.TrafficTarget{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: rel.Name}}
			waitCondition(t, mgmt, tt, func() []metav1.Condition { return tt.Status.Conditions }, convoyv1alpha1.ConditionStalled, tc.reason, tc.fragment)
			t.Logf("refused: %s", findCondition(tt.Status.Conditions, convoyv1alpha1.ConditionStalled).Message)
			sets := &convoyv1alpha1.DNSRecordSetList{}
			if err := mgmt.List(ctx, sets, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelApplication: app.Name}); err != nil {
				t.Fatal(err)
			}
			if len(sets.Items) != 0 {
				t.Errorf("records published for a refused hostname: %+v", sets.Items)
			}
		})
	}
	// The granted hostname is published.
	ok := dnsApplication(ns, "granted", repo.URL)
	completeFirstRelease(t, mgmt, ok)
}

// The agent's own role reads and watches, and nothing else: SubjectAccess
// Reviews against each application cluster's API server. A ServiceAccount
// of the test bound to the agent's role (clusterjoin.AgentRole) stands for
// the agent, since the shared environment's agents may predate it. The
// tenant's ServiceAccount may manage its own namespace only.
func TestAgentAndTenantRights(t *testing.T) {
	env, ctx, _, ns := begin(t)
	other := env.Namespace(t)
	agentSA := "agent"
	agent := fmt.Sprintf("system:serviceaccount:%s:%s", ns, agentSA)
	tenant := fmt.Sprintf("system:serviceaccount:%s:%s", ns, clusterjoin.DefaultTenantServiceAccount)
	type review = accessReview
	reviews := []review{
		{agent, "list", "", "secrets", "", "", false},
		{agent, "get", "", "secrets", ns, "", false},
		{agent, "create", "apps", "deployments", "kube-system", "", false},
		{agent, "create", "apps", "daemonsets", ns, "", false},
		{agent, "patch", "apps", "deployments", ns, "", false},
		{agent, "delete", "", "configmaps", ns, "", false},
		{agent, "create", "", "namespaces", "", "", false},
		{agent, "create", "rbac.authorization.k8s.io", "clusterrolebindings", "", "", false},
		{agent, "impersonate", "", "serviceaccounts", "kube-system", "default", false},
		{agent, "watch", "apps", "deployments", "", "", true},
		{agent, "list", "", "pods", "", "", true},
		{agent, "watch", "discovery.k8s.io", "endpointslices", "", "", true},
		{agent, "list", "", "configmaps", "", "", true},
		// The real agent may impersonate the tenant of a granted namespace,
		// and only that ServiceAccount.
		{"system:serviceaccount:convoy-system:convoy-agent", "impersonate", "", "serviceaccounts", ns, clusterjoin.DefaultTenantServiceAccount, true},
		{"system:serviceaccount:convoy-system:convoy-agent", "impersonate", "", "serviceaccounts", ns, "default", false},
		{tenant, "create", "apps", "deployments", ns, "", true},
		{tenant, "patch", "apps", "deployments", ns, "", true},
		{tenant, "list", "", "secrets", ns, "", true},
		{tenant, "create", "apps", "deployments", other, "", false},
		{tenant, "create", "apps", "deployments", "kube-system", "", false},
		{tenant, "list", "", "secrets", "", "", false},
		{tenant, "create", "", "namespaces", "", "", false},
		{tenant, "create", "rbac.authorization.k8s.io", "clusterrolebindings", "", "", false},
		{tenant, "create", "apiextensions.k8s.io", "customresourcedefinitions", "", "", false},
	}
	for _, cluster := range env.Clusters {
		c := env.ClusterClient(t, cluster.Name)
		role := clusterjoin.AgentRole("convoy-agent-" + ns)
		binding := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: role.Name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: agentSA, Namespace: ns}},
		}
		for _, obj := range []client.Object{role, binding} {
			if err := c.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = c.Delete(context.Background(), obj) })
		}
		// RBAC's authorizer reads roles from an informer: wait until it
		// sees the new binding.
		eventually(t, time.Minute, func() error {
			return expectAccess(ctx, c, cluster.Name, review{agent, "list", "", "pods", "", "", true})
		})
		for _, r := range reviews {
			if err := expectAccess(ctx, c, cluster.Name, r); err != nil {
				t.Error(err)
			}
		}
	}
}

// accessReview is a question to a cluster's authorizer and its expected
// answer.
type accessReview struct {
	user                             string
	verb, group, resource, namespace string
	name                             string
	allowed                          bool
}

// expectAccess asks the cluster whether r.user may do r's verb, and
// says so when the answer is not r.allowed.
func expectAccess(ctx context.Context, c client.Client, cluster string, r accessReview) error {
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   r.user,
		Groups: serviceAccountGroups(r.user),
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: r.verb, Group: r.group, Resource: r.resource, Namespace: r.namespace, Name: r.name,
		},
	}}
	if err := c.Create(ctx, sar); err != nil {
		return err
	}
	if sar.Status.Allowed != r.allowed {
		where := r.namespace
		if where == "" {
			where = "all namespaces"
		}
		return fmt.Errorf("cluster %s: %s may %s %s.%s %s in %s: %v, want %v (%s)", cluster, r.user, r.verb, r.resource, r.group, r.name, where,
			sar.Status.Allowed, r.allowed, sar.Status.Reason)
	}
	return nil
}

// serviceAccountGroups are the groups the API server gives a service
// account's requests.
func serviceAccountGroups(user string) []string {
	parts := strings.Split(user, ":")
	return []string{"system:serviceaccounts", "system:serviceaccounts:" + parts[2], "system:authenticated"}
}

// An Application names the ServiceAccount its releases act as: one granted
// installs; one not granted is refused in every cluster, with the identity
// and the hint to grant it, and nothing is installed.
func TestApplicationServiceAccount(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	for _, c := range env.Clusters {
		if err := clusterjoin.Grant(ctx, env.ClusterClient(t, c.Name), clusterjoin.Tenant{Namespace: ns, ServiceAccount: "deployer"}); err != nil {
			t.Fatal(err)
		}
	}
	repo := helloRepo(t)
	granted := helloApplication(ns, "granted", repo.URL, "", nil)
	granted.Spec.Template.ServiceAccountName = "deployer"
	if err := mgmt.Create(ctx, granted); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, granted, 1)[0]
	if rel.Spec.Environment.ServiceAccountName != "deployer" {
		t.Fatalf("release environment names service account %q, want deployer", rel.Spec.Environment.ServiceAccountName)
	}
	waitInstalled(t, mgmt, ns, rel.Name)

	stranger := helloApplication(ns, "stranger", repo.URL, "", nil)
	stranger.Spec.Template.ServiceAccountName = "nobody"
	if err := mgmt.Create(ctx, stranger); err != nil {
		t.Fatal(err)
	}
	rel = waitForReleases(t, mgmt, stranger, 1)[0]
	it := &convoyv1alpha1.InstallationTarget{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: rel.Name}}
	waitCondition(t, mgmt, it, func() []metav1.Condition { return it.Status.Conditions }, convoyv1alpha1.ConditionReconciling, "ClustersNotReady",
		"as service account "+ns+"/nobody")
	msg := findCondition(it.Status.Conditions, convoyv1alpha1.ConditionReconciling).Message
	for _, f := range []string{"is forbidden", "convoy tenants grant " + ns} {
		if !strings.Contains(msg, f) {
			t.Errorf("condition %q does not say %q", msg, f)
		}
	}
	t.Logf("refused: %s", msg)
	for _, name := range it.Spec.Clusters {
		cms := &corev1.ConfigMapList{}
		if err := env.ClusterClient(t, name).List(ctx, cms, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: rel.Name}); err != nil {
			t.Fatal(err)
		}
		if len(cms.Items) != 0 {
			t.Errorf("cluster %s: %d ConfigMaps of the refused release", name, len(cms.Items))
		}
	}
}

// A cluster joined with the agent's read-only role is enough for convoy:
// its caches of every watched kind sync, and writes impersonate the
// tenant. The shared environment's agents may predate the role, so the
// test joins eu-west-1 again under another name, with a service account of
// its own bound to clusterjoin.AgentRole, in a region no Application asks
// for.
func TestReadOnlyAgentWatchesAndImpersonates(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	const source = "eu-west-1"
	app := env.ClusterClient(t, source)
	agentSA := "ro-agent"
	role := clusterjoin.AgentRole("convoy-agent-" + ns)
	token := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: agentSA + "-token", Annotations: map[string]string{corev1.ServiceAccountNameKey: agentSA}},
		Type:       corev1.SecretTypeServiceAccountToken,
	}
	objs := []client.Object{
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: agentSA}},
		role,
		&rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: role.Name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: agentSA, Namespace: ns}},
		},
		// As the grant does for convoy's agent: impersonate the tenant here.
		&rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ro-agent-impersonate"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "convoy-impersonate-" + clusterjoin.DefaultTenantServiceAccount},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: agentSA, Namespace: ns}},
		},
		token,
	}
	for _, obj := range objs {
		if err := app.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
		if obj.GetNamespace() == "" {
			t.Cleanup(func() { _ = app.Delete(context.Background(), obj) })
		}
	}
	eventually(t, time.Minute, func() error {
		if err := app.Get(ctx, client.ObjectKeyFromObject(token), token); err != nil {
			return err
		}
		if len(token.Data[corev1.ServiceAccountTokenKey]) == 0 {
			return fmt.Errorf("no token yet in %s", token.Name)
		}
		return nil
	})
	// Registered as a Cluster of the management cluster, through the same
	// URL and CA as eu-west-1.
	joined := &convoyv1alpha1.Cluster{}
	if err := mgmt.Get(ctx, client.ObjectKey{Name: source}, joined); err != nil {
		t.Fatal(err)
	}
	creds := &corev1.Secret{}
	ref := joined.Spec.CredentialsSecretRef
	if err := mgmt.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, creds); err != nil {
		t.Fatal(err)
	}
	name := "ro-" + ns[len(ns)-6:]
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cluster-" + name},
		Data: map[string][]byte{"token": token.Data[corev1.ServiceAccountTokenKey], "ca.crt": creds.Data["ca.crt"]}}
	cluster := &convoyv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: convoyv1alpha1.ClusterSpec{
		APIServerURL: joined.Spec.APIServerURL, Region: "isolation-test",
		CredentialsSecretRef: convoyv1alpha1.SecretReference{Namespace: ns, Name: secret.Name}}}
	for _, obj := range []client.Object{secret, cluster} {
		if err := mgmt.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = mgmt.Delete(context.Background(), cluster) })

	store := &clusters.Store{Management: mgmt, Scheme: manager.Scheme}
	store.Watch(installation.Installed...)
	// RBAC's authorizer sees new bindings through an informer: retry.
	eventually(t, time.Minute, func() error {
		_, err := store.Cache(ctx, name)
		return err
	})
	agent, err := store.Client(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := store.ClientAs(ctx, name, clusters.Identity{Namespace: ns, ServiceAccount: clusterjoin.DefaultTenantServiceAccount})
	if err != nil {
		t.Fatal(err)
	}
	cm := func(namespace string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "probe-" + ns[len(ns)-6:]}}
	}
	if err := tenant.Create(ctx, cm(ns)); err != nil {
		t.Errorf("the tenant may not create a ConfigMap in its namespace: %v", err)
	}
	for _, tc := range []struct {
		what string
		err  error
	}{
		{"the agent creates a ConfigMap in " + ns, agent.Create(ctx, cm(ns))},
		{"the agent lists Secrets", agent.List(ctx, &corev1.SecretList{})},
		{"the tenant creates a ConfigMap in kube-system", tenant.Create(ctx, cm("kube-system"))},
		{"the tenant lists Secrets of every namespace", tenant.List(ctx, &corev1.SecretList{})},
	} {
		if !apierrors.IsForbidden(tc.err) {
			t.Errorf("%s: %v, want forbidden", tc.what, tc.err)
		} else {
			t.Logf("%s: %v", tc.what, tc.err)
		}
	}
}
