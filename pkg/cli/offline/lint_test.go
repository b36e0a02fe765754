package offline

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// A valid Application passes, and is reported by namespace and name.
func TestLintAcceptsAValidApplication(t *testing.T) {
	r := run(t, "", "lint", "-f", "testdata/application.yaml", "--no-render")
	if r.err != nil {
		t.Fatalf("lint failed: %v", r.err)
	}
	if want := "testdata/application.yaml: Application shop/web is valid (not rendered)\n"; r.out != want {
		t.Errorf("output %q, want %q", r.out, want)
	}
}

// A valid Application is rendered too, from a real chart repository, and
// the objects are counted.
func TestLintRendersAValidApplication(t *testing.T) {
	repo := helloRepo(t)
	path := fixture(t, "hello-chart.yaml", map[string]string{"CHART_REPO": repo.URL})
	r := run(t, "", "lint", "-f", path)
	if r.err != nil {
		t.Fatalf("lint failed: %v", r.err)
	}
	if want := path + ": Application default/web is valid (3 objects rendered)\n"; r.out != want {
		t.Errorf("output %q, want %q", r.out, want)
	}
}

// Invalid Applications are reported with the field path and message the
// apiserver gives: each case is one of apis/convoy/v1alpha1's
// TestValidationRejectsInvalidObjects, made from testdata/application.yaml,
// with the field and message fragment that test checks against a real
// apiserver. A few more cover what only a create checks (metadata) and
// what the YAML can hold that the Go types cannot (a wrong type).
func TestLintRejectsInvalidApplications(t *testing.T) {
	const (
		template = "spec.template"
		strategy = template + ".strategy"
		steps    = strategy + ".steps"
		source   = template + ".source"
		chart    = source + ".chart"
		kust     = source + ".kustomize"
		regions  = template + ".clusterRequirements.regions"
		caps     = template + ".clusterRequirements.capabilities"
		dns      = template + ".traffic.dns"
	)
	kustomize := func(path string) func(map[string]any) {
		return set(map[string]any{"kustomize": map[string]any{"repoURL": "https://github.com/example/deploy.git", "path": path}}, "spec", "template", "source")
	}
	manySteps := func(obj map[string]any) {
		var list []any
		for i := range 21 {
			list = append(list, map[string]any{"name": fmt.Sprintf("step-%d", i), "capacity": map[string]any{"contender": 100}, "traffic": map[string]any{"contender": 1}})
		}
		set(list, "spec", "template", "strategy", "steps")(obj)
	}

	cases := []struct {
		name  string
		edit  func(map[string]any)
		field string
		msg   string
	}{
		// OpenAPI: item counts, bounds, enums, patterns, lengths.
		{"empty steps list", set([]any{}, "spec", "template", "strategy", "steps"), steps, "should have at least 1 items"},
		{"more than 20 steps", manySteps, steps, "must have at most 20 items"},
		{"unknown preset", both(del("spec", "template", "strategy", "steps"), set("linear", "spec", "template", "strategy", "preset")),
			strategy + ".preset", `Unsupported value: "linear"`},
		{"step name with trailing space", set("staging ", "spec", "template", "strategy", "steps", 0, "name"), steps + "[0].name", "should match"},
		{"contender capacity over 100", set(int64(101), "spec", "template", "strategy", "steps", 1, "capacity", "contender"),
			steps + "[1].capacity.contender", "less than or equal to 100"},
		{"incumbent capacity below 0", set(int64(-1), "spec", "template", "strategy", "steps", 0, "capacity", "incumbent"),
			steps + "[0].capacity.incumbent", "greater than or equal to 0"},
		{"traffic weight over 10000", set(int64(10001), "spec", "template", "strategy", "steps", 1, "traffic", "incumbent"),
			steps + "[1].traffic.incumbent", "less than or equal to 10000"},
		{"chart repo with ftp scheme", set("ftp://charts.example.com", "spec", "template", "source", "chart", "repoURL"), chart + ".repoURL", "should match"},
		{"empty chart name", set("", "spec", "template", "source", "chart", "name"), chart + ".name", "at least 1 chars long"},
		{"chart version latest", set("latest", "spec", "template", "source", "chart", "version"), chart + ".version", "should match"},
		{"chart secret without name", set(map[string]any{}, "spec", "template", "source", "chart", "secretRef"), chart + ".secretRef.name", "Required value"},
		{"kustomize ref with a space", set(map[string]any{"kustomize": map[string]any{"repoURL": "https://github.com/example/deploy.git", "ref": "main branch"}}, "spec", "template", "source"),
			kust + ".ref", "should match"},
		{"no regions", set([]any{}, "spec", "template", "clusterRequirements", "regions"), regions, "should have at least 1 items"},
		{"uppercase region name", set("EU-West", "spec", "template", "clusterRequirements", "regions", 0, "name"), regions + "[0].name", "should match"},
		{"region with 0 clusters", set(int64(0), "spec", "template", "clusterRequirements", "regions", 0, "clusters"), regions + "[0].clusters", "greater than or equal to 1"},
		{"capability with a space", set([]any{"fast disk"}, "spec", "template", "clusterRequirements", "capabilities"), caps + "[0]", "should match"},
		{"hostname with uppercase letters", set("Web.Example.com", "spec", "template", "traffic", "dns", "hostname"), dns + ".hostname", "should match"},
		{"ttlSeconds 0", set(int64(0), "spec", "template", "traffic", "dns", "ttlSeconds"), dns + ".ttlSeconds", "greater than or equal to 1"},
		{"ttlSeconds over a day", set(int64(86401), "spec", "template", "traffic", "dns", "ttlSeconds"), dns + ".ttlSeconds", "less than or equal to 86400"},
		{"revisionHistoryLimit 0", set(int64(0), "spec", "revisionHistoryLimit"), "spec.revisionHistoryLimit", "greater than or equal to 1"},
		{"unknown DNS provider", set("route53", "spec", "template", "traffic", "dns", "provider"), dns + ".provider", `Unsupported value: "route53"`},

		// Required fields.
		{"no template", del("spec", "template"), "spec.template", "Required value"},
		{"chart without name", del("spec", "template", "source", "chart", "name"), chart + ".name", "Required value"},
		{"step without traffic", del("spec", "template", "strategy", "steps", 2, "traffic"), steps + "[2].traffic", "Required value"},

		// List types.
		{"duplicate region names", set([]any{map[string]any{"name": "eu-west"}, map[string]any{"name": "us-east"}, map[string]any{"name": "eu-west", "clusters": int64(2)}},
			"spec", "template", "clusterRequirements", "regions"), regions + "[2]", "Duplicate value"},
		{"duplicate capabilities", set([]any{"gpu", "ssd", "gpu"}, "spec", "template", "clusterRequirements", "capabilities"), caps + "[2]", "Duplicate value"},

		// CEL rules.
		{"neither preset nor steps", del("spec", "template", "strategy", "steps"), strategy, "exactly one of preset or steps must be set"},
		{"both preset and steps", set("vanguard", "spec", "template", "strategy", "preset"), strategy, "exactly one of preset or steps must be set"},
		{"duplicate step names", set("staging", "spec", "template", "strategy", "steps", 2, "name"), steps, "step names must be unique"},
		{"both traffic weights zero", set(map[string]any{}, "spec", "template", "strategy", "steps", 1, "traffic"),
			steps + "[1].traffic", "Invalid value: contender and incumbent traffic weights must not both be zero"},
		{"traffic share above the capacity (I1)", set(int64(40), "spec", "template", "strategy", "steps", 1, "capacity", "contender"),
			steps + "[1].traffic.contender", "the contender's share of the traffic exceeds its capacity percent"},
		{"incumbent share above its capacity (I1)", set(int64(10), "spec", "template", "strategy", "steps", 0, "capacity", "incumbent"),
			steps + "[0].traffic.incumbent", "the incumbent's share of the traffic exceeds its capacity percent"},
		{"steps with different traffic totals", set(map[string]any{"contender": int64(100), "incumbent": int64(100)}, "spec", "template", "strategy", "steps", 1, "traffic"),
			steps, "every step's traffic weights must have the same total"},
		{"no source", set(map[string]any{}, "spec", "template", "source"), source, "exactly one of chart or kustomize must be set"},
		{"both chart and kustomize", set(map[string]any{"repoURL": "https://github.com/example/deploy.git"}, "spec", "template", "source", "kustomize"),
			source, "exactly one of chart or kustomize must be set"},
		{"kustomize path with ..", kustomize("overlays/../../secrets"), kust + ".path", "must not contain '..'"},
		{"kustomize absolute path", kustomize("/etc/overlays"), kust + ".path", "path must be relative to the repository root"},

		// What a create checks beyond the schema, and what YAML can say
		// that the Go types cannot.
		{"name that is not a DNS subdomain", set("Web_App", "metadata", "name"), "metadata.name", "a lowercase RFC 1123 subdomain"},
		{"no name", del("metadata", "name"), "metadata.name", "Required value"},
		{"cluster count as a string", set("two", "spec", "template", "clusterRequirements", "regions", 1, "clusters"),
			regions + "[1].clusters", "must be of type integer"},
		{"unknown field", set("yes", "spec", "template", "strategy", "steps", 0, "pauze"), steps + "[0].pauze", "unknown field"},
		{"check both prometheus and webhook", set([]any{map[string]any{"name": "errors", "prometheus": map[string]any{"query": "up"}, "webhook": map[string]any{"url": "https://hooks.example/ci"}}},
			"spec", "template", "strategy", "steps", 1, "analysis"), steps + "[1].analysis[0]", "a check is a templateRef, or exactly one of prometheus or webhook"},
		{"onFailure rollback", set("Rollback", "spec", "template", "strategy", "steps", 1, "onFailure"), steps + "[1].onFailure", `Unsupported value: "Rollback"`},
		{"unknown metadata field", set("x", "metadata", "nam"), "metadata.nam", "unknown field"},
	}

	base := readYAML(t, "testdata/application.yaml")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := deepCopy(base)
			tc.edit(obj)
			path := writeYAML(t, obj)
			r := run(t, "", "lint", "--no-render", "-f", path)
			if r.err == nil {
				t.Fatalf("lint accepted it; want %s: ...%s", tc.field, tc.msg)
			}
			if r.out != "" {
				t.Errorf("lint printed %q besides its error", r.out)
			}
			msg := r.err.Error()
			if !strings.HasPrefix(msg, path+": Application ") || !strings.Contains(msg, " is invalid (") {
				t.Errorf("error does not start by naming the file and the Application:\n%s", msg)
			}
			for _, line := range strings.Split(msg, "\n")[1:] {
				line = strings.TrimSpace(line)
				if strings.HasPrefix(line, tc.field+": ") && strings.Contains(line, tc.msg) {
					return
				}
			}
			t.Errorf("no problem at %s saying %q:\n%s", tc.field, tc.msg, msg)
		})
	}
}

