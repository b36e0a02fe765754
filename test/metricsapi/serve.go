package metricsapi

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// discoveryPath is the API's discovery document, which kube-aggregator
// fetches to check that the API is available and to learn its resources.
// The aggregated discovery at /apis and /openapi/v3 answer 404, which
// kube-aggregator does without: it falls back to this document and to
// /openapi/v2.
const discoveryPath = "/apis/metrics.k8s.io/v1beta1"

// openAPIv2 is an empty OpenAPI document: kube-aggregator logs an error and
// retries, for as long as the API is registered, when there is none.
const openAPIv2 = `{"swagger":"2.0","info":{"title":"metrics.k8s.io test stand-in","version":"v1beta1"},"paths":{}}`

// window is the period a sample claims to cover, ending at the time of the
// request. The HorizontalPodAutoscaler ignores the CPU sample of a pod in
// its first 5 minutes (--horizontal-pod-autoscaler-cpu-initialization-period)
// if the window starts before the pod became Ready (replica_calculator.go,
// groupPods): a short window makes a pod count a second after it is Ready.
const window = time.Second

var (
	podsResource  = metricsv1beta1.SchemeGroupVersion.WithResource("pods").GroupResource()
	nodesResource = metricsv1beta1.SchemeGroupVersion.WithResource("nodes").GroupResource()
	listMeta      = func(kind string) metav1.TypeMeta {
		return metav1.TypeMeta{Kind: kind, APIVersion: metricsv1beta1.SchemeGroupVersion.String()}
	}
)

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+discoveryPath, s.serveDiscovery)
	mux.HandleFunc("GET /openapi/v2", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, openAPIv2)
	})
	mux.HandleFunc("GET "+discoveryPath+"/pods", s.servePods)
	mux.HandleFunc("GET "+discoveryPath+"/namespaces/{namespace}/pods", s.servePods)
	mux.HandleFunc("GET "+discoveryPath+"/namespaces/{namespace}/pods/{name}", s.servePods)
	mux.HandleFunc("GET "+discoveryPath+"/nodes", s.serveNodes)
	mux.HandleFunc("GET "+discoveryPath+"/nodes/{name}", s.serveNodes)
	return mux
}

func (s *Server) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	s.discoveries.Add(1)
	verbs := metav1.Verbs{"get", "list"}
	writeJSON(w, http.StatusOK, &metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: metricsv1beta1.SchemeGroupVersion.String(),
		APIResources: []metav1.APIResource{
			{Name: "nodes", Kind: "NodeMetrics", Verbs: verbs},
			{Name: "pods", Kind: "PodMetrics", Namespaced: true, Verbs: verbs},
		},
	})
}

// servePods answers a list (all namespaces or one, honouring labelSelector
// and a fieldSelector on metadata.name/metadata.namespace) or a get of one
// pod's metrics. Pods are read from the cluster now, so the numbers follow
// the pods as they come and go.
func (s *Server) servePods(w http.ResponseWriter, r *http.Request) {
	namespace, name := r.PathValue("namespace"), r.PathValue("name")
	selector, fieldSelector, err := selectors(r)
	if err != nil {
		writeError(w, err)
		return
	}
	pods, err := s.kube.CoreV1().Pods(namespace).List(r.Context(), metav1.ListOptions{})
	if err != nil {
		writeError(w, err)
		return
	}
	now := metav1.Now()
	list := &metricsv1beta1.PodMetricsList{TypeMeta: listMeta("PodMetricsList")}
	for _, pod := range s.podMetrics(pods.Items, now) {
		fieldSet := fields.Set{"metadata.name": pod.Name, "metadata.namespace": pod.Namespace}
		if (name == "" || pod.Name == name) && selector.Matches(labels.Set(pod.Labels)) && fieldSelector.Matches(fieldSet) {
			list.Items = append(list.Items, pod)
		}
	}
	if name == "" {
		writeJSON(w, http.StatusOK, list)
		return
	}
	if len(list.Items) == 0 {
		writeError(w, apierrors.NewNotFound(podsResource, namespace+"/"+name))
		return
	}
	item := list.Items[0]
	item.TypeMeta = listMeta("PodMetrics")
	writeJSON(w, http.StatusOK, &item)
}

// serveNodes answers a list or a get of nodes' metrics: a node uses what
// its pods use.
func (s *Server) serveNodes(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	selector, fieldSelector, err := selectors(r)
	if err != nil {
		writeError(w, err)
		return
	}
	nodes, err := s.kube.CoreV1().Nodes().List(r.Context(), metav1.ListOptions{})
	if err != nil {
		writeError(w, err)
		return
	}
	pods, err := s.kube.CoreV1().Pods("").List(r.Context(), metav1.ListOptions{})
	if err != nil {
		writeError(w, err)
		return
	}
	cpu := s.shares(pods.Items)
	byNode := map[string]int64{}
	for _, pod := range pods.Items {
		byNode[pod.Spec.NodeName] += cpu[types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}]
	}
	now := metav1.Now()
	list := &metricsv1beta1.NodeMetricsList{TypeMeta: listMeta("NodeMetricsList")}
	for _, node := range nodes.Items {
		if (name != "" && node.Name != name) || !selector.Matches(labels.Set(node.Labels)) ||
			!fieldSelector.Matches(fields.Set{"metadata.name": node.Name}) {
			continue
		}
		list.Items = append(list.Items, metricsv1beta1.NodeMetrics{
			ObjectMeta: metav1.ObjectMeta{Name: node.Name, Labels: node.Labels, CreationTimestamp: now},
			Timestamp:  now,
			Window:     metav1.Duration{Duration: window},
			Usage:      usage(byNode[node.Name]),
		})
	}
	if name == "" {
		writeJSON(w, http.StatusOK, list)
		return
	}
	if len(list.Items) == 0 {
		writeError(w, apierrors.NewNotFound(nodesResource, name))
		return
	}
	item := list.Items[0]
	item.TypeMeta = listMeta("NodeMetrics")
	writeJSON(w, http.StatusOK, &item)
}

