// Package offline holds convoy's commands that need no cluster: convoy
// render prints the objects an Application's next release would install,
// and convoy lint checks an Application against the rules of its CRD and
// renders it.
//
// Neither reimplements anything. Validation runs the Application CRD
// embedded in the binary (apis/crds) through the apiextensions-apiserver
// code a kube-apiserver runs for a create: strict decoding, pruning,
// defaulting, OpenAPI and CEL validation. Rendering runs the renderers the
// manager builds and the installation controller's own Objects. So what
// the commands accept, name and print is what a cluster would.
package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// NewCommands returns convoy render and convoy lint.
func NewCommands(out, errOut io.Writer) []*cobra.Command {
	return []*cobra.Command{newRender(out, errOut), newLint(out)}
}

// fileFlags are the flags both commands take.
type fileFlags struct {
	file     string
	cacheDir string
}

func (f *fileFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.file, "filename", "f", "", `the Application manifest, or "-" for standard input`)
	cmd.Flags().StringVar(&f.cacheDir, "cache-dir", "", "where charts and git checkouts are cached (default: convoy's directory in the user cache directory)")
	_ = cmd.MarkFlagRequired("filename")
}

// load reads the Application in f.file and admits it as the apiserver
// would a create. It returns the Application as the apiserver would store
// it, defaults applied, so everything computed from it (above all the
// release name, a hash of the template) matches what the controllers
// compute from the stored object.
func (f *fileFlags) load(ctx context.Context, stdin io.Reader) (*manifest, *convoyv1alpha1.Application, error) {
	m, err := readManifest(f.file, stdin)
	if err != nil {
		return nil, nil, err
	}
	s, err := applicationSchema()
	if err != nil {
		return nil, nil, err
	}
	if errs := s.admit(ctx, m.obj); len(errs) > 0 {
		return m, nil, &invalidError{manifest: m, errs: errs}
	}
	app, err := m.decode()
	if err != nil {
		return m, nil, err
	}
	return m, app, nil
}

// decode turns the admitted object into the typed Application, strictly:
// after admission an unknown field left would mean the CRD and the Go
// types disagree, which must not pass silently.
func (m *manifest) decode() (*convoyv1alpha1.Application, error) {
	data, err := json.Marshal(m.obj)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: encoding: %w", m.name, m.describe(), err)
	}
	app := &convoyv1alpha1.Application{}
	if err := yaml.UnmarshalStrict(data, app); err != nil {
		return nil, fmt.Errorf("%s: %s: decoding into the Go type: %w", m.name, m.describe(), err)
	}
	return app, nil
}
