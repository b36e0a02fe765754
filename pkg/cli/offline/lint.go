package offline

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/analysis"
	"github.com/convoy-rollouts/convoy/strategies"
)

func newLint(out io.Writer) *cobra.Command {
	var f fileFlags
	var noRender bool
	cmd := &cobra.Command{
		Use:   "lint -f APPLICATION.yaml [--cache-dir DIR] [--no-render]",
		Short: "Check an Application as the apiserver would, and render it, without a cluster",
		Long: `Check an Application with the rules of the Application CRD this convoy
ships, run as the apiserver runs them for kubectl apply: strict field
validation (unknown and duplicate fields), defaults, the OpenAPI schema
(types, bounds, enums, patterns, required fields, list types), the CEL
rules, and metadata.name as a DNS subdomain. Every problem is listed with
its field path, as the apiserver names it.

A valid Application is then rendered as convoy render would (unless
--no-render), so a chart version that does not exist or a template that
fails is found too. The analysis checks of its steps are checked as the
release controller will run them: a query's placeholders, and its
successCondition and failureCondition as CEL (checks named by templateRef
are checked when the Release is made). Exits 0 when the Application is
valid and renders, 1 otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, app, err := f.load(cmd.Context(), cmd.InOrStdin())
			if err != nil {
				return err
			}
			if err := lintOverrides(m, app); err != nil {
				return err
			}
			if err := lintChecks(m, app); err != nil {
				return err
			}
			if noRender {
				fmt.Fprintf(out, "%s: %s is valid (not rendered)\n", m.name, m.describe())
				return nil
			}
			rel, err := renderRelease(cmd.Context(), f.cacheDir, m, app, nil)
			if err != nil {
				return fmt.Errorf("%w\n(the Application is valid, but its next release does not render)", err)
			}
			n := len(rel.objects)
			fmt.Fprintf(out, "%s: %s is valid (%d %s rendered)\n", m.name, m.describe(), n, plural(n, "object", "objects"))
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&noRender, "no-render", false, "check the Application only; do not fetch and render its source")
	return cmd
}

// lintChecks checks every inline analysis check of the Application's
// steps offline (analysis.Validate), and names each one that would not
// run, with its field path.
func lintChecks(m *manifest, app *convoyv1alpha1.Application) error {
	var errs []error
	tmpl := app.Spec.Template
	// Pinned, the strategy lists every step a release takes, the waves'
	// own steps and gates included.
	pinned, err := strategies.Pin(tmpl.Strategy, tmpl.ClusterRequirements.RegionNames())
	if err != nil {
		return fmt.Errorf("%s: %s: spec.template.strategy: %v", m.name, m.describe(), err)
	}
	for i, step := range pinned.Steps {
		field := fmt.Sprintf("spec.template.strategy.steps[%d]", i)
		if step.Wave != "" {
			field = fmt.Sprintf("spec.template.strategy step %s", step.Name)
		}
		for j, check := range step.Analysis {
			if check.TemplateRef != "" {
				continue
			}
			if err := analysis.Validate(check.AnalysisCheckSpec); err != nil {
				errs = append(errs, fmt.Errorf("%s: %s: %s.analysis[%d] (%s): %v", m.name, m.describe(), field, j, check.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// lintOverrides names each override region the Application does not run
// in: its values would never apply.
func lintOverrides(m *manifest, app *convoyv1alpha1.Application) error {
	tmpl := app.Spec.Template
	known := tmpl.ClusterRequirements.RegionNames()
	var errs []error
	for i, o := range tmpl.Overrides {
		for j, region := range o.Regions {
			if !slices.Contains(known, region) {
				errs = append(errs, fmt.Errorf("%s: %s: spec.template.overrides[%d].regions[%d]: region %q is not one the Application runs in (%s): these values would never apply",
					m.name, m.describe(), i, j, region, strings.Join(known, ", ")))
			}
		}
	}
	return errors.Join(errs...)
}
