package release

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/analysis"
	"github.com/convoy-rollouts/convoy/pkg/egress"
	"github.com/convoy-rollouts/convoy/pkg/render"
)

// AnalysisMeasurer takes the measurements of analysis checks: PromQL
// queries against a cluster's own Prometheus (the Cluster's
// spec.prometheus) or the global one, and webhook calls to the URLs the
// platform allows. Every endpoint is the platform's: a tenant's check names
// a query or a URL under an allowed prefix, never a server of its choice.
type AnalysisMeasurer struct {
	// Reader reads Clusters.
	Reader client.Reader
	// APIReader reads Secrets, uncached.
	APIReader client.Reader
	// Global is the Prometheus of global checks, and of per-cluster checks
	// in clusters without their own; nil for none.
	Global *convoyv1alpha1.PrometheusEndpoint
	// WebhookAllow are the URL prefixes webhook checks may call.
	WebhookAllow []string
}

// queryTimeout bounds one PromQL query.
const queryTimeout = 10 * time.Second

// Measure takes one measurement. Whatever stops it from being taken (no
// Prometheus for the cluster, a URL not allowed, a server down) is an
// Error measurement that says so: the check's consecutiveErrorLimit
// decides when that fails it.
func (m *AnalysisMeasurer) Measure(ctx context.Context, req MeasureRequest) (analysis.Phase, string, string) {
	check := req.Check
	vars := analysis.Vars{Release: req.Release.Name, Application: req.Release.Labels[convoyv1alpha1.LabelApplication], Namespace: req.Release.Namespace}
	if check.Interval != nil {
		vars.Interval = promDuration(check.Interval.Duration)
	}
	var cluster *convoyv1alpha1.Cluster
	if req.Cluster != "" {
		cluster = &convoyv1alpha1.Cluster{}
		if err := m.Reader.Get(ctx, client.ObjectKey{Name: req.Cluster}, cluster); err != nil {
			return analysis.PhaseError, "", fmt.Sprintf("cluster %s: %v", req.Cluster, err)
		}
		vars.Cluster, vars.Region = cluster.Name, cluster.Spec.Region
	}
	switch {
	case check.Prometheus != nil:
		return m.query(ctx, check.Prometheus, cluster, vars)
	case check.Webhook != nil:
		return m.call(ctx, check, req, vars)
	}
	return analysis.PhaseError, "", fmt.Sprintf("check %s has neither prometheus nor webhook", check.Name)
}

func (m *AnalysisMeasurer) query(ctx context.Context, check *convoyv1alpha1.PrometheusCheck, cluster *convoyv1alpha1.Cluster, vars analysis.Vars) (analysis.Phase, string, string) {
	conds, err := analysis.CompileConditions(check.SuccessCondition, check.FailureCondition)
	if err != nil {
		return analysis.PhaseError, "", err.Error()
	}
	endpoint := m.Global
	if cluster != nil && cluster.Spec.Prometheus != nil {
		endpoint = cluster.Spec.Prometheus
	}
	if endpoint == nil {
		where := "for global checks: start the manager with --prometheus-url"
		if cluster != nil {
			where = fmt.Sprintf("for cluster %s: set spec.prometheus on Cluster %s, or start the manager with --prometheus-url", cluster.Name, cluster.Name)
		}
		return analysis.PhaseError, "", "no Prometheus " + where
	}
	prom, err := m.prometheus(ctx, endpoint)
	if err != nil {
		return analysis.PhaseError, "", err.Error()
	}
	query := analysis.Expand(check.Query, vars)
	qctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	values, text, err := prom.Query(qctx, query, time.Now())
	if err != nil {
		return analysis.PhaseError, "", fmt.Sprintf("%v; query %s", err, query)
	}
	phase, err := conds.Evaluate(values)
	if err != nil {
		return phase, text, fmt.Sprintf("%v; query %s", err, query)
	}
	return phase, text, "query " + query
}

// prometheus is a client of endpoint with the credentials of its Secret:
// a bearer token ("token"), or the keys a source's secretRef has
// (render.CredentialsFromSecret: username and password, ca.crt, a client
// certificate). TLS is verified, whatever the Secret says.
func (m *AnalysisMeasurer) prometheus(ctx context.Context, endpoint *convoyv1alpha1.PrometheusEndpoint) (*analysis.Prometheus, error) {
	p := &analysis.Prometheus{URL: endpoint.URL}
	var creds *render.Credentials
	if ref := endpoint.CredentialsSecretRef; ref != nil {
		secret := &corev1.Secret{}
		if err := m.APIReader.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, secret); err != nil {
			return nil, fmt.Errorf("the credentials of Prometheus %s, Secret %s/%s: %w", endpoint.URL, ref.Namespace, ref.Name, err)
		}
		creds = render.CredentialsFromSecret(secret)
		creds.InsecureSkipVerify = false
		p.BearerToken, p.Username, p.Password = string(secret.Data["token"]), creds.Username, creds.Password
	}
	cfg, err := creds.TLSConfig()
	if err != nil {
		return nil, fmt.Errorf("Prometheus %s: %w", endpoint.URL, err)
	}
	p.Client = httpClient(cfg)
	return p, nil
}

func (m *AnalysisMeasurer) call(ctx context.Context, check convoyv1alpha1.AnalysisCheck, req MeasureRequest, vars analysis.Vars) (analysis.Phase, string, string) {
	url := check.Webhook.URL
	if !egress.Allowed(url, m.WebhookAllow) {
		return analysis.PhaseError, "", fmt.Sprintf("webhook URL %s is not under a prefix the platform allows (the manager's --analysis-webhook-allow: %s)", url, strings.Join(m.WebhookAllow, ", "))
	}
	w := &analysis.Webhook{URL: url, Client: httpClient(&tls.Config{MinVersion: tls.VersionTLS12}), Retries: analysis.DefaultWebhookRetries}
	if check.Webhook.Timeout != nil {
		w.Timeout = check.Webhook.Timeout.Duration
	}
	if check.Webhook.Retries != nil {
		w.Retries = int(*check.Webhook.Retries)
	}
	step := req.Release.Spec.Environment.Strategy.Steps[req.Step]
	phase, text, err := w.Call(ctx, analysis.WebhookRequest{
		Application: vars.Application, Namespace: vars.Namespace, Release: vars.Release, Step: req.Step, StepName: step.Name,
		Check: check.Name, Cluster: vars.Cluster, Region: vars.Region, Clusters: req.Clusters,
	})
	if err != nil {
		return phase, "", err.Error()
	}
	return phase, text, "POST " + url
}

// httpClient speaks TLS as cfg says and keeps no connection open between
// measurements.
func httpClient(cfg *tls.Config) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true, Proxy: http.ProxyFromEnvironment}}
}

// promDuration writes d as PromQL does: 90s, 5m, 1h.
func promDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}
