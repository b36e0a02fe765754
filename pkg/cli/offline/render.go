package offline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
	"github.com/convoy-rollouts/convoy/pkg/controller/application"
	"github.com/convoy-rollouts/convoy/pkg/controller/installation"
	"github.com/convoy-rollouts/convoy/pkg/manager"
	"github.com/convoy-rollouts/convoy/pkg/placement"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/render/kustomize"
	"github.com/convoy-rollouts/convoy/strategies"
)

func newRender(out, errOut io.Writer) *cobra.Command {
	var f fileFlags
	var cluster placement.Candidate
	var labels []string
	cmd := &cobra.Command{
		Use:   "render -f APPLICATION.yaml [--cluster NAME [--region R] [--label K=V]...] [--cache-dir DIR]",
		Short: "Print the objects an Application's next release installs, without a cluster",
		Long: `Print, as a YAML stream, the objects the Application's next release would
install in each of its clusters: the source resolved (a chart version
constraint to an exact version, a git ref to a commit), rendered, and made
the release's own (names, the convoy.dev labels, selectors) exactly as the
controllers do. Charts and git checkouts are fetched and cached as the
manager caches them.

The Application is first checked as the apiserver would check it (see
convoy lint). Sources with a secretRef cannot be rendered offline when the
repository needs the credentials: convoy render reads no Secrets.

With --cluster, the objects of that one cluster: the Application's
overrides that match it (by name, --region, and --label for selectors)
merged over its values.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, app, err := f.load(cmd.Context(), cmd.InOrStdin())
			if err != nil {
				return err
			}
			var in *placement.Candidate
			if cluster.Name != "" {
				if cluster.Labels, err = parseLabels(labels); err != nil {
					return err
				}
				in = &cluster
			}
			rel, err := renderRelease(cmd.Context(), f.cacheDir, m, app, in)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			for _, obj := range rel.objects {
				data, err := yaml.Marshal(obj.Object)
				if err != nil {
					return fmt.Errorf("%s: %s: encoding %s %s: %w", m.name, m.describe(), obj.GetKind(), obj.GetName(), err)
				}
				buf.WriteString("---\n")
				buf.Write(data)
			}
			// The objects go to out whole or not at all, for a pipe into
			// kubectl; the summary is for the person and goes to errOut.
			if _, err := out.Write(buf.Bytes()); err != nil {
				return err
			}
			fmt.Fprintf(errOut, "%s: release %s of %s: %s, %d %s\n",
				m.name, rel.target.Name, m.describe(), describeSource(rel.target.Spec.Source), len(rel.objects), plural(len(rel.objects), "object", "objects"))
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&cluster.Name, "cluster", "", "render the objects of this cluster, its overrides merged in")
	cmd.Flags().StringVar(&cluster.Region, "region", "", "the --cluster's region, for overrides by region")
	cmd.Flags().StringArrayVar(&labels, "label", nil, "a label K=V of the --cluster, for overrides by selector (repeatable)")
	return cmd
}

// parseLabels reads K=V pairs.
func parseLabels(pairs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, clierr.Usage("--label %q: want KEY=VALUE", p)
		}
		out[k] = v
	}
	return out, nil
}

// release is what the next release of an Application installs.
type release struct {
	// target is the InstallationTarget the release controller would make.
	target  *convoyv1alpha1.InstallationTarget
	objects []*unstructured.Unstructured
}

// renderRelease follows the controllers from an admitted Application to
// the objects installed in each cluster: the application controller pins
// the template (preset expanded, source resolved) into a Release named
// after the template's hash, the release controller makes the Release's
// InstallationTarget, and the installation controller renders it with
// installation.Objects. Only the cluster-side parts are left out: no
// Secret is read for a secretRef (nil credentials), and the target names
// no clusters, since every cluster gets the same objects.
func renderRelease(ctx context.Context, cacheDir string, m *manifest, app *convoyv1alpha1.Application, cluster *placement.Candidate) (*release, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s: %s", m.name, m.describe(), fmt.Sprintf(format, args...))
	}
	tmpl := app.Spec.Template
	if _, err := strategies.Pin(tmpl.Strategy, tmpl.ClusterRequirements.RegionNames()); err != nil {
		return nil, fail("spec.template.strategy: %v", err)
	}
	name, err := application.ReleaseName(app, 1)
	if err != nil {
		return nil, fail("naming the release: %v", err)
	}
	renderer, err := manager.Renderer(cacheDir)
	if err != nil {
		return nil, fail("setting up the renderers: %v", err)
	}

	resolved, err := renderer.Resolve(ctx, tmpl.Source, nil)
	if err != nil {
		return nil, fail("resolving %s (%s): %s", sourceField(tmpl.Source), describeSource(tmpl.Source), renderFailure(tmpl.Source, err))
	}
	it := &convoyv1alpha1.InstallationTarget{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: app.Namespace, Labels: map[string]string{
			convoyv1alpha1.LabelApplication: app.Name,
			convoyv1alpha1.LabelRelease:     name,
		}},
		Spec: convoyv1alpha1.InstallationTargetSpec{Clusters: nil, Source: resolved, Values: tmpl.Values},
	}
	if cluster != nil {
		// One cluster: its overrides merged in, as the release controller
		// does for the InstallationTarget's clusterValues.
		sets, err := placement.ValueSets("spec.template.overrides", tmpl.Values, tmpl.Overrides, []string{cluster.Name}, []placement.Candidate{*cluster})
		if err != nil {
			return nil, fail("%v", err)
		}
		if len(sets) > 0 {
			it.Spec.Values = sets[0].Values
		}
		it.Spec.Clusters = []string{cluster.Name}
	}
	objs, err := installation.Objects(ctx, renderer, kustomize.Distinguish, it, nil)
	if err != nil {
		return nil, fail("rendering %s (%s) as release %s: %s", sourceField(resolved), describeSource(resolved), name, renderFailure(resolved, err))
	}
	return &release{target: it, objects: objs}, nil
}

// renderFailure is a render error with its reason, and for a source with
// a secretRef that could not be fetched, why: offline, the Secret is not
// read, so a private repository refuses the request.
func renderFailure(src convoyv1alpha1.Source, err error) string {
	reason := render.ReasonOf(err)
	msg := fmt.Sprintf("%s: %v", reason, err)
	if ref := secretRef(src); ref != nil {
		switch reason {
		case render.ReasonRepositoryUnreachable, render.ReasonRepositoryNotFound, render.ReasonCredentialsNotFound:
			msg += fmt.Sprintf("; the source's secretRef %q was not used: private sources are not supported offline, since convoy render and lint read no Secrets", ref.Name)
		}
	}
	return msg
}

func secretRef(src convoyv1alpha1.Source) *convoyv1alpha1.LocalObjectReference {
	switch {
	case src.Chart != nil:
		return src.Chart.SecretRef
	case src.Kustomize != nil:
		return src.Kustomize.SecretRef
	}
	return nil
}

// sourceField is the path of the source in the Application.
func sourceField(src convoyv1alpha1.Source) string {
	switch {
	case src.Chart != nil:
		return "spec.template.source.chart"
	case src.Kustomize != nil:
		return "spec.template.source.kustomize"
	}
	return "spec.template.source"
}

// describeSource names a source for people: "chart hello 0.1.0 from
// https://charts.example.com", "kustomize directory overlays/prod of
// https://git.example.com/deploy.git at main".
func describeSource(src convoyv1alpha1.Source) string {
	switch {
	case src.Chart != nil:
		version := src.Chart.Version
		if version == "" {
			version = "(newest stable version)"
		} else if _, err := semver.StrictNewVersion(version); err != nil {
			version = strconv.Quote(version) // a constraint, such as "~1.2"
		}
		return fmt.Sprintf("chart %s %s from %s", src.Chart.Name, version, src.Chart.RepoURL)
	case src.Kustomize != nil:
		path, ref := src.Kustomize.Path, src.Kustomize.Ref
		if path == "" {
			path = "(repository root)"
		}
		if ref == "" {
			ref = "(default branch)"
		}
		return fmt.Sprintf("kustomize directory %s of %s at %s", path, src.Kustomize.RepoURL, ref)
	}
	return "no source"
}
