package chart

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

const dashboardFile = "convoy-rollouts.json"

// dashboardMetrics are the metrics convoy and controller-runtime export
// that the dashboard may query, each with the series suffixes a query may
// use: histograms are queried as _bucket, _sum or _count.
var dashboardMetrics = map[string][]string{
	"convoy_application_step":            {""},
	"convoy_application_phase":           {""},
	"convoy_release_replicas":            {""},
	"convoy_dns_weight":                  {""},
	"convoy_step_duration_seconds":       {"_bucket", "_sum", "_count"},
	"convoy_capacity_to_traffic_seconds": {"_bucket", "_sum", "_count"},
	"convoy_aborts_total":                {""},
	"convoy_failed_steps_total":          {""},
	"convoy_cluster_reachable":           {""},
	"convoy_dns_queries_total":           {""},
	"convoy_dns_answers_total":           {""},

	"controller_runtime_reconcile_total":               {""},
	"controller_runtime_reconcile_errors_total":        {""},
	"controller_runtime_reconcile_time_seconds_bucket": {""},
	"workqueue_depth": {""},
}

// Metrics labelled {namespace, application}: their queries follow the
// dashboard's variables. The DNS metrics have a release label instead,
// matched by the release names of the selected applications.
var (
	applicationMetrics = []string{
		"convoy_application_step", "convoy_application_phase", "convoy_release_replicas",
		"convoy_step_duration_seconds", "convoy_capacity_to_traffic_seconds",
		"convoy_aborts_total", "convoy_failed_steps_total",
	}
	releaseMetrics = []string{"convoy_dns_weight", "convoy_dns_answers_total"}
)

// metricOf maps a queried series to its metric in dashboardMetrics, or "".
func metricOf(series string) string {
	for metric, suffixes := range dashboardMetrics {
		for _, s := range suffixes {
			if series == metric+s {
				return metric
			}
		}
	}
	return ""
}

type dashboard struct {
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"` // a string, or {"query": "..."}
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title      string      `json:"title"`
	Type       string      `json:"type"`
	Datasource *datasource `json:"datasource"`
	Panels     []panel     `json:"panels"` // a collapsed row's
	Targets    []struct {
		Expr       string      `json:"expr"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

func TestDashboard(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chartDir, "dashboards", dashboardFile))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("%s is not valid JSON: %v", dashboardFile, err)
	}

	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(string)
		if m, ok := v.Query.(map[string]any); ok {
			q, _ = m["query"].(string)
		}
		for _, series := range variableMetrics(q) {
			if metricOf(series) == "" {
				t.Errorf("variable %s queries %s, not a metric convoy exports", v.Name, series)
			}
		}
	}
	for name, typ := range map[string]string{"datasource": "datasource", "namespace": "query", "application": "query"} {
		if vars[name] != typ {
			t.Errorf("variable %s is %q, want %q", name, vars[name], typ)
		}
	}

	used := map[string]bool{}
	var walk func([]panel)
	walk = func(panels []panel) {
		for _, p := range panels {
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q does not use the datasource variable: %+v", p.Title, p.Datasource)
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no queries", p.Title)
			}
			for _, target := range p.Targets {
				if target.Datasource != nil && target.Datasource.UID != "${datasource}" {
					t.Errorf("panel %q: query %q does not use the datasource variable", p.Title, target.Expr)
				}
				checkQuery(t, p.Title, target.Expr, used)
			}
		}
	}
	walk(d.Panels)

	// A panel per metric: every metric shows somewhere.
	for metric := range dashboardMetrics {
		if !used[metric] {
			t.Errorf("no panel queries %s", metric)
		}
	}
}

func checkQuery(t *testing.T, title, expr string, used map[string]bool) {
	t.Helper()
	if strings.Contains(expr, "__name__") {
		t.Errorf("panel %q: query %q selects by __name__, which this check cannot follow", title, expr)
	}
	series := metricNames(expr)
	if len(series) == 0 {
		t.Errorf("panel %q: query %q selects no metric", title, expr)
	}
	for _, s := range series {
		metric := metricOf(s)
		if metric == "" {
			t.Errorf("panel %q queries %s, not a metric convoy exports", title, s)
			continue
		}
		used[metric] = true
		switch {
		case slices.Contains(applicationMetrics, metric):
			for _, filter := range []string{`namespace=~"$namespace"`, `application=~"$application"`} {
				if !strings.Contains(expr, filter) {
					t.Errorf("panel %q: query %q lacks %s", title, expr, filter)
				}
			}
		case slices.Contains(releaseMetrics, metric):
			if !strings.Contains(expr, `release=~"(${application:regex})-`) {
				t.Errorf("panel %q: query %q does not follow the application variable", title, expr)
			}
		}
	}
}

