package rolloutmetrics

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// collectTimeout bounds the cache reads of one scrape.
const collectTimeout = 5 * time.Second

var (
	applicationStep = prometheus.NewDesc("convoy_application_step",
		"The contender's achieved step (index from 0; -1 before its first).", []string{"namespace", "application"}, nil)
	applicationPhase = prometheus.NewDesc("convoy_application_phase",
		"1 for the application's current rollout phase.", []string{"namespace", "application", "phase"}, nil)
	releaseReplicas = prometheus.NewDesc("convoy_release_replicas",
		"Replicas of the contender and the incumbent per cluster: available, and desired for the step.",
		[]string{"namespace", "application", "role", "cluster", "state"}, nil)
	dnsWeight = prometheus.NewDesc("convoy_dns_weight",
		"Weight published for each (cluster, release) endpoint of a hostname.", []string{"hostname", "cluster", "release"}, nil)
)

// phases are every phase, so each application exports all of them, 0 or 1.
var phases = []convoyv1alpha1.RolloutPhase{
	convoyv1alpha1.PhasePending, convoyv1alpha1.PhaseProgressing, convoyv1alpha1.PhaseWaitingForCommand,
	convoyv1alpha1.PhaseComplete, convoyv1alpha1.PhaseBlocked, convoyv1alpha1.PhaseFailed, convoyv1alpha1.PhaseAborted,
}

// Collector exports the rollout state gauges from a cache at scrape time.
type Collector struct {
	Reader client.Reader
}

// Register adds a collector reading from reader to controller-runtime's
// registry; a second manager in the same process reuses the first's.
func Register(reader client.Reader) error {
	err := metrics.Registry.Register(&Collector{Reader: reader})
	if are := (prometheus.AlreadyRegisteredError{}); errors.As(err, &are) {
		return nil
	}
	return err
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{applicationStep, applicationPhase, releaseReplicas, dnsWeight} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	apps := &convoyv1alpha1.ApplicationList{}
	if err := c.Reader.List(ctx, apps); err == nil {
		for i := range apps.Items {
			c.collectApplication(ctx, ch, &apps.Items[i])
		}
	}
	sets := &convoyv1alpha1.DNSRecordSetList{}
	if err := c.Reader.List(ctx, sets); err == nil {
		for _, rs := range sets.Items {
			for _, rec := range rs.Spec.Records {
				ch <- prometheus.MustNewConstMetric(dnsWeight, prometheus.GaugeValue, float64(rec.Weight), rs.Spec.Hostname, rec.Cluster, rec.Release)
			}
		}
	}
}

func (c *Collector) collectApplication(ctx context.Context, ch chan<- prometheus.Metric, app *convoyv1alpha1.Application) {
	ns, name := app.Namespace, app.Name
	step := -1.0
	if app.Status.Step != nil {
		step = float64(app.Status.Step.Index)
	}
	ch <- prometheus.MustNewConstMetric(applicationStep, prometheus.GaugeValue, step, ns, name)
	for _, p := range phases {
		v := 0.0
		if app.Status.Phase == p {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(applicationPhase, prometheus.GaugeValue, v, ns, name, string(p))
	}
	for role, release := range map[string]string{"contender": app.Status.Contender, "incumbent": app.Status.Incumbent} {
		if release == "" || role == "incumbent" && release == app.Status.Contender {
			continue
		}
		ct := &convoyv1alpha1.CapacityTarget{}
		if err := c.Reader.Get(ctx, client.ObjectKey{Namespace: ns, Name: release}, ct); err != nil {
			continue
		}
		for _, st := range ct.Status.Clusters {
			ch <- prometheus.MustNewConstMetric(releaseReplicas, prometheus.GaugeValue, float64(st.AvailableReplicas), ns, name, role, st.Name, "available")
			ch <- prometheus.MustNewConstMetric(releaseReplicas, prometheus.GaugeValue, float64(st.DesiredReplicas), ns, name, role, st.Name, "desired")
		}
	}
}
