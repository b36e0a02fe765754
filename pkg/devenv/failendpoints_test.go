package devenv_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/convoy-rollouts/convoy/pkg/devenv/loopbacklb"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

// The load balancer stand-in listens on the address it assigns, on the
// Service's port: 503 while the Service has no ready endpoint, 200 once a
// pod behind it is ready, and refused connections while FailEndpoints
// breaks the cluster's data plane, until it is restored.
func TestLoadBalancerListensAndFails(t *testing.T) {
	env := testenv.Get(t)
	ctx := ctxFor(t)
	cluster := env.Clusters[0].Name
	c := env.ClusterClient(t, cluster)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("lb-%d", time.Now().UnixNano()%1e9)}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), ns) })
	labels := map[string]string{"app": "lbtest"}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "web"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Selector: labels,
			Ports: []corev1.ServicePort{{Name: "http", Port: 8080, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}}},
	}
	if err := c.Create(ctx, svc); err != nil {
		t.Fatal(err)
	}
	var addr netip.Addr
	testenv.Eventually(t, time.Minute, func() error {
		if err := c.Get(ctx, client.ObjectKeyFromObject(svc), svc); err != nil {
			return err
		}
		for _, ing := range svc.Status.LoadBalancer.Ingress {
			if a, err := netip.ParseAddr(ing.IP); err == nil {
				addr = a
				return nil
			}
		}
		return errors.New("no load balancer address yet")
	})
	target := net.JoinHostPort(addr.String(), "8080")

	// The environment's stand-in listens when it runs this tree's code;
	// an environment started from older code does not, and then this
	// test runs the listeners for this one address itself.
	if conn, err := net.DialTimeout("tcp", target, time.Second); err == nil {
		conn.Close()
		t.Logf("the environment's load balancer stand-in listens on %s", target)
	} else {
		clusters, err := env.LoadBalancerClusters(io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		lctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			only := clusters[0]
			only.Subnet = netip.PrefixFrom(addr, 32)
			done <- loopbacklb.Listen(lctx, []loopbacklb.Cluster{only}, io.Discard)
		}()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
		t.Logf("listening on %s in the test: the environment's stand-in predates listeners", target)
	}
	t.Cleanup(func() { _ = env.FailEndpoints(cluster, false) })

	get := func() (int, error) {
		client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Get("http://" + target + "/healthz")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	expect := func(want int) func() error {
		return func() error {
			got, err := get()
			if got != want {
				return fmt.Errorf("GET %s: %d %v, want %d", target, got, err, want)
			}
			return nil
		}
	}
	testenv.Eventually(t, time.Minute, expect(http.StatusServiceUnavailable))

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "web", Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "hello:1", Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}},
	}
	if err := c.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 2*time.Minute, expect(http.StatusOK))

	if err := env.FailEndpoints(cluster, true); err != nil {
		t.Fatal(err)
	}
	if failed, err := env.EndpointsFailed(cluster); err != nil || !failed {
		t.Fatalf("EndpointsFailed: %v %v, want true", failed, err)
	}
	testenv.Eventually(t, time.Minute, func() error {
		if _, err := get(); err == nil || !strings.Contains(err.Error(), "connection refused") {
			return fmt.Errorf("GET %s while failed: %v, want connection refused", target, err)
		}
		return nil
	})
	if err := env.FailEndpoints(cluster, false); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Minute, expect(http.StatusOK))

	// A failure for a while ends by itself.
	if err := env.FailEndpointsFor(cluster, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Minute, func() error {
		if failed, err := env.EndpointsFailed(cluster); err != nil || failed {
			return fmt.Errorf("still failed: %v", err)
		}
		return nil
	})
	testenv.Eventually(t, time.Minute, expect(http.StatusOK))

	if err := env.FailEndpoints("no-such-cluster", true); err == nil || !strings.Contains(err.Error(), `"no-such-cluster" is not an application cluster`) {
		t.Errorf("failing an unknown cluster: %v", err)
	}
}