// podMetrics are the metrics of the Running pods among pods (the ones
// metrics-server would report), sorted by namespace and name.
func (s *Server) podMetrics(pods []corev1.Pod, now metav1.Time) []metricsv1beta1.PodMetrics {
	cpu := s.shares(pods)
	var out []metricsv1beta1.PodMetrics
	for _, pod := range pods {
		if pod.Status.Phase != corev1.PodRunning || len(pod.Spec.Containers) == 0 {
			continue
		}
		m := metricsv1beta1.PodMetrics{
			ObjectMeta: metav1.ObjectMeta{
				Name: pod.Name, Namespace: pod.Namespace, Labels: pod.Labels, CreationTimestamp: now,
			},
			Timestamp: now,
			Window:    metav1.Duration{Duration: window},
		}
		split := splitEvenly(cpu[types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}], len(pod.Spec.Containers))
		for i, c := range pod.Spec.Containers {
			m.Containers = append(m.Containers, metricsv1beta1.ContainerMetrics{Name: c.Name, Usage: usage(split[i])})
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// usage is a ResourceList of millicores of CPU; memory is reported (as
// zero) because clients such as kubectl top expect it.
func usage(millicores int64) corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewMilliQuantity(millicores, resource.DecimalSI),
		corev1.ResourceMemory: *resource.NewQuantity(0, resource.BinarySI),
	}
}

// shares is each pod's CPU usage in millicores under the loads set now.
func (s *Server) shares(pods []corev1.Pod) map[types.NamespacedName]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return shares(pods, s.loads)
}

type loadKey struct{ namespace, selector string }

type load struct {
	selector   labels.Selector
	millicores int64
}

// shares is each pod's CPU usage in millicores: every load is split evenly
// among the Running, Ready, not terminating pods of its namespace that its
// selector matches, in name order for the remainder; pods that no load
// matches are absent (zero).
func shares(pods []corev1.Pod, loads map[loadKey]load) map[types.NamespacedName]int64 {
	out := map[types.NamespacedName]int64{}
	for key, l := range loads {
		var sharing []types.NamespacedName
		for _, pod := range pods {
			if pod.Namespace == key.namespace && serving(&pod) && l.selector.Matches(labels.Set(pod.Labels)) {
				sharing = append(sharing, types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name})
			}
		}
		sort.Slice(sharing, func(i, j int) bool { return sharing[i].Name < sharing[j].Name })
		for i, share := range splitEvenly(l.millicores, len(sharing)) {
			out[sharing[i]] += share
		}
	}
	return out
}

// serving tells whether a pod takes its share of the load: Running, Ready
// and not being deleted, as a Service's endpoints would have it.
func serving(pod *corev1.Pod) bool {
	if pod.Status.Phase != corev1.PodRunning || pod.DeletionTimestamp != nil {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// splitEvenly splits total into n parts that differ by at most one and add
// up to total, the larger first.
func splitEvenly(total int64, n int) []int64 {
	if n == 0 {
		return nil
	}
	parts := make([]int64, n)
	for i := range parts {
		parts[i] = total / int64(n)
		if int64(i) < total%int64(n) {
			parts[i]++
		}
	}
	return parts
}

// selectors parses a request's labelSelector and fieldSelector.
func selectors(r *http.Request) (labels.Selector, fields.Selector, error) {
	q := r.URL.Query()
	selector, err := labels.Parse(q.Get("labelSelector"))
	if err != nil {
		return nil, nil, apierrors.NewBadRequest("labelSelector: " + err.Error())
	}
	fieldSelector, err := fields.ParseSelector(q.Get("fieldSelector"))
	if err != nil {
		return nil, nil, apierrors.NewBadRequest("fieldSelector: " + err.Error())
	}
	return selector, fieldSelector, nil
}

func writeJSON(w http.ResponseWriter, code int, obj any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(obj)
}

// writeError answers with the error as a Kubernetes Status, which clients
// decode into the matching error (NotFound, BadRequest, ...).
func writeError(w http.ResponseWriter, err error) {
	status := apierrors.NewInternalError(err).ErrStatus
	if apiStatus, ok := err.(apierrors.APIStatus); ok {
		status = apiStatus.Status()
	}
	status.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	writeJSON(w, int(status.Code), &status)
}
