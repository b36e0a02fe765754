// Package metricsapi is a test-environment stand-in for metrics-server,
// like pkg/devenv/loopbacklb is for a cloud load balancer: never part of
// the product. It serves the resource metrics API (metrics.k8s.io/v1beta1)
// of one local application cluster, registered there as a real aggregated
// API, so that the cluster's real HorizontalPodAutoscaler controller (in
// kube-controller-manager) scales on CPU. Only the numbers are made up: the
// test sets the CPU load of a set of pods (SetLoad) and the pods that are
// Running and Ready share it, as a Service would spread requests over them.
//
// An aggregated API that is registered but unavailable breaks discovery for
// every client of its cluster (the namespace controller and the garbage
// collector stop, kubectl warns), and the environment is shared by every
// test: Close deregisters, and Start takes over a registration that a
// crashed run left behind.
package metricsapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	aggregator "k8s.io/kube-aggregator/pkg/client/clientset_generated/clientset"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

const (
	// APIServiceName is the registration of the resource metrics API; a
	// cluster has one, so one Server per cluster at a time.
	APIServiceName = "v1beta1.metrics.k8s.io"

	// ServiceNamespace holds the Service the APIService points at.
	ServiceNamespace = "kube-system"

	// managedBy marks the APIService and Services of this stand-in, so that
	// Start only ever takes over its own (never a real metrics-server).
	managedByLabel = "app.kubernetes.io/managed-by"
	managedBy      = "convoy-test-metricsapi"

	// availableTimeout bounds the wait for kube-aggregator to find the API
	// available: it checks a new registration within a second or two.
	availableTimeout = time.Minute

	// ownerTimeout bounds the wait for another live stand-in (another test
	// process on the same cluster) to deregister before taking over.
	ownerTimeout = 3 * time.Minute

	pollInterval = 200 * time.Millisecond
)

// Server serves the resource metrics API of one cluster.
type Server struct {
	cluster     string
	port        int32
	serviceName string
	http        *httptest.Server
	kube        kubernetes.Interface
	aggregator  aggregator.Interface

	mu    sync.Mutex
	loads map[loadKey]load

	// discoveries counts requests for the discovery document: kube-aggregator
	// has reached the server once it is positive.
	discoveries atomic.Int64

	closeOnce sync.Once
	closeErr  error
}

// Start serves the API on 127.0.0.1 and registers it in the cluster that
// cfg reaches (named cluster in errors): a Service of type ExternalName
// 127.0.0.1 in kube-system and the APIService v1beta1.metrics.k8s.io with
// the server's port. It returns once kube-aggregator reports the API
// Available. Close deregisters it.
func Start(ctx context.Context, cfg *rest.Config, cluster string) (*Server, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = managedBy
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", cluster, err)
	}
	agg, err := aggregator.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", cluster, err)
	}
	s := &Server{cluster: cluster, kube: kube, aggregator: agg, loads: map[loadKey]load{}}

	s.http = httptest.NewUnstartedServer(s.handler())
	// kube-aggregator's checks open and drop connections; their TLS
	// handshake errors are noise.
	s.http.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.http.StartTLS() // httptest listens on 127.0.0.1 with its own self-signed certificate
	s.port = int32(s.http.Listener.Addr().(*net.TCPAddr).Port)
	s.serviceName = "convoy-test-metrics-" + strconv.Itoa(int(s.port))

	if err := s.register(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("cluster %s: registering the metrics API: %w", cluster, err), s.Close())
	}
	return s, nil
}

// StartForTest is Start for a test, which it fails on error; the server
// closes at the test's cleanup.
func StartForTest(tb testing.TB, cfg *rest.Config, cluster string) *Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ownerTimeout+availableTimeout+30*time.Second)
	defer cancel()
	s, err := Start(ctx, cfg, cluster)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// Port is the server's port on 127.0.0.1.
func (s *Server) Port() int32 { return s.port }

// ServiceName is the name of the server's Service in ServiceNamespace.
func (s *Server) ServiceName() string { return s.serviceName }

