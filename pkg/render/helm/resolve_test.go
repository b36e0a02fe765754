package helm

import (
	"strings"
	"testing"

	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/ociregistry"
)

// resolveCases hold for both repository kinds: the same versions are
// published to each (helloVersions).
var resolveCases = []struct {
	name    string
	request string
	want    string
}{
	{"exact", "0.1.0", "0.1.0"},
	{"exact prerelease", "1.0.0-rc.1", "1.0.0-rc.1"},
	{"tilde minor", "~0.1", "0.1.1"},
	{"range", ">=0.1.0 <1.0.0", "0.2.0"},
	{"caret", "^0.2", "0.2.0"},
	{"empty is newest stable, not the rc", "", "0.2.0"},
	{"wildcard", "0.1.x", "0.1.1"},
	{"prerelease constraint", ">=1.0.0-0", "1.0.0-rc.1"},
}

func TestResolveHTTP(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	r := newRenderer(t, Options{})
	for _, tc := range resolveCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Resolve(testContext(t), chartSource(repo.URL, "hello", tc.request), nil)
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tc.request, err)
			}
			if got.Chart.Version != tc.want {
				t.Fatalf("Resolve(%q) = %s, want %s", tc.request, got.Chart.Version, tc.want)
			}
			if got.Chart.RepoURL != repo.URL || got.Chart.Name != "hello" {
				t.Fatalf("Resolve changed more than the version: %+v", got.Chart)
			}
		})
	}
	// One index download served every case.
	if n := repo.Requests("/index.yaml"); n != 1 {
		t.Errorf("index.yaml was fetched %d times, want 1", n)
	}
}

func TestResolveOCI(t *testing.T) {
	reg, opts := startRegistry(t, ociregistry.Options{})
	r := newRenderer(t, opts)
	for _, tc := range resolveCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Resolve(testContext(t), chartSource(reg.URL, "hello", tc.request), nil)
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tc.request, err)
			}
			if got.Chart.Version != tc.want {
				t.Fatalf("Resolve(%q) = %s, want %s", tc.request, got.Chart.Version, tc.want)
			}
		})
	}
}

func TestResolveNoMatch(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	reg, opts := startRegistry(t, ociregistry.Options{})
	r := newRenderer(t, opts)
	for _, repoURL := range []string{repo.URL, reg.URL} {
		t.Run(repoURL, func(t *testing.T) {
			cases := []struct {
				request string
				parts   []string
			}{
				{"~0.3", []string{repoURL, "hello", `"~0.3"`, "closest available: 1.0.0-rc.1, 0.2.0, 0.1.1, 0.1.0 (of 4 versions)"}},
				{">=2.0.0", []string{repoURL, "hello", `">=2.0.0"`, "1.0.0-rc.1", "0.2.0"}},
				// Only the rc would match: the message says why it does not.
				{"~1.0", []string{"prereleases match only a constraint that has a prerelease part"}},
			}
			for _, tc := range cases {
				_, err := r.Resolve(testContext(t), chartSource(repoURL, "hello", tc.request), nil)
				requireReason(t, err, render.ReasonVersionNotFound, tc.parts...)
			}
		})
	}
}

func TestPickVersionSemantics(t *testing.T) {
	vs := []chartVersion{newChartVersion("2.0.0"), newChartVersion("1.10.0"), newChartVersion("1.9.0"), newChartVersion("1.0")}
	sortVersions(vs)
	if got := vs[0].Version; got != "2.0.0" {
		t.Fatalf("newest first: got %s", got)
	}
	// "1.0" is only an exact match by string, as in Helm's IndexFile.Get,
	// and it also satisfies constraints once parsed leniently.
	for request, want := range map[string]string{"1.0": "1.0", "~1.9": "1.9.0", "1.x": "1.10.0", "": "2.0.0"} {
		got, ok, err := pickVersion(vs, request)
		if err != nil || !ok || got.Version != want {
			t.Errorf("pickVersion(%q) = %q, %v, %v; want %q", request, got.Version, ok, err, want)
		}
	}
	if _, _, err := pickVersion(vs, "not a version"); err == nil {
		t.Error("pickVersion accepted an invalid constraint")
	}
}

func TestClosestVersions(t *testing.T) {
	var vs []chartVersion
	for _, v := range []string{"3.0.0", "2.1.0", "2.0.1", "2.0.0", "1.5.0", "1.4.2", "1.4.1", "1.4.0", "1.3.0", "0.9.0"} {
		vs = append(vs, newChartVersion(v))
	}
	for request, want := range map[string]string{
		"~1.4.5":  "2.0.0 1.5.0 1.4.2 1.4.1 1.4.0",
		">=2.2.0": "3.0.0 2.1.0 2.0.1 2.0.0 1.5.0",
		"":        "3.0.0 2.1.0 2.0.1 2.0.0 1.5.0",
	} {
		if got := strings.Join(closestVersions(vs, request, 5), " "); got != want {
			t.Errorf("closestVersions(%q) = %s, want %s", request, got, want)
		}
	}
}
