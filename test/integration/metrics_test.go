package integration

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// scrape reads the manager's metrics over HTTP, as Prometheus would, from
// the registry the manager serves on /metrics.
type scraper struct{ url string }

func newScraper(t testing.TB) *scraper {
	srv := httptest.NewServer(promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	return &scraper{url: srv.URL}
}

// value is the sum of the family's samples whose labels include want.
func (s *scraper) value(t testing.TB, family string, want map[string]string) (float64, bool) {
	t.Helper()
	resp, err := http.Get(s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := families[family]
	if !ok {
		return 0, false
	}
	sum, found := 0.0, false
	for _, m := range f.Metric {
		if !hasLabels(m, want) {
			continue
		}
		found = true
		switch {
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum, found
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, l := range m.Label {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			n++
		}
	}
	return n == len(want)
}

// expectMetric waits until the family's value with those labels is want.
func (s *scraper) expectMetric(t testing.TB, family string, labels map[string]string, want float64) {
	t.Helper()
	eventually(t, time.Minute, func() error {
		got, found := s.value(t, family, labels)
		if !found || got != want {
			return fmt.Errorf("%s%v = %v (found %v), want %v", family, labels, got, found, want)
		}
		return nil
	})
}

// The metrics follow a rollout: the step and phase gauges, the published
// DNS weights of each release, the replicas per cluster, the step
// duration histograms, aborts and cluster reachability.
func TestMetricsFollowARollout(t *testing.T) {
	_, _, mgmt, ns := begin(t)
	s := newScraper(t)
	repo := helloRepo(t)
	app := dnsApplication(ns, "metered", repo.URL)
	hostname := strings.TrimSuffix(app.Spec.Template.Traffic.DNS.Hostname, ".")
	first, clusters := completeFirstRelease(t, mgmt, app)
	byApp := map[string]string{"namespace": ns, "application": "metered"}

	s.expectMetric(t, "convoy_application_step", byApp, 2)
	s.expectMetric(t, "convoy_application_phase", map[string]string{"namespace": ns, "application": "metered", "phase": "Complete"}, 1)
	s.expectMetric(t, "convoy_dns_weight", map[string]string{"hostname": hostname, "release": first.Name}, 1000)
	s.expectMetric(t, "convoy_release_replicas", map[string]string{"namespace": ns, "application": "metered", "role": "contender", "state": "available"}, 6)
	s.expectMetric(t, "convoy_cluster_reachable", map[string]string{"cluster": clusters[0]}, 1)

	setValues(t, mgmt, app, `{"replicas":2,"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	s.expectMetric(t, "convoy_application_step", byApp, 0)
	steps, _ := s.value(t, "convoy_step_duration_seconds", byApp)
	setTargetStep(t, mgmt, &second, 1)
	s.expectMetric(t, "convoy_application_step", byApp, 1)
	s.expectMetric(t, "convoy_dns_weight", map[string]string{"hostname": hostname, "release": second.Name}, 100)
	s.expectMetric(t, "convoy_dns_weight", map[string]string{"hostname": hostname, "release": first.Name}, 900)
	s.expectMetric(t, "convoy_release_replicas", map[string]string{"namespace": ns, "application": "metered", "role": "contender", "state": "desired"}, 3)
	if after, _ := s.value(t, "convoy_step_duration_seconds", byApp); after <= steps {
		t.Errorf("step duration observations %v → %v: step 1 was not observed", steps, after)
	}
	if n, _ := s.value(t, "convoy_capacity_to_traffic_seconds", byApp); n == 0 {
		t.Error("no capacity-to-traffic observation after a traffic step")
	}

	patched := second.DeepCopy()
	patched.Spec.Aborted = &convoyv1alpha1.Abort{Reason: "metrics test"}
	if err := mgmt.Patch(ctxFor(t), patched, client.MergeFrom(&second)); err != nil {
		t.Fatal(err)
	}
	s.expectMetric(t, "convoy_aborts_total", byApp, 1)
	s.expectMetric(t, "convoy_application_phase", map[string]string{"namespace": ns, "application": "metered", "phase": "Aborted"}, 1)
	s.expectMetric(t, "convoy_dns_weight", map[string]string{"hostname": hostname, "release": first.Name}, 1000)
}