// Analysis checks are checked as the release controller will run them:
// each query's placeholders and CEL conditions, every problem named.
func TestLintChecksAnalysisOffline(t *testing.T) {
	obj := readYAML(t, "testdata/application.yaml")
	set([]any{
		map[string]any{"name": "errors", "prometheus": map[string]any{"query": `sum(rate(errors{pod="{{pod}}"}[1m]))`, "successCondition": "result[0] < 0.05"}},
		map[string]any{"name": "latency", "scope": "Global", "prometheus": map[string]any{"query": `max(p99{cluster="{{cluster}}"})`}},
		map[string]any{"name": "saturation", "prometheus": map[string]any{"query": "max(cpu)", "successCondition": "result[0] <"}},
		map[string]any{"name": "slo", "count": int64(3), "prometheus": map[string]any{"query": "slo", "failureCondition": "result[0] > 1"}},
		map[string]any{"name": "good", "interval": "1m", "count": int64(3), "prometheus": map[string]any{"query": `sum(rate(errors{cluster="{{cluster}}",release="{{ release }}"}[{{interval}}]))`, "successCondition": "result[0] < 1"}},
		map[string]any{"name": "shared", "templateRef": "error-rate"},
	}, "spec", "template", "strategy", "steps", 1, "analysis")(obj)
	r := run(t, "", "lint", "--no-render", "-f", writeYAML(t, obj))
	wantError(t, r.err,
		"spec.template.strategy.steps[1].analysis[0] (errors): prometheus.query: unknown placeholder {{pod}}",
		"spec.template.strategy.steps[1].analysis[1] (latency): prometheus.query: placeholder {{cluster}} in a global check",
		`spec.template.strategy.steps[1].analysis[2] (saturation): prometheus.successCondition "result[0] <"`,
		"spec.template.strategy.steps[1].analysis[3] (slo): count 3: more than one measurement needs an interval")
	for _, ok := range []string{"(good)", "(shared)"} {
		if strings.Contains(r.err.Error(), ok) {
			t.Errorf("lint refused a valid check %s:\n%v", ok, r.err)
		}
	}
}

