package devenv_test

import (
	"context"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/devenv"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestApplicationClustersHaveReadyNodes(t *testing.T) {
	env := testenv.Get(t)
	ctx := ctxFor(t)
	for _, app := range env.Clusters {
		nodes := &corev1.NodeList{}
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			if err := env.ClusterClient(t, app.Name).List(ctx, nodes); err != nil {
				return false, err
			}
			return len(nodes.Items) > 0 && countReady(nodes) == len(nodes.Items), nil
		})
		if err != nil {
			t.Errorf("cluster %s: %d of %d nodes ready: %v", app.Name, countReady(nodes), len(nodes.Items), err)
		}
	}
}

func countReady(nodes *corev1.NodeList) int {
	ready := 0
	for _, n := range nodes.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				ready++
			}
		}
	}
	return ready
}

// Each application cluster is registered with its region, and the stored
// credentials reach it with convoy's privileges and no more.
func TestClustersAreRegisteredWithLeastPrivilegeCredentials(t *testing.T) {
	env := testenv.Get(t)
	ctx := ctxFor(t)
	mgmt := env.ManagementClient(t)
	for _, app := range env.Clusters {
		cluster := &convoyv1alpha1.Cluster{}
		if err := mgmt.Get(ctx, client.ObjectKey{Name: app.Name}, cluster); err != nil {
			t.Fatalf("Cluster %s: %v", app.Name, err)
		}
		if cluster.Spec.Region != app.Region {
			t.Errorf("Cluster %s: region %q, want %q", app.Name, cluster.Spec.Region, app.Region)
		}
		secret := &corev1.Secret{}
		ref := cluster.Spec.CredentialsSecretRef
		if err := mgmt.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, secret); err != nil {
			t.Fatalf("Cluster %s: credentials Secret %s/%s: %v", app.Name, ref.Namespace, ref.Name, err)
		}
		agentConfig := &rest.Config{
			Host:            cluster.Spec.APIServerURL,
			BearerToken:     string(secret.Data["token"]),
			TLSClientConfig: rest.TLSClientConfig{CAData: secret.Data["ca.crt"]},
		}
		agent, err := client.New(agentConfig, client.Options{Scheme: devenv.Scheme})
		if err != nil {
			t.Fatal(err)
		}
		if err := agent.List(ctx, &appsv1.DeploymentList{}); err != nil {
			t.Errorf("cluster %s: convoy's credentials cannot list Deployments: %v", app.Name, err)
		}
		role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "convoy-test-escalation"}}
		if err := agent.Create(ctx, role); !apierrors.IsForbidden(err) {
			t.Errorf("cluster %s: creating a ClusterRole with convoy's credentials: got %v, want Forbidden", app.Name, err)
		}
	}
}

// The load balancer stand-in gives each LoadBalancer Service its own
// address from its cluster's loopback subnet, and Deployments become
// available on kwok's nodes.
func TestLoadBalancerServicesGetLoopbackAddresses(t *testing.T) {
	env := testenv.Get(t)
	ctx := ctxFor(t)
	app := env.Clusters[0]
	subnet := netip.MustParsePrefix(env.LoadBalancerSubnets()[0])
	c := env.ClusterClient(t, app.Name)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "lb-"}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), ns) })

	labels := map[string]string{"app": "web"}
	replicas := int32(3)
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns.Name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "example.invalid/web:1"}}},
			},
		},
	}
	if err := c.Create(ctx, deploy); err != nil {
		t.Fatal(err)
	}
	addrs := map[string]string{}
	for _, name := range []string{"web", "web-canary"} {
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns.Name},
			Spec: corev1.ServiceSpec{
				Type:     corev1.ServiceTypeLoadBalancer,
				Selector: labels,
				Ports:    []corev1.ServicePort{{Port: 80}},
			},
		}
		if err := c.Create(ctx, svc); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"web", "web-canary"} {
		svc := &corev1.Service{}
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			if err := c.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: name}, svc); err != nil {
				return false, err
			}
			return len(svc.Status.LoadBalancer.Ingress) > 0, nil
		})
		if err != nil {
			t.Fatalf("service %s got no load balancer address: %v", name, err)
		}
		ip := netip.MustParseAddr(svc.Status.LoadBalancer.Ingress[0].IP)
		if !subnet.Contains(ip) {
			t.Errorf("service %s: address %s outside the cluster's subnet %s", name, ip, subnet)
		}
		addrs[name] = ip.String()
	}
	if addrs["web"] == addrs["web-canary"] {
		t.Errorf("two Services share the address %s", addrs["web"])
	}

	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(deploy), deploy); err != nil {
			return false, err
		}
		return deploy.Status.AvailableReplicas == replicas, nil
	})
	if err != nil {
		t.Errorf("deployment %d/%d available: %v", deploy.Status.AvailableReplicas, replicas, err)
	}
}

