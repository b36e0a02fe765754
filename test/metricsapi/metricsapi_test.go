package metricsapi_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	aggregator "k8s.io/kube-aggregator/pkg/client/clientset_generated/clientset"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"
	"k8s.io/utils/ptr"

	"github.com/convoy-rollouts/convoy/test/metricsapi"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

// scaleTimeout bounds each wait for the HorizontalPodAutoscaler: it looks
// every 5 s in the local environment and scales up by at most 4 pods or
// 100% per 15 s (Kubernetes' default behavior).
const scaleTimeout = 90 * time.Second

// TestHorizontalPodAutoscaler has kube-controller-manager's real
// HorizontalPodAutoscaler controller scale a plain Deployment on the CPU
// load the test sets, read through kube-aggregator from the stand-in.
func TestHorizontalPodAutoscaler(t *testing.T) {
	env := testenv.Get(t)
	ns := env.Namespace(t)
	// The last cluster: test/integration's autoscaled rollout, which runs
	// beside this package in make test, holds the first ones' registration
	// for minutes.
	cluster := env.Clusters[len(env.Clusters)-1].Name
	cfg := env.ClusterConfig(t, cluster)
	kube := kubernetes.NewForConfigOrDie(cfg)
	ctx := t.Context()

	start := time.Now()
	srv := metricsapi.StartForTest(t, cfg, cluster)
	t.Logf("metrics API registered and Available in cluster %s after %s", cluster, time.Since(start).Round(time.Millisecond))
	resources, err := kube.Discovery().ServerResourcesForGroupVersion(metricsv1beta1.SchemeGroupVersion.String())
	if err != nil {
		t.Fatalf("discovery of the registered metrics API: %v", err)
	}
	var names []string
	for _, r := range resources.APIResources {
		names = append(names, r.Name)
	}
	if slices.Sort(names); !slices.Equal(names, []string{"nodes", "pods"}) {
		t.Fatalf("metrics API resources = %v, want [nodes pods]", names)
	}

	podLabels := map[string]string{"app": "web"}
	selector := labels.SelectorFromSet(podLabels)
	srv.SetLoad(ns, selector, 300)
	createAutoscaledDeployment(t, kube, ns, "web", podLabels)

	// 300m over pods requesting 100m each, aiming at 50%: 6 pods at 50m.
	waitScaled(t, kube, ns, "web", 6, 50)
	// What the controller read: each Ready pod's share, through the
	// aggregator as clients of metrics-server read it.
	pm, err := metricsclient.NewForConfigOrDie(cfg).MetricsV1beta1().PodMetricses(ns).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		t.Fatalf("listing pod metrics: %v", err)
	}
	var total int64
	for _, m := range pm.Items {
		for _, c := range m.Containers {
			total += c.Usage.Cpu().MilliValue()
		}
	}
	if len(pm.Items) != 6 || total != 300 {
		t.Fatalf("pod metrics: %d pods using %dm in all, want 6 using 300m", len(pm.Items), total)
	}

	// A scale-down would wait out the 5-minute stabilization window; a
	// second scale-up shows the controller following a change of load.
	// 700m wants 14 pods: it stops at the maximum, 10, at 70% each.
	srv.SetLoad(ns, selector, 700)
	waitScaled(t, kube, ns, "web", 10, 70)

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	agg := aggregator.NewForConfigOrDie(cfg)
	if _, err := agg.ApiregistrationV1().APIServices().Get(ctx, metricsapi.APIServiceName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("APIService %s after Close: got error %v, want NotFound", metricsapi.APIServiceName, err)
	}
	services, err := kube.CoreV1().Services(metricsapi.ServiceNamespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range services.Items {
		if svc.Name == srv.ServiceName() {
			t.Fatalf("Service %s/%s still there after Close", svc.Namespace, svc.Name)
		}
	}
	// Discovery is whole again: no group left that fails.
	if _, _, err := kube.Discovery().ServerGroupsAndResources(); err != nil {
		t.Fatalf("discovery after Close: %v", err)
	}
}

// createAutoscaledDeployment creates a Deployment of one pod requesting
// 100m of CPU and an autoscaling/v2 HorizontalPodAutoscaler keeping its
// pods at 50% of that, between 1 and 10 replicas. kwok runs the pods (no
// image is pulled) on its fake nodes, which have no taints.
func createAutoscaledDeployment(t *testing.T, kube kubernetes.Interface, ns, name string, podLabels map[string]string) {
	t.Helper()
	ctx := t.Context()
	deployment := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: podLabels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  name,
					Image: "example.invalid/web:test",
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
					},
				}}},
			},
		},
	}
	if _, err := kube.AppsV1().Deployments(ns).Create(ctx, deployment, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating Deployment %s/%s: %v", ns, name, err)
	}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: name},
			MinReplicas:    ptr.To[int32](1),
			MaxReplicas:    10,
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{
					Name:   corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](50)},
				},
			}},
		},
	}
	if _, err := kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, hpa, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating HorizontalPodAutoscaler %s/%s: %v", ns, name, err)
	}
}

// waitScaled waits until the HorizontalPodAutoscaler name has settled on
// replicas Ready pods whose average CPU utilization it reports as
// utilization (percent), and logs the replica counts it went through.
func waitScaled(t *testing.T, kube kubernetes.Interface, ns, name string, replicas, utilization int32) {
	t.Helper()
	ctx := t.Context()
	start := time.Now()
	seen := []int32{}
	testenv.Eventually(t, scaleTimeout, func() error {
		hpa, err := kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		deployment, err := kube.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if n := len(seen); n == 0 || seen[n-1] != hpa.Status.DesiredReplicas {
			seen = append(seen, hpa.Status.DesiredReplicas)
		}
		current := cpuUtilization(hpa)
		if hpa.Status.DesiredReplicas != replicas || deployment.Status.ReadyReplicas != replicas ||
			current == nil || *current != utilization {
			return fmt.Errorf("HorizontalPodAutoscaler %s/%s: desired %d replicas, Deployment has %d Ready, CPU utilization %s; want %d at %d%%; conditions: %s",
				ns, name, hpa.Status.DesiredReplicas, deployment.Status.ReadyReplicas, percent(current), replicas, utilization, conditions(hpa))
		}
		return nil
	})
	t.Logf("HorizontalPodAutoscaler %s/%s: desired replicas %v, settled on %d at %d%% after %s",
		ns, name, seen, replicas, utilization, time.Since(start).Round(time.Second))
}

// cpuUtilization is the average CPU utilization the HorizontalPodAutoscaler
// last read, if any.
func cpuUtilization(hpa *autoscalingv2.HorizontalPodAutoscaler) *int32 {
	for _, m := range hpa.Status.CurrentMetrics {
		if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU {
			return m.Resource.Current.AverageUtilization
		}
	}
	return nil
}

func percent(p *int32) string {
	if p == nil {
		return "unknown"
	}
	return fmt.Sprintf("%d%%", *p)
}

func conditions(hpa *autoscalingv2.HorizontalPodAutoscaler) string {
	var out []string
	for _, c := range hpa.Status.Conditions {
		out = append(out, fmt.Sprintf("%s=%s (%s: %s)", c.Type, c.Status, c.Reason, c.Message))
	}
	return strings.Join(out, "; ")
}
