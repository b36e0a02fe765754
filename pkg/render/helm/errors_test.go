package helm

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/ociregistry"
)

// closedURL returns a loopback URL nothing listens on.
func closedURL(t *testing.T, scheme string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return scheme + "://" + addr
}

// brokenCharts are small charts, each wrong in one way, with the reason and
// message parts a render of it must give.
var brokenCharts = []struct {
	name   string
	files  map[string]string
	reason render.Reason
	parts  []string
}{
	{
		name: "template parse error",
		files: map[string]string{
			"templates/ok.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
			"templates/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }\n",
		},
		reason: render.ReasonTemplateError,
		parts:  []string{"broken/templates/broken.yaml:4", "chart broken 1.0.0"},
	},
	{
		name: "template execution error",
		files: map[string]string{
			"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  x: {{ required \"values.x is required\" .Values.x }}\n",
		},
		reason: render.ReasonTemplateError,
		parts:  []string{"broken/templates/cm.yaml:6", "values.x is required"},
	},
	{
		name: "undefined function",
		files: map[string]string{
			"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ nosuchfunc }}\n",
		},
		reason: render.ReasonTemplateError,
		parts:  []string{"broken/templates/cm.yaml:4", "nosuchfunc"},
	},
	{
		name: "invalid YAML output",
		files: map[string]string{
			"templates/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n   indented: wrong\n",
		},
		reason: render.ReasonInvalidManifest,
		parts:  []string{"broken/templates/bad.yaml", "YAML parse error"},
	},
	{
		name: "document without a kind",
		files: map[string]string{
			"templates/nokind.yaml": "apiVersion: v1\nmetadata:\n  name: nokind\n",
		},
		reason: render.ReasonInvalidManifest,
		parts:  []string{"broken/templates/nokind.yaml", "Kind"},
	},
	{
		name: "values schema",
		files: map[string]string{
			"values.schema.json": `{"type":"object","properties":{"replicas":{"type":"integer"}}}`,
			"values.yaml":        "replicas: many\n",
			"templates/cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
		},
		reason: render.ReasonTemplateError,
		parts:  []string{"replicas"},
	},
	{
		name: "missing dependency",
		files: map[string]string{
			"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
			"Chart.yaml":        "apiVersion: v2\nname: broken\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://example.com\n",
		},
		reason: render.ReasonInvalidManifest,
		parts:  []string{"redis", "helm dependency build"},
	},
	{
		name: "library chart",
		files: map[string]string{
			"Chart.yaml": "apiVersion: v2\nname: broken\nversion: 1.0.0\ntype: library\n",
		},
		reason: render.ReasonInvalidManifest,
		parts:  []string{"library chart"},
	},
}

func TestRenderErrors(t *testing.T) {
	for _, tc := range brokenCharts {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"Chart.yaml": "apiVersion: v2\nname: broken\nversion: 1.0.0\n"}
			for k, v := range tc.files {
				files[k] = v
			}
			repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: writeChart(t, files)}}})
			r := newRenderer(t, Options{})
			out, err := r.Render(testContext(t), render.Request{ReleaseName: "rel", Source: chartSource(repo.URL, "broken", "1.0.0")})
			if out != nil {
				t.Errorf("partial output with an error: %v", objectKeys(out.Objects))
			}
			requireReason(t, err, tc.reason, tc.parts...)
		})
	}
}

