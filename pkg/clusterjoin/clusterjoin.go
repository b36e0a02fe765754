// Package clusterjoin registers an application cluster with convoy: in the
// cluster, a service account with the least privileges convoy needs (read
// only) and a long-lived token; in the management cluster, a Secret with the
// token and CA, and the Cluster object naming its URL, region and
// capabilities. Both convoy dev up and convoy clusters join use it. It also
// grants a tenant's namespace (Grant): the ServiceAccount convoy
// impersonates there and its rights. Both converge when run again.
package clusterjoin

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/ssa"
)

// SystemNamespace holds convoy's own objects in every cluster: the manager
// and cluster credentials in the management cluster, convoy's service
// account in application clusters.
const SystemNamespace = "convoy-system"

// AgentName names convoy's service account, role and token Secret in an
// application cluster.
const AgentName = "convoy-agent"

// fieldOwner is the field manager of what joining writes.
const fieldOwner = "convoy-join"

// read are the verbs of watching.
var read = []string{"get", "list", "watch"}

// agentRules is all convoy's agent may do by itself in an application
// cluster: watch the kinds a release installs and the pods, services and
// endpoint slices its health and traffic decisions need (label-filtered
// informers, pkg/clusters). It writes nothing and reads no Secret: every
// write impersonates a tenant's ServiceAccount, which only a grant in the
// tenant's namespace lets it do (Grant), so the cluster's RBAC and
// admission decide what each tenant installs (docs/security.md).
var agentRules = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"pods", "services", "endpoints", "events", "configmaps", "serviceaccounts", "persistentvolumeclaims"}, Verbs: read},
	{APIGroups: []string{"apps"}, Resources: []string{"deployments", "replicasets", "statefulsets", "daemonsets"}, Verbs: read},
	{APIGroups: []string{"batch"}, Resources: []string{"jobs", "cronjobs"}, Verbs: read},
	{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses", "networkpolicies"}, Verbs: read},
	{APIGroups: []string{"policy"}, Resources: []string{"poddisruptionbudgets"}, Verbs: read},
	{APIGroups: []string{"autoscaling"}, Resources: []string{"horizontalpodautoscalers"}, Verbs: read},
	{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: read},
}

// AgentRole is the agent's ClusterRole, named name.
func AgentRole(name string) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: agentRules}
}

// Cluster is an application cluster to join.
type Cluster struct {
	Name         string
	Region       string
	Capabilities []string
	// APIServerURL is the cluster's API server as the manager reaches it.
	APIServerURL string
	// CAData is the PEM CA bundle that verifies the API server.
	CAData []byte
}

// Join creates convoy's service account in the application cluster (c)
// and registers the cluster in the management cluster (mgmt).
func Join(ctx context.Context, mgmt, c client.Client, cluster Cluster) error {
	token, err := createAgentCredentials(ctx, c)
	if err != nil {
		return fmt.Errorf("cluster %s: %w", cluster.Name, err)
	}
	if err := register(ctx, mgmt, cluster, token); err != nil {
		return fmt.Errorf("registering cluster %s in the management cluster: %w", cluster.Name, err)
	}
	return nil
}

// createAgentCredentials makes convoy's service account in an application
// cluster and returns its long-lived token.
func createAgentCredentials(ctx context.Context, c client.Client) (string, error) {
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: SystemNamespace}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: AgentName, Namespace: SystemNamespace}},
		AgentRole(AgentName),
		&rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: AgentName},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: AgentName},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: AgentName, Namespace: SystemNamespace}},
		},
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: AgentName + "-token", Namespace: SystemNamespace,
				Annotations: map[string]string{corev1.ServiceAccountNameKey: AgentName}},
			Type: corev1.SecretTypeServiceAccountToken,
		},
	}
	if err := ssa.Apply(ctx, c, fieldOwner, objs...); err != nil {
		return "", err
	}
	var token string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		secret := &corev1.Secret{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: SystemNamespace, Name: AgentName + "-token"}, secret); err != nil {
			return false, nil
		}
		token = string(secret.Data[corev1.ServiceAccountTokenKey])
		return token != "", nil
	})
	if err != nil {
		return "", fmt.Errorf("waiting for the token of service account %s/%s: %w", SystemNamespace, AgentName, err)
	}
	return token, nil
}

// SecretName is the management cluster's Secret of a cluster's credentials.
func SecretName(cluster string) string { return "cluster-" + cluster }

// register stores an application cluster's credentials in the management
// cluster and creates its Cluster object.
func register(ctx context.Context, mgmt client.Client, cluster Cluster, token string) error {
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: SystemNamespace}},
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: SecretName(cluster.Name), Namespace: SystemNamespace},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{"token": []byte(token), "ca.crt": cluster.CAData},
		},
		&convoyv1alpha1.Cluster{
			ObjectMeta: metav1.ObjectMeta{Name: cluster.Name},
			Spec: convoyv1alpha1.ClusterSpec{
				APIServerURL:         cluster.APIServerURL,
				CredentialsSecretRef: convoyv1alpha1.SecretReference{Namespace: SystemNamespace, Name: SecretName(cluster.Name)},
				Region:               cluster.Region,
				Capabilities:         cluster.Capabilities,
			},
		},
	}
	return ssa.Apply(ctx, mgmt, fieldOwner, objs...)
}