// Every problem is listed, not the first only, and a blocking error says
// that the CEL rules were not run, as the apiserver says.
func TestLintListsEveryProblem(t *testing.T) {
	obj := readYAML(t, "testdata/application.yaml")
	set(int64(101), "spec", "template", "strategy", "steps", 1, "capacity", "contender")(obj)
	set("EU-West", "spec", "template", "clusterRequirements", "regions", 0, "name")(obj)
	set(map[string]any{}, "spec", "template", "strategy", "steps", 1, "traffic")(obj)
	r := run(t, "", "lint", "--no-render", "-f", writeYAML(t, obj))
	wantError(t, r.err, "is invalid (4 problems)",
		"\n  spec.template.strategy.steps: Invalid value: every step's traffic weights must have the same total",
		"\n  spec.template.strategy.steps[1].capacity.contender: Invalid value: 101: spec.template.strategy.steps[1].capacity.contender in body should be less than or equal to 100",
		"\n  spec.template.clusterRequirements.regions[0].name: Invalid value: \"EU-West\": ",
		"\n  spec.template.strategy.steps[1].traffic: Invalid value: contender and incumbent traffic weights must not both be zero")

	// A missing required field blocks the CEL rules.
	del("spec", "template", "source", "chart", "name")(obj)
	r = run(t, "", "lint", "--no-render", "-f", writeYAML(t, obj))
	wantError(t, r.err, "is invalid (3 problems)", "\n  spec.template.source.chart.name: Required value\n",
		"\n  some validation rules were not checked because the object was invalid; correct the existing errors to complete validation")
	if strings.Contains(r.err.Error(), "traffic weights") {
		t.Errorf("CEL rules ran despite a blocking error:\n%v", r.err)
	}
}

