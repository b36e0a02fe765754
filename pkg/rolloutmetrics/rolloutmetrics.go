// Package rolloutmetrics defines convoy's rollout metrics, served with
// controller-runtime's on /metrics. Every label is bounded by the objects
// convoy manages (applications, clusters, hostnames, releases): none is
// per pod or per request. Gauges of state are read from the cache at
// scrape time by a Collector, so they never drift from the objects;
// durations and counts are observed by the controllers as things happen.
package rolloutmetrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	stepDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "convoy_step_duration_seconds",
		Help:    "Time from a release starting to move to a step until the step is achieved in every cluster.",
		Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600},
	}, []string{"namespace", "application"})
	capacityToTraffic = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "convoy_capacity_to_traffic_seconds",
		Help:    "Time from a step's contender capacity being achieved until its traffic is, DNS TTL included.",
		Buckets: []float64{0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600},
	}, []string{"namespace", "application"})
	aborts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "convoy_aborts_total",
		Help: "Releases aborted (convoy abort).",
	}, []string{"namespace", "application"})
	failedSteps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "convoy_failed_steps_total",
		Help: "Steps that stopped on an error that needs a change (a stalled release).",
	}, []string{"namespace", "application"})
	analysisGates = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "convoy_analysis_gates_total",
		Help: "Step gates (soak and analysis checks) decided, by result: Successful, Failed or Inconclusive.",
	}, []string{"namespace", "application", "result"})
	analysisMeasurements = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "convoy_analysis_measurements_total",
		Help: "Measurements of analysis checks, by check and what they came to: Successful, Failed, Inconclusive or Error.",
	}, []string{"namespace", "application", "check", "phase"})
	waves = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "convoy_waves_total",
		Help: "Waves of releases that started moving (Progressing) or completed (Complete), by wave name.",
	}, []string{"namespace", "application", "wave", "phase"})
	notifications = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "convoy_notifications_total",
		Help: "Release event notifications, by result: delivered, failed (after retries, or unresolvable) or dropped (queue full).",
	}, []string{"namespace", "application", "result"})
	clusterReachable = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "convoy_cluster_reachable",
		Help: "1 while convoy reaches the application cluster with its credentials, 0 when not.",
	}, []string{"cluster"})
)

func init() {
	metrics.Registry.MustRegister(stepDuration, capacityToTraffic, aborts, failedSteps, analysisGates, analysisMeasurements, waves, notifications, clusterReachable)
}

// CountNotification counts a notification by its result.
func CountNotification(namespace, app, result string) {
	notifications.WithLabelValues(namespace, app, result).Inc()
}

// CountWave counts a wave of a release moving to phase.
func CountWave(namespace, app, wave, phase string) {
	waves.WithLabelValues(namespace, app, wave, phase).Inc()
}

// ObserveStep records how long a step took.
func ObserveStep(namespace, app string, d time.Duration) {
	stepDuration.WithLabelValues(namespace, app).Observe(d.Seconds())
}

// ObserveCapacityToTraffic records how long traffic took once capacity was there.
func ObserveCapacityToTraffic(namespace, app string, d time.Duration) {
	capacityToTraffic.WithLabelValues(namespace, app).Observe(d.Seconds())
}

// CountAbort counts an abort.
func CountAbort(namespace, app string) { aborts.WithLabelValues(namespace, app).Inc() }

// CountFailedStep counts a step that failed.
func CountFailedStep(namespace, app string) { failedSteps.WithLabelValues(namespace, app).Inc() }

// CountGate counts a step gate decided.
func CountGate(namespace, app, result string) {
	analysisGates.WithLabelValues(namespace, app, result).Inc()
}

// CountMeasurement counts a measurement of a check.
func CountMeasurement(namespace, app, check, phase string) {
	analysisMeasurements.WithLabelValues(namespace, app, check, phase).Inc()
}

// SetClusterReachable records a cluster's last probe.
func SetClusterReachable(cluster string, reachable bool) {
	v := 0.0
	if reachable {
		v = 1
	}
	clusterReachable.WithLabelValues(cluster).Set(v)
}

// ForgetCluster drops a deleted cluster's series.
func ForgetCluster(cluster string) { clusterReachable.DeleteLabelValues(cluster) }
