package devenv

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// SystemNamespace holds convoy's own objects in every cluster: the manager
// and cluster credentials in the management cluster, convoy's service
// account in application clusters.
const SystemNamespace = "convoy-system"

// agentName names convoy's service account, role and token Secret in an
// application cluster.
const agentName = "convoy-agent"

// agentRules is what convoy needs in an application cluster: install the
// release's objects, scale its workloads, read their pods and events to judge
// health, and read Services for load balancer addresses. Charts may contain
// any namespaced kind, so installation needs write access to the common
// workload groups; nothing cluster-wide is writable besides namespaces.
var agentRules = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "watch", "create"}},
	{APIGroups: []string{""}, Resources: []string{"services", "configmaps", "secrets", "serviceaccounts", "persistentvolumeclaims"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
	{APIGroups: []string{""}, Resources: []string{"pods", "events", "endpoints"}, Verbs: []string{"get", "list", "watch"}},
	{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets", "daemonsets", "replicasets"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
	{APIGroups: []string{"apps"}, Resources: []string{"deployments/scale"}, Verbs: []string{"get", "update", "patch"}},
	{APIGroups: []string{"batch"}, Resources: []string{"jobs", "cronjobs"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
	{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses", "networkpolicies"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
	{APIGroups: []string{"policy"}, Resources: []string{"poddisruptionbudgets"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
	{APIGroups: []string{"autoscaling"}, Resources: []string{"horizontalpodautoscalers"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
	{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"get", "list", "watch"}},
}

// createAgentCredentials makes convoy's service account in an application
// cluster and returns its long-lived token.
func createAgentCredentials(ctx context.Context, c client.Client) (string, error) {
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: SystemNamespace}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: agentName, Namespace: SystemNamespace}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: agentName}, Rules: agentRules},
		&rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: agentName},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: agentName},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: agentName, Namespace: SystemNamespace}},
		},
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: agentName + "-token", Namespace: SystemNamespace,
				Annotations: map[string]string{corev1.ServiceAccountNameKey: agentName}},
			Type: corev1.SecretTypeServiceAccountToken,
		},
	}
	if err := apply(ctx, c, objs...); err != nil {
		return "", err
	}
	var token string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		secret := &corev1.Secret{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: SystemNamespace, Name: agentName + "-token"}, secret); err != nil {
			return false, nil
		}
		token = string(secret.Data[corev1.ServiceAccountTokenKey])
		return token != "", nil
	})
	if err != nil {
		return "", fmt.Errorf("waiting for the token of service account %s/%s: %w", SystemNamespace, agentName, err)
	}
	return token, nil
}

// registerCluster stores an application cluster's credentials in the
// management cluster and creates its Cluster object.
func registerCluster(ctx context.Context, mgmt client.Client, app AppCluster, appConfig *rest.Config, token string) error {
	secretName := "cluster-" + app.Name
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: SystemNamespace}},
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: secretName, Namespace: SystemNamespace},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{"token": []byte(token), "ca.crt": appConfig.CAData},
		},
		&convoyv1alpha1.Cluster{
			ObjectMeta: metav1.ObjectMeta{Name: app.Name},
			Spec: convoyv1alpha1.ClusterSpec{
				APIServerURL:         appConfig.Host,
				CredentialsSecretRef: convoyv1alpha1.SecretReference{Namespace: SystemNamespace, Name: secretName},
				Region:               app.Region,
				Capabilities:         app.Capabilities,
			},
		},
	}
	return apply(ctx, mgmt, objs...)
}
