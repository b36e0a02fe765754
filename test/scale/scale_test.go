//go:build scale

// Package scale measures what convoy's manager costs in steady state: many
// Applications, each running in three clusters with real (kwok) pods, and
// the manager's heap and resident memory once every release is complete.
// It is built only with the scale tag (make bench-scale): it loads the
// local environment for minutes, and its manager must be the only one
// reconciling the management cluster.
package scale

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/pkg/render/kustomize"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

// apps is how many Applications the scenario runs (CONVOY_SCALE_APPS,
// default 1000).
func apps() int {
	if n, err := strconv.Atoi(os.Getenv("CONVOY_SCALE_APPS")); err == nil && n > 0 {
		return n
	}
	return 1000
}

// rssBytes reads the process's resident set size.
func rssBytes() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func heapInUse() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// BenchmarkSteadyStateMemory runs N Applications × 3 clusters × 3 replicas
// to completion and reports the manager's heap and RSS per application ×
// cluster (goal: at most 50 KB).
func BenchmarkSteadyStateMemory(b *testing.B) {
	ctrl.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	env := testenv.Get(b)
	n := apps()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mgmt := env.ManagementClient(b)
	ns := env.Namespace(b)
	repo := chartrepo.Start(b, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: "../../examples/charts/hello"}}})

	heapBefore, rssBefore := heapInUse(), rssBytes()
	cacheDir := b.TempDir()
	renderer, err := manager.Renderer(cacheDir)
	if err != nil {
		b.Fatal(err)
	}
	cfg := env.ManagementConfig(b)
	cfg.QPS, cfg.Burst = 500, 1000
	mgr, err := ctrl.NewManager(cfg, testenv.ManagerOptions())
	if err != nil {
		b.Fatal(err)
	}
	if err := manager.Setup(mgr, manager.Options{
		Renderer: renderer, Distinguish: kustomize.Distinguish,
		GlobalBlockNamespace: "convoy-system", AllowLocalSources: true,
	}); err != nil {
		b.Fatal(err)
	}
	go func() { _ = mgr.Start(ctx) }()

	start := time.Now()
	for i := range n {
		app := &convoyv1alpha1.Application{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("app-%04d", i)},
			Spec: convoyv1alpha1.ApplicationSpec{Template: convoyv1alpha1.ReleaseEnvironment{
				Source:              convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: repo.URL, Name: "hello"}},
				Values:              &apiextensionsv1.JSON{Raw: []byte(`{"replicas":3}`)},
				ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: []convoyv1alpha1.RegionRequirement{{Name: "eu-west", Clusters: ptr(int32(2))}, {Name: "us-east"}}},
				Strategy:            convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetVanguard},
			}},
		}
		if err := mgmt.Create(ctx, app); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(45 * time.Minute)
	for {
		list := &convoyv1alpha1.ReleaseList{}
		if err := mgmt.List(ctx, list, client.InNamespace(ns)); err != nil {
			b.Fatal(err)
		}
		complete := 0
		for _, rel := range list.Items {
			if conditions.IsTrue(rel.Status.Conditions, convoyv1alpha1.ConditionComplete) {
				complete++
			}
		}
		b.Logf("%s: %d/%d releases complete", time.Since(start).Round(time.Second), complete, n)
		if complete == n {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d/%d releases complete after %s", complete, n, time.Since(start))
		}
		time.Sleep(10 * time.Second)
	}
	converged := time.Since(start)
	time.Sleep(30 * time.Second) // steady state: caches filled, queues drained
	heap, rss := heapInUse(), rssBytes()
	for b.Loop() {
		// The measurement is the steady state above, not a loop body.
	}
	units := float64(n * 3)
	b.ReportMetric(float64(heap-heapBefore)/units/1024, "heapKB/app×cluster")
	b.ReportMetric(float64(rss-rssBefore)/units/1024, "rssKB/app×cluster")
	b.ReportMetric(float64(heap)/(1<<20), "heapMB")
	b.ReportMetric(float64(rss)/(1<<20), "rssMB")
	b.ReportMetric(converged.Seconds(), "s-to-converge")
}

func ptr[T any](v T) *T { return &v }
