package metricsapi

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/convoy-rollouts/convoy/test/testenv"
)

// TestRegistration hands the cluster's one registration between stand-ins:
// a second one waits while the first answers and takes over when it
// closes; a third takes over at once from one that crashed (stopped
// without deregistering), whose Service it removes; and the crashed one's
// late Close leaves its successor's registration alone.
func TestRegistration(t *testing.T) {
	env := testenv.Get(t)
	cluster := env.Clusters[len(env.Clusters)-1].Name
	cfg := env.ClusterConfig(t, cluster)
	ctx := t.Context()

	first := StartForTest(t, cfg, cluster)
	started := make(chan *Server, 1)
	failed := make(chan error, 1)
	go func() {
		s, err := Start(ctx, cfg, cluster)
		if err != nil {
			failed <- err
			return
		}
		started <- s
	}()
	// The second looks every second; after a few looks it must still be
	// waiting, with the registration still the first's.
	time.Sleep(3 * time.Second)
	select {
	case s := <-started:
		_ = s.Close()
		t.Fatal("a second stand-in registered while the first was serving")
	case err := <-failed:
		t.Fatal(err)
	default:
	}
	assertRegistered(t, first)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	var second *Server
	select {
	case second = <-started:
		t.Cleanup(func() { _ = second.Close() })
	case err := <-failed:
		t.Fatal(err)
	case <-time.After(availableTimeout + 10*time.Second):
		t.Fatal("the second stand-in did not register after the first closed")
	}
	assertRegistered(t, second)

	// A crash: the server stops, its registration stays.
	second.http.Close()
	third := StartForTest(t, cfg, cluster)
	assertRegistered(t, third)
	if _, err := third.kube.CoreV1().Services(ServiceNamespace).Get(ctx, second.serviceName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the crashed stand-in's Service %s/%s after the takeover: got error %v, want NotFound", ServiceNamespace, second.serviceName, err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	assertRegistered(t, third)
}

// assertRegistered checks that the cluster's APIService is s's and
// Available.
func assertRegistered(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.waitAvailable(ctx); err != nil {
		t.Fatalf("stand-in on port %d: %v", s.port, err)
	}
}