// A chart version the repository does not have is valid, but lint
// renders it and fails with the renderer's reason.
func TestLintReportsWhyAValidApplicationDoesNotRender(t *testing.T) {
	repo := helloRepo(t)
	path := fixture(t, "missing-version.yaml", map[string]string{"CHART_REPO": repo.URL})
	r := run(t, "", "lint", "-f", path)
	wantError(t, r.err, path+": Application default/web: resolving spec.template.source.chart (chart hello 9.9.9 from "+repo.URL+"): ChartVersionNotFound: ",
		`has no version "9.9.9"`, "closest available: 0.1.0", "the Application is valid, but its next release does not render")
	if r.out != "" {
		t.Errorf("lint printed %q besides its error", r.out)
	}
}

// Files that are not an Application manifest fail naming the file and
// what is wrong, and an unknown field is named by its path.
func TestLintRejectsMalformedFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cases := []struct {
		name  string
		path  string
		stdin string
		want  []string
	}{
		{"not YAML", "testdata/not-yaml.yaml", "", []string{"testdata/not-yaml.yaml: document 1 is not valid YAML: ", "line 5"}},
		{"unknown field", "testdata/unknown-field.yaml", "", []string{
			"testdata/unknown-field.yaml: Application default/web is invalid (2 problems):",
			"\n  spec.template.clusterRequirements.region: Forbidden: unknown field",
			"\n  spec.template.clusterRequirements.regions: Required value"}},
		{"duplicate key", write("dup.yaml", "apiVersion: convoy.dev/v1alpha1\nkind: Application\nkind: Application\n"), "",
			[]string{"dup.yaml: document 1 is not valid YAML: ", `key "kind" already set in map`}},
		{"a list", write("list.yaml", "- a\n- b\n"), "", []string{"list.yaml: document 1 is a YAML list, not an object"}},
		{"empty", write("empty.yaml", "# nothing\n---\n"), "", []string{"empty.yaml: holds no object"}},
		{"two objects", "-", "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\n", []string{"<stdin>: holds 2 objects"}},
		{"another kind", write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"), "",
			[]string{"cm.yaml: the object is a v1 ConfigMap, not a convoy Application"}},
		{"no kind", write("nokind.yaml", "metadata:\n  name: x\n"), "", []string{"nokind.yaml: the object has no apiVersion and no kind"}},
		{"missing file", filepath.Join(dir, "absent.yaml"), "", []string{"reading " + filepath.Join(dir, "absent.yaml") + ": ", "no such file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.stdin, "lint", "--no-render", "-f", tc.path)
			wantError(t, r.err, tc.want...)
		})
	}
}