// register points the cluster's APIService at this server and waits until
// kube-aggregator finds it available.
func (s *Server) register(ctx context.Context) error {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: s.serviceName, Namespace: ServiceNamespace, Labels: map[string]string{managedByLabel: managedBy}},
		// kube-apiserver routes an ExternalName Service to
		// https://<externalName>:<the APIService's port> (ResolveCluster in
		// k8s.io/apiserver/pkg/util/proxy), with no endpoints to check.
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "127.0.0.1"},
	}
	services := s.kube.CoreV1().Services(ServiceNamespace)
	if _, err := services.Create(ctx, svc, metav1.CreateOptions{}); apierrors.IsAlreadyExists(err) {
		// A crashed run on the same port: the name is ours.
		if err := services.Delete(ctx, s.serviceName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("replacing Service %s/%s: %w", ServiceNamespace, s.serviceName, err)
		}
		_, err = services.Create(ctx, svc, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("creating Service %s/%s: %w", ServiceNamespace, s.serviceName, err)
		}
	} else if err != nil {
		return fmt.Errorf("creating Service %s/%s: %w", ServiceNamespace, s.serviceName, err)
	}

	if err := s.claimAPIService(ctx); err != nil {
		return err
	}
	return s.waitAvailable(ctx)
}

func (s *Server) apiService() *apiregistrationv1.APIService {
	port := s.port
	return &apiregistrationv1.APIService{
		ObjectMeta: metav1.ObjectMeta{Name: APIServiceName, Labels: map[string]string{managedByLabel: managedBy}},
		Spec: apiregistrationv1.APIServiceSpec{
			Group:   metricsv1beta1.SchemeGroupVersion.Group,
			Version: metricsv1beta1.SchemeGroupVersion.Version,
			Service: &apiregistrationv1.ServiceReference{Namespace: ServiceNamespace, Name: s.serviceName, Port: &port},
			// The certificate is httptest's own.
			InsecureSkipTLSVerify: true,
			// metrics-server's values.
			GroupPriorityMinimum: 100,
			VersionPriority:      100,
		},
	}
}

// claimAPIService creates the APIService or takes over one left by a
// stand-in that no longer answers. While another stand-in answers (a test
// process running beside this one), it waits for that one to close.
func (s *Server) claimAPIService(ctx context.Context) error {
	apiServices := s.aggregator.ApiregistrationV1().APIServices()
	deadline := time.Now().Add(ownerTimeout)
	for {
		existing, err := apiServices.Get(ctx, APIServiceName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = apiServices.Create(ctx, s.apiService(), metav1.CreateOptions{})
			if err == nil {
				return nil
			}
			if !apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("creating APIService %s: %w", APIServiceName, err)
			}
			// Another process created it meanwhile: look again.
		case err != nil:
			return fmt.Errorf("reading APIService %s: %w", APIServiceName, err)
		case existing.Labels[managedByLabel] != managedBy:
			return fmt.Errorf("APIService %s exists and is not this stand-in's (label %s=%s missing): is a real metrics-server installed?",
				APIServiceName, managedByLabel, managedBy)
		case !s.answers(ctx, existing):
			stale := existing.Spec.Service
			want := s.apiService()
			existing.Spec = want.Spec
			_, err = apiServices.Update(ctx, existing, metav1.UpdateOptions{})
			if err == nil {
				s.deleteStaleService(ctx, stale)
				return nil
			}
			if !apierrors.IsConflict(err) {
				return fmt.Errorf("taking over APIService %s: %w", APIServiceName, err)
			}
			// Another process took it over meanwhile: look again.
		case time.Now().After(deadline):
			return fmt.Errorf("APIService %s is still served by another live stand-in on 127.0.0.1:%d after %s (another test process on this cluster?)",
				APIServiceName, *existing.Spec.Service.Port, ownerTimeout)
		}
		if err := sleep(ctx, time.Second); err != nil {
			return fmt.Errorf("claiming APIService %s: %w", APIServiceName, err)
		}
	}
}

