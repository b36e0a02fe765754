package clusterjoin

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/ssa"
)

// TenantRole is the ClusterRole a tenant's ServiceAccount is bound to, in
// its namespace only, unless the platform names another.
const TenantRole = "convoy-tenant"

// DefaultTenantServiceAccount is the ServiceAccount a grant creates, the
// manager's default (--default-service-account).
const DefaultTenantServiceAccount = "convoy-tenant"

// write are the verbs of managing an object.
var write = []string{"get", "list", "watch", "create", "update", "patch", "delete"}

// tenantRules are what a tenant's releases may do in their namespace: the
// namespaced kinds charts commonly hold, as Kubernetes' edit role (Pods
// too: Pod Security admission of the namespace judges them), plus
// Roles and RoleBindings, which the API server lets a tenant create only
// for rights it holds itself (RBAC escalation prevention): a RoleBinding to
// cluster-admin is refused. Nothing cluster-scoped.
var tenantRules = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"configmaps", "secrets", "services", "serviceaccounts", "persistentvolumeclaims"}, Verbs: write},
	{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: write},
	{APIGroups: []string{""}, Resources: []string{"pods/log", "endpoints", "events"}, Verbs: read},
	{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets", "daemonsets"}, Verbs: write},
	{APIGroups: []string{"apps"}, Resources: []string{"deployments/scale", "statefulsets/scale"}, Verbs: []string{"get", "update", "patch"}},
	{APIGroups: []string{"apps"}, Resources: []string{"replicasets"}, Verbs: read},
	{APIGroups: []string{"batch"}, Resources: []string{"jobs", "cronjobs"}, Verbs: write},
	{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses", "networkpolicies"}, Verbs: write},
	{APIGroups: []string{"policy"}, Resources: []string{"poddisruptionbudgets"}, Verbs: write},
	{APIGroups: []string{"autoscaling"}, Resources: []string{"horizontalpodautoscalers"}, Verbs: write},
	{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: read},
	// The application's HTTPRoutes, whose weights the traffic controller
	// sets (traffic.gateway).
	{APIGroups: []string{"gateway.networking.k8s.io"}, Resources: []string{"httproutes"}, Verbs: write},
	{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"roles", "rolebindings"}, Verbs: write},
}

// Tenant is a namespace granted to convoy in an application cluster.
type Tenant struct {
	Namespace string
	// ServiceAccount convoy impersonates there; DefaultTenantServiceAccount
	// when empty.
	ServiceAccount string
	// Role is the ClusterRole bound to it in the namespace; TenantRole,
	// which Grant creates, when empty. Another role must exist already.
	Role string
	// PodSecurity, when set, is the Pod Security level the namespace
	// enforces (privileged, baseline or restricted).
	PodSecurity string
}

// LabelPodSecurityEnforce is Pod Security admission's label of the level a
// namespace enforces.
const LabelPodSecurityEnforce = "pod-security.kubernetes.io/enforce"

// Grant makes an application cluster ready for a tenant's releases: the
// namespace, the tenant's ServiceAccount, a RoleBinding of it to the
// tenant role in that namespace only, and a Role and RoleBinding that let
// convoy's agent impersonate that one ServiceAccount, there and nowhere
// else. It converges when run again.
func Grant(ctx context.Context, c client.Client, t Tenant) error {
	if t.Namespace == "" {
		return fmt.Errorf("granting a tenant: the namespace is empty")
	}
	if t.ServiceAccount == "" {
		t.ServiceAccount = DefaultTenantServiceAccount
	}
	var objs []client.Object
	if t.Role == "" {
		t.Role = TenantRole
		objs = append(objs, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: TenantRole}, Rules: tenantRules})
	} else if err := c.Get(ctx, client.ObjectKey{Name: t.Role}, &rbacv1.ClusterRole{}); err != nil {
		return fmt.Errorf("granting namespace %s: ClusterRole %s: %w", t.Namespace, t.Role, err)
	}
	impersonate := "convoy-impersonate-" + t.ServiceAccount
	namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: t.Namespace}}
	if t.PodSecurity != "" {
		namespace.Labels = map[string]string{LabelPodSecurityEnforce: t.PodSecurity}
	}
	objs = append(objs,
		namespace,
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: t.ServiceAccount, Namespace: t.Namespace}},
		&rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: t.ServiceAccount, Namespace: t.Namespace},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: t.Role},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: t.ServiceAccount, Namespace: t.Namespace}},
		},
		&rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Name: impersonate, Namespace: t.Namespace},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"serviceaccounts"},
				Verbs: []string{"impersonate"}, ResourceNames: []string{t.ServiceAccount}}},
		},
		&rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: impersonate, Namespace: t.Namespace},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: impersonate},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: AgentName, Namespace: SystemNamespace}},
		},
	)
	if err := ssa.Apply(ctx, c, fieldOwner, objs...); err != nil {
		return fmt.Errorf("granting namespace %s to service account %s: %w", t.Namespace, t.ServiceAccount, err)
	}
	return nil
}

// GrantHostnames records on the management cluster's Namespace the hostname
// patterns (comma-separated) its Applications may publish.
func GrantHostnames(ctx context.Context, mgmt client.Client, namespace, patterns string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace,
		Annotations: map[string]string{convoyv1alpha1.AnnotationAllowedHostnames: patterns}}}
	return ssa.Apply(ctx, mgmt, fieldOwner, ns)
}
