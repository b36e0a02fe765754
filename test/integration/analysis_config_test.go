package integration

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/analysis"
	"github.com/convoy-rollouts/convoy/pkg/controller/application"
	"github.com/convoy-rollouts/convoy/pkg/controller/release"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/prometheus"
)

// Checks reach a Prometheus as production ones are reached: over TLS
// verified against the ca.crt of the endpoint's Secret (a private CA the
// system's roots do not know), with the Secret's user name and password.
// A real Prometheus serves TLS and basic auth; the measurer reads the
// Secret from the real management cluster. Each way of getting it wrong
// is an Error measurement that says why.
func TestAnalysisPrometheusOverTLSWithCredentials(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	ca := chartrepo.NewCA(t)
	cert, key := ca.ServerCert(t)
	prom, err := prometheus.NewWith(prometheus.Options{CertPEM: cert, KeyPEM: key, CAPEM: ca.PEM, Username: "convoy", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Stop)
	prom.Exporter.Set(errorRatio, 0.01, "release", "web-1")
	secrets := map[string]map[string]string{
		"good":           {"username": "convoy", "password": "s3cret", "ca.crt": string(ca.PEM)},
		"wrong-password": {"username": "convoy", "password": "guess", "ca.crt": string(ca.PEM)},
		"no-ca":          {"username": "convoy", "password": "s3cret"},
	}
	for name, data := range secrets {
		if err := mgmt.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, StringData: data}); err != nil {
			t.Fatal(err)
		}
	}
	rel := &convoyv1alpha1.Release{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-1", Labels: map[string]string{convoyv1alpha1.LabelApplication: "web"}}}
	check := convoyv1alpha1.AnalysisCheck{Name: "errors", AnalysisCheckSpec: convoyv1alpha1.AnalysisCheckSpec{Scope: convoyv1alpha1.ScopeGlobal,
		Prometheus: &convoyv1alpha1.PrometheusCheck{Query: errorRatio + `{release="{{release}}"}`, SuccessCondition: "result[0] < 0.05"}}}
	measure := func(secret string) (analysis.Phase, string, string) {
		m := &release.AnalysisMeasurer{Reader: mgmt, APIReader: mgmt, Global: &convoyv1alpha1.PrometheusEndpoint{URL: prom.URL,
			CredentialsSecretRef: &convoyv1alpha1.SecretReference{Namespace: ns, Name: secret}}}
		return m.Measure(ctx, release.MeasureRequest{Release: rel, Check: check})
	}
	// The sample is scraped within a second or two.
	eventually(t, 30*time.Second, func() error {
		if phase, value, msg := measure("good"); phase != analysis.PhaseSuccessful || value != "[0.01]" {
			return fmt.Errorf("with the right CA and password: %s %s (%s), want Successful [0.01]", phase, value, msg)
		}
		return nil
	})
	for secret, want := range map[string]string{
		"wrong-password": "answered 401",
		"no-ca":          "certificate signed by unknown authority",
		"missing":        "Secret " + ns + "/missing",
	} {
		phase, _, msg := measure(secret)
		if phase != analysis.PhaseError || !strings.Contains(msg, want) {
			t.Errorf("Secret %s: %s (%s), want an Error saying %q", secret, phase, msg, want)
		}
	}
	if !strings.HasPrefix(prom.URL, "https://") {
		t.Errorf("prometheus serves %s, want https", prom.URL)
	}
}

// A step not achieved within its progressDeadline fails: here the canary's
// pods can never be scheduled, so its capacity never comes, and the
// release is aborted in every cluster, the reason saying why.
func TestAnalysisProgressDeadlineAborts(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	app := gatedApplication(ns, "deadline", helloRepo(t).URL, "", nil)
	app.Spec.Template.Strategy.Steps[1].ProgressDeadline = &metav1.Duration{Duration: 5 * time.Second}
	completeFirstRelease(t, mgmt, app)
	setValues(t, mgmt, app, `{"replicas":2,"nodeSelector":{"convoy.dev/nowhere":"true"}}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	expectCLI(t, env, ns, 0, []string{"achieved step 0"}, "wait", "deadline", "--step", "0", "--timeout", "1m")
	expectCLI(t, env, ns, 1, []string{"ProgressDeadlineExceeded", "not achieved within its progressDeadline of 5s"}, "advance", "deadline", "--wait", "--timeout", "2m")
	rel := &convoyv1alpha1.Release{}
	eventually(t, 2*time.Minute, func() error {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&second), rel); err != nil {
			return err
		}
		if rel.Spec.Aborted == nil || !conditionIs(rel.Status.Conditions, convoyv1alpha1.ConditionStalled, "Aborted") {
			return fmt.Errorf("aborted %+v, conditions %+v; want aborted and at rest", rel.Spec.Aborted, rel.Status.Conditions)
		}
		return nil
	})
	if !strings.Contains(rel.Spec.Aborted.Reason, "ProgressDeadlineExceeded at step 1 (canary)") {
		t.Errorf("abort reason %q", rel.Spec.Aborted.Reason)
	}
	if hooks.calls(second.Name) != nil {
		t.Errorf("the check was measured although the step's traffic was never served")
	}
}

// metricsLine finds the line of the suite manager's /metrics that starts
// with series (name{labels in order}), "" when there is none.
func metricsLine(t *testing.T, series string) string {
	t.Helper()
	resp, err := http.Get("http://" + suiteMetricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, series+" ") {
			return line
		}
	}
	return ""
}

// A check named by templateRef takes its spec from the Application's
// namespace's AnalysisTemplate when the Release is made. Without the
// template there is no new release, and the Application says why; the
// template's arrival makes the release at once.
func TestAnalysisTemplateIsInlinedIntoTheRelease(t *testing.T) {
	_, ctx, mgmt, ns := begin(t)
	app := gatedApplication(ns, "templated", helloRepo(t).URL, "", &convoyv1alpha1.AnalysisCheck{Name: "smoke", TemplateRef: "smoke-test"})
	if err := mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, mgmt, app, func() []metav1.Condition { return app.Status.Conditions }, convoyv1alpha1.ConditionStalled,
		application.ReasonAnalysisTemplateNotFound, "AnalysisTemplate smoke-test not found in namespace "+ns)
	if !conditionIs(app.Status.Conditions, convoyv1alpha1.ConditionStalled, application.ReasonAnalysisTemplateNotFound) {
		t.Fatalf("conditions %+v, want Stalled True", app.Status.Conditions)
	}
	tmpl := &convoyv1alpha1.AnalysisTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "smoke-test"}, Spec: convoyv1alpha1.AnalysisTemplateSpec{
		AnalysisCheckSpec: convoyv1alpha1.AnalysisCheckSpec{Count: 1, Webhook: &convoyv1alpha1.WebhookCheck{URL: hooks.url + "templated"}}}}
	if err := mgmt.Create(ctx, tmpl); err != nil {
		t.Fatal(err)
	}
	rel := waitForReleases(t, mgmt, app, 1)[0]
	check := rel.Spec.Environment.Strategy.Steps[1].Analysis[0]
	if check.TemplateRef != "smoke-test" || check.Webhook == nil || check.Webhook.URL != hooks.url+"templated" || check.Count != 1 {
		t.Errorf("the release's check %+v, want the template's spec inlined, its name kept", check)
	}
}