func TestRepositoryErrors(t *testing.T) {
	cases := []struct {
		name    string
		break_  func(s *chartrepo.Server)
		chart   string
		version string
		reason  render.Reason
		parts   []string
	}{
		{
			name:   "index 404",
			break_: func(s *chartrepo.Server) { s.SetStatus("/index.yaml", http.StatusNotFound) },
			chart:  "hello", version: "0.1.0",
			reason: render.ReasonRepositoryNotFound,
			parts:  []string{"no chart repository at", "index.yaml", "404"},
		},
		{
			name:   "index 500",
			break_: func(s *chartrepo.Server) { s.SetStatus("/index.yaml", http.StatusInternalServerError) },
			chart:  "hello", version: "0.1.0",
			reason: render.ReasonRepositoryUnreachable,
			parts:  []string{"500"},
		},
		{
			name:   "malformed index",
			break_: func(s *chartrepo.Server) { s.SetIndex([]byte("apiVersion: v1\nentries: [this is: not, a map\n")) },
			chart:  "hello", version: "0.1.0",
			reason: render.ReasonInvalidIndex,
			parts:  []string{"index.yaml", "not a valid Helm repository index"},
		},
		{
			name:   "index without apiVersion",
			break_: func(s *chartrepo.Server) { s.SetIndex([]byte("entries: {}\n")) },
			chart:  "hello", version: "0.1.0",
			reason: render.ReasonInvalidIndex,
			parts:  []string{"no API version specified"},
		},
		{
			name:   "chart archive 404",
			break_: func(s *chartrepo.Server) { s.SetStatus(chartrepo.ChartPath("hello", "0.1.0"), http.StatusNotFound) },
			chart:  "hello", version: "0.1.0",
			reason: render.ReasonChartNotFound,
			parts:  []string{"chart hello 0.1.0", "archive is missing", "404"},
		},
		{
			name:  "chart not in index",
			chart: "goodbye", version: "0.1.0",
			reason: render.ReasonChartNotFound,
			parts:  []string{`chart "goodbye" not found`, "it lists hello, showcase"},
		},
		{
			name:  "version not in index",
			chart: "hello", version: "9.9.9",
			reason: render.ReasonVersionNotFound,
			parts:  []string{`version "9.9.9"`, "closest available"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repo := startRepo(t, chartrepo.Options{})
			if tc.break_ != nil {
				tc.break_(repo)
			}
			r := newRenderer(t, Options{})
			out, err := r.Render(testContext(t), render.Request{ReleaseName: "rel", Source: chartSource(repo.URL, tc.chart, tc.version)})
			if out != nil {
				t.Errorf("partial output with an error")
			}
			requireReason(t, err, tc.reason, append(tc.parts, repo.URL)...)
		})
	}
}

func TestUnreachable(t *testing.T) {
	r := newRenderer(t, Options{})
	for _, repoURL := range []string{closedURL(t, "http"), closedURL(t, "oci") + "/charts"} {
		_, err := r.Resolve(testContext(t), chartSource(repoURL, "hello", "0.1.0"), nil)
		requireReason(t, err, render.ReasonRepositoryUnreachable, repoURL, "connection refused")
		_, err = r.Render(testContext(t), render.Request{ReleaseName: "rel", Source: chartSource(repoURL, "hello", "0.1.0")})
		requireReason(t, err, render.ReasonRepositoryUnreachable, repoURL)
	}
}

func TestOCIErrors(t *testing.T) {
	reg, opts := startRegistry(t, ociregistry.Options{})
	r := newRenderer(t, opts)
	_, err := r.Resolve(testContext(t), chartSource(reg.URL, "goodbye", ""), nil)
	requireReason(t, err, render.ReasonChartNotFound, "goodbye", reg.URL)
	_, err = r.Render(testContext(t), render.Request{ReleaseName: "rel", Source: chartSource(reg.URL, "goodbye", "1.0.0")})
	requireReason(t, err, render.ReasonChartNotFound, "goodbye", reg.URL)
	_, err = r.Render(testContext(t), render.Request{ReleaseName: "rel", Source: chartSource(reg.URL, "hello", "0.9.0")})
	requireReason(t, err, render.ReasonVersionNotFound, "hello", `"0.9.0"`, reg.URL, "closest available")
}

func TestSizeLimits(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	reg, opts := startRegistry(t, ociregistry.Options{})

	tinyIndex := opts
	tinyIndex.MaxIndexSize = 64
	r := newRenderer(t, tinyIndex)
	_, err := r.Resolve(testContext(t), chartSource(repo.URL, "hello", ""), nil)
	requireReason(t, err, render.ReasonInvalidIndex, "larger than the limit of 64 bytes", repo.URL)

	tinyChart := opts
	tinyChart.MaxChartSize = 512
	r = newRenderer(t, tinyChart)
	for _, repoURL := range []string{repo.URL, reg.URL} {
		out, err := r.Render(testContext(t), render.Request{ReleaseName: "rel", Source: chartSource(repoURL, "hello", "0.1.0")})
		if out != nil {
			t.Errorf("partial output with an error")
		}
		requireReason(t, err, render.ReasonInvalidManifest, "larger than the limit of 512 bytes", repoURL)
	}
}

func TestIndexTimeout(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	_, release := repo.HoldIndex(t)
	defer release()
	r := newRenderer(t, Options{IndexTimeout: 100 * time.Millisecond})
	_, err := r.Resolve(testContext(t), chartSource(repo.URL, "hello", "^0.1"), nil)
	requireReason(t, err, render.ReasonRepositoryUnreachable, repo.URL, "did not answer within 100ms", `chart hello "^0.1"`)
}