// answers tells whether the stand-in an APIService of ours points at is
// alive: it serves on 127.0.0.1 of this machine, so it is asked directly.
func (s *Server) answers(ctx context.Context, apiService *apiregistrationv1.APIService) bool {
	ref := apiService.Spec.Service
	if ref == nil || ref.Port == nil || *ref.Port == s.port {
		// Our port was free when this server took it: whoever had it is gone.
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	url := fmt.Sprintf("https://127.0.0.1:%d%s", *ref.Port, discoveryPath)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// deleteStaleService deletes the Service of a stand-in that is gone, if it
// was one of this package's; a failure leaves an unused Service, no harm.
func (s *Server) deleteStaleService(ctx context.Context, ref *apiregistrationv1.ServiceReference) {
	if ref == nil || ref.Namespace != ServiceNamespace || ref.Name == s.serviceName {
		return
	}
	services := s.kube.CoreV1().Services(ServiceNamespace)
	svc, err := services.Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil || svc.Labels[managedByLabel] != managedBy {
		return
	}
	_ = services.Delete(ctx, ref.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &svc.UID}})
}

// waitAvailable waits until kube-aggregator has checked the server (it asks
// for the API's discovery document) and proxies to it. A condition
// Available=True alone may be the previous server's, after a takeover.
func (s *Server) waitAvailable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, availableTimeout)
	defer cancel()
	last := "no status yet"
	for {
		apiService, err := s.aggregator.ApiregistrationV1().APIServices().Get(ctx, APIServiceName, metav1.GetOptions{})
		if err == nil {
			if ref := apiService.Spec.Service; ref == nil || ref.Name != s.serviceName {
				return fmt.Errorf("APIService %s was taken over by another stand-in while waiting for it", APIServiceName)
			}
			for _, c := range apiService.Status.Conditions {
				if c.Type != apiregistrationv1.Available {
					continue
				}
				switch {
				case c.Status != apiregistrationv1.ConditionTrue:
					last = fmt.Sprintf("Available=%s, %s: %s", c.Status, c.Reason, c.Message)
				case s.discoveries.Load() == 0:
					last = "Available=True, but kube-aggregator has not asked this server for the discovery document yet"
				default:
					return nil
				}
			}
		} else if ctx.Err() == nil {
			last = err.Error()
		}
		if err := sleep(ctx, pollInterval); err != nil {
			return fmt.Errorf("APIService %s not Available after %s: %s", APIServiceName, availableTimeout, last)
		}
	}
}

// Close deregisters the API (the APIService, if still this server's, and
// its Service) and stops the server. It may be called more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var errs []error
		apiServices := s.aggregator.ApiregistrationV1().APIServices()
		apiService, err := apiServices.Get(ctx, APIServiceName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			errs = append(errs, fmt.Errorf("reading APIService %s: %w", APIServiceName, err))
		case apiService.Spec.Service != nil && apiService.Spec.Service.Name == s.serviceName:
			// Preconditions: not if another stand-in took it over meanwhile.
			pre := metav1.Preconditions{UID: &apiService.UID, ResourceVersion: &apiService.ResourceVersion}
			err := apiServices.Delete(ctx, APIServiceName, metav1.DeleteOptions{Preconditions: &pre})
			if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
				errs = append(errs, fmt.Errorf("deleting APIService %s: %w", APIServiceName, err))
			}
		}
		err = s.kube.CoreV1().Services(ServiceNamespace).Delete(ctx, s.serviceName, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting Service %s/%s: %w", ServiceNamespace, s.serviceName, err))
		}
		s.http.Close()
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("cluster %s: deregistering the metrics API: %w", s.cluster, err)
		}
	})
	return s.closeErr
}

// SetLoad sets the total CPU usage, in millicores, of the pods in namespace
// that selector matches (nil: all of them). The pods that are Running and
// Ready share it evenly; others use none. A pod that several loads match
// uses the sum of its shares; a pod that none match uses none. Setting a
// load for the same namespace and selector again replaces it.
func (s *Server) SetLoad(namespace string, selector labels.Selector, millicores int64) {
	if selector == nil {
		selector = labels.Everything()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loads[loadKey{namespace, selector.String()}] = load{selector, millicores}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