// labelValues is Grafana's label_values(SELECTOR, LABEL) variable query.
var labelValues = regexp.MustCompile(`^\s*label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$`)

// variableMetrics returns the metrics of a Prometheus variable query.
func variableMetrics(q string) []string {
	if m := labelValues.FindStringSubmatch(q); m != nil {
		return metricNames(m[1])
	}
	return metricNames(q)
}

// promQLWords are PromQL's keywords and aggregation operators: words that
// are never metric names where they appear bare.
var promQLWords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"bool": true, "and": true, "or": true, "unless": true, "offset": true, "start": true, "end": true,
	"atan2": true, "inf": true, "nan": true,
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true,
	"limitk": true, "limit_ratio": true,
}

// grouping are the keywords followed by a list of label names.
var grouping = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// metricNames returns the metric names a PromQL expression (with Grafana
// variables) selects, sorted and without duplicates. It is a scanner, not a
// parser: it skips strings, label matchers, ranges, numbers, variables,
// label lists and keywords, and takes a word followed by "(" for a
// function. What is left are metric names.
func metricNames(expr string) []string {
	var names []string
	s := expr
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(s, i)
		case c == '{':
			i = skipPast(s, i, '}')
		case c == '[':
			i = skipPast(s, i, ']')
		case c == '$':
			i++
			for i < len(s) && (isWord(s[i]) || s[i] == '{' || s[i] == '}' || s[i] == ':') {
				i++
			}
		case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			for i < len(s) && (isWord(s[i]) || s[i] == '.') {
				i++
			}
		case isWordStart(c):
			j := i
			for j < len(s) && (isWord(s[j]) || s[j] == ':') {
				j++
			}
			word := s[i:j]
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n') {
				k++
			}
			switch {
			case grouping[word] && k < len(s) && s[k] == '(':
				i = skipPast(s, k, ')')
				continue
			case k < len(s) && s[k] == '(', promQLWords[word]:
				// A function, an aggregation or a keyword.
			default:
				names = append(names, word)
			}
			i = j
		default:
			i++
		}
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// skipString returns the index past the string literal starting at i.
func skipString(s string, i int) int {
	quote := s[i]
	for i++; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quote != '`':
			i++
		case s[i] == quote:
			return i + 1
		}
	}
	return i
}

// skipPast returns the index past the first end at or after i that is
// outside a string literal.
func skipPast(s string, i int, end byte) int {
	for i < len(s) {
		switch c := s[i]; {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(s, i)
		case c == end:
			return i + 1
		default:
			i++
		}
	}
	return i
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isWordStart(c byte) bool { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isWord(c byte) bool      { return isWordStart(c) || isDigit(c) }

// The scanner the dashboard check relies on.
func TestMetricNames(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`up`, []string{"up"}},
		{`rate(foo_total[5m])`, []string{"foo_total"}},
		{`sum by (le, job) (rate(a_bucket{x="}{[", y=~"$v|b"}[$__rate_interval]))`, []string{"a_bucket"}},
		{`histogram_quantile(0.95, sum(rate(h_bucket[1m])) by (le))`, []string{"h_bucket"}},
		{`a / ignoring (cluster) group_left sum by (host) (b{release=~"(${app:regex})-[0-9a-f]{8}"})`, []string{"a", "b"}},
		{`a * on (x) group_left (y) b offset 5m > bool 1e3`, []string{"a", "b"}},
		{`max(c) == 1 and d unless e or count(f:recorded)`, []string{"c", "d", "e", "f:recorded"}},
		{`topk(3, sum without (pod) (g))`, []string{"g"}},
		{`{__name__="hidden"}`, nil},
	} {
		if got := metricNames(tc.expr); !slices.Equal(got, tc.want) {
			t.Errorf("metricNames(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
	if got := variableMetrics(`label_values(m{namespace=~"$namespace"}, application)`); !slices.Equal(got, []string{"m"}) {
		t.Errorf("variableMetrics(label_values) = %q, want [m]", got)
	}
}
