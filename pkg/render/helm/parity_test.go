package helm

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"sigs.k8s.io/yaml"

	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

// TestParityWithHelmCLI renders charts with the renderer and with the helm
// CLI of the same Helm version (`helm template`) from the same archive and
// values, and requires the same objects in the same order.
func TestParityWithHelmCLI(t *testing.T) {
	cases := []struct {
		name      string
		dir       string
		values    string // JSON, as an Application carries values
		opts      Options
		extraArgs []string // the helm template flags matching opts
	}{
		{name: "hello defaults", dir: helloDir},
		{
			name:   "hello overridden",
			dir:    helloDir,
			values: `{"replicas": 3, "greeting": "Bonjour", "image": {"tag": "2.54"}, "service": {"port": 8080}}`,
		},
		{name: "showcase defaults", dir: showcaseDir},
		{
			name: "showcase overridden",
			dir:  showcaseDir,
			values: `{"replicas": 4, "ingress": {"enabled": true, "host": "shop.example.com"},
				"workers": [{"name": "mailer"}, {"name": "reaper", "schedule": "0 * * * *"}],
				"config": {"mode": "verbose", "extra": "yes"}, "cache": {"enabled": false},
				"global": {"tier": "gold"}}`,
		},
		{
			name:   "showcase with subchart values and globals",
			dir:    showcaseDir,
			values: `{"cache": {"size": "1Gi"}, "global": {"tier": "silver"}}`,
		},
		{
			name:      "showcase with CRDs and capabilities",
			dir:       showcaseDir,
			opts:      Options{IncludeCRDs: true, KubeVersion: "v1.37.2", APIVersions: []string{"example.com/v1"}},
			extraArgs: []string{"--include-crds", "--kube-version", "v1.37.2", "--api-versions", "example.com/v1"},
		},
	}
	const release, namespace = "shop", "team-a"
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			archive := chartrepo.Package(t, tc.dir, "")
			repo := chartrepo.Start(t, chartrepo.Options{})
			repo.PublishArchive(t, archive)
			ch, err := loader.LoadArchive(bytes.NewReader(archive))
			if err != nil {
				t.Fatal(err)
			}
			chartName, version := ch.Metadata.Name, ch.Metadata.Version

			var values map[string]any
			if tc.values != "" {
				if err := json.Unmarshal([]byte(tc.values), &values); err != nil {
					t.Fatalf("values: %v", err)
				}
			}

			tmp := t.TempDir()
			tgz := filepath.Join(tmp, chartName+".tgz")
			valuesFile := filepath.Join(tmp, "values.yaml")
			valuesYAML, err := yaml.Marshal(values)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tgz, archive, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(valuesFile, valuesYAML, 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{release, tgz, "--namespace", namespace, "-f", valuesFile}, tc.extraArgs...)
			want := parseStream(t, helmTemplate(t, args...))

			r := newRenderer(t, tc.opts)
			out, err := r.Render(testContext(t), render.Request{
				ReleaseName: release,
				Namespace:   namespace,
				Source:      chartSource(repo.URL, chartName, version),
				Values:      values,
			})
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			got := out.Objects

			if !reflect.DeepEqual(objectKeys(got), objectKeys(want)) {
				t.Fatalf("objects differ from helm template:\n got  %v\n want %v", objectKeys(got), objectKeys(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i].Object, want[i].Object) {
					g, _ := yaml.Marshal(got[i].Object)
					w, _ := yaml.Marshal(want[i].Object)
					t.Errorf("object %d (%s) differs from helm template:\n--- got\n%s--- want\n%s", i, objectKeys(want)[i], g, w)
				}
			}
			t.Logf("%d objects identical to helm template: %v", len(got), objectKeys(got))
		})
	}
}