// Up again converges on the running environment; asking for other clusters
// is refused with a way out rather than half-changing it.
func TestUpIsIdempotent(t *testing.T) {
	env := testenv.Get(t)
	ctx := ctxFor(t)
	again, err := devenv.Up(ctx, devenv.Options{Name: env.Name, Dir: env.Dir, Clusters: env.Clusters})
	if err != nil {
		t.Fatalf("second Up: %v", err)
	}
	if again.Kubeconfig != env.Kubeconfig || len(again.Clusters) != len(env.Clusters) {
		t.Errorf("second Up changed the environment: %+v, was %+v", again, env.Environment)
	}
	other := append([]devenv.AppCluster{}, env.Clusters...)
	other = append(other, devenv.AppCluster{Name: "ap-south-1", Region: "ap-south"})
	_, err = devenv.Up(ctx, devenv.Options{Name: env.Name, Dir: env.Dir, Clusters: other})
	if err == nil || !strings.Contains(err.Error(), "convoy dev down") {
		t.Errorf("Up with other clusters: got %v, want a refusal naming 'convoy dev down'", err)
	}
}

// Cutting a cluster's API proxy breaks convoy's path to its API server,
// established watches included, while the kubeconfig's context still
// reaches it; the cut ends on RestoreAPI, and by itself after its duration.
func TestCutAPIBreaksConvoysPathOnly(t *testing.T) {
	env := testenv.Get(t)
	ctx := ctxFor(t)
	// The last cluster: other tests sharing the environment lean on the first.
	app := env.Clusters[len(env.Clusters)-1]
	t.Cleanup(func() { _ = env.RestoreAPI(context.Background(), app.Name) })

	cluster := &convoyv1alpha1.Cluster{}
	if err := env.ManagementClient(t).Get(ctx, client.ObjectKey{Name: app.Name}, cluster); err != nil {
		t.Fatalf("Cluster %s: %v", app.Name, err)
	}
	direct := env.ClusterConfig(t, app.Name)
	if cluster.Spec.APIServerURL != env.APIProxyURL(app.Name) || cluster.Spec.APIServerURL == direct.Host {
		t.Fatalf("Cluster %s: apiServerURL %s, want its API proxy %s, not the API server %s",
			app.Name, cluster.Spec.APIServerURL, env.APIProxyURL(app.Name), direct.Host)
	}
	// TLS passes through the proxy untouched, so this also checks that the
	// API server's certificate is valid for the proxy's address.
	proxied := rest.CopyConfig(direct)
	proxied.Host = cluster.Spec.APIServerURL
	watcher := clientset(t, proxied)
	proxied.Timeout = 5 * time.Second
	viaProxy, viaContext := clientset(t, proxied), clientset(t, direct)
	reachable := func(cs *kubernetes.Clientset) error { _, err := cs.Discovery().ServerVersion(); return err }
	if err := reachable(viaProxy); err != nil {
		t.Fatalf("cluster %s through its API proxy, before any cut: %v", app.Name, err)
	}
	w, err := watcher.CoreV1().Namespaces().Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watching namespaces of %s through its API proxy: %v", app.Name, err)
	}
	defer w.Stop()

	if err := env.CutAPI(ctx, app.Name, 0); err != nil {
		t.Fatal(err)
	}
	for open := true; open; {
		select {
		case _, open = <-w.ResultChan():
		case <-ctx.Done():
			t.Fatalf("cluster %s: a watch through the API proxy outlived the cut", app.Name)
		}
	}
	if err := reachable(viaProxy); err == nil {
		t.Errorf("cluster %s: reached through its API proxy during a cut", app.Name)
	}
	if err := reachable(viaContext); err != nil {
		t.Errorf("cluster %s: context %s cannot reach it during a cut of its proxy: %v", app.Name, env.Context(app.Name), err)
	}
	states, err := env.APIProxyStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := states[app.Name]; !s.Cut || s.Until != nil {
		t.Errorf("status of the API proxy of %s: %+v, want cut until restored", app.Name, s)
	}

	if err := env.RestoreAPI(ctx, app.Name); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, func() error { return reachable(viaProxy) })

	// Nobody restores this one.
	if err := env.CutAPI(ctx, app.Name, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, func() error { return reachable(viaProxy) })

	if err := env.CutAPI(ctx, "no-such-cluster", 0); err == nil || !strings.Contains(err.Error(), app.Name) {
		t.Errorf("cutting an unknown cluster: got %v, want an error naming the environment's clusters", err)
	}
}

func clientset(t *testing.T, cfg *rest.Config) *kubernetes.Clientset {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}