// Without -f, lint is a usage error.
func TestLintNeedsAFile(t *testing.T) {
	r := run(t, "", "lint")
	wantError(t, r.err, `required flag(s) "filename" not set`)
}

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

func writeYAML(t *testing.T, obj map[string]any) string {
	t.Helper()
	data, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "application.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func deepCopy(obj map[string]any) map[string]any {
	data, err := yaml.Marshal(obj)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	if err := yaml.Unmarshal(data, &out); err != nil {
		panic(err)
	}
	return out
}

// set returns an edit that sets the value at path, whose elements are map
// keys (string) and list indexes (int).
func set(value any, path ...any) func(map[string]any) {
	return func(obj map[string]any) {
		parent, last := walk(obj, path)
		switch p := parent.(type) {
		case map[string]any:
			p[last.(string)] = value
		case []any:
			p[last.(int)] = value
		}
	}
}

// del returns an edit that deletes the map key at path.
func del(path ...any) func(map[string]any) {
	return func(obj map[string]any) {
		parent, last := walk(obj, path)
		delete(parent.(map[string]any), last.(string))
	}
}

func both(a, b func(map[string]any)) func(map[string]any) {
	return func(obj map[string]any) { a(obj); b(obj) }
}

// walk returns the container of path's last element, creating maps on
// the way.
func walk(obj map[string]any, path []any) (any, any) {
	var cur any = obj
	for _, key := range path[:len(path)-1] {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[key.(string)]
			if !ok {
				next = map[string]any{}
				c[key.(string)] = next
			}
			cur = next
		case []any:
			cur = c[key.(int)]
		}
	}
	return cur, path[len(path)-1]
}

// An override for a region the Application does not run in would never
// apply: lint names it.
func TestLintCatchesOverridesOfUnknownRegions(t *testing.T) {
	obj := readYAML(t, "testdata/application.yaml")
	set([]any{
		map[string]any{"regions": []any{"eu-west"}, "values": map[string]any{"a": 1}},
		map[string]any{"regions": []any{"ap-south"}, "values": map[string]any{"a": 2}},
	}, "spec", "template", "overrides")(obj)
	r := run(t, "", "lint", "--no-render", "-f", writeYAML(t, obj))
	wantError(t, r.err, `spec.template.overrides[1].regions[0]: region "ap-south" is not one the Application runs in`)
	if strings.Contains(r.err.Error(), "overrides[0]") {
		t.Errorf("lint refused the override of a region the Application runs in:\n%v", r.err)
	}
}
