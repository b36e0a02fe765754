package rollout

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
)

type rollbackOptions struct {
	common
	to string
}

func newRollback(out io.Writer) *cobra.Command {
	o := &rollbackOptions{common: common{out: out}}
	cmd := &cobra.Command{
		Use:   "rollback APP [--to-release R]",
		Short: "Roll out an older release's environment again",
		Long: `Set the application's template to an older release's environment (its
chart version or git commit pinned, its strategy's steps): a new Release of
that environment then rolls out like any other, step by step. Without
--to-release it takes the newest completed release before the newest one.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	o.addFlags(cmd)
	cmd.Flags().StringVar(&o.to, "to-release", "", "the release to roll back to")
	return cmd
}

func (o *rollbackOptions) run(cmd *cobra.Command, app string) error {
	ctx := cmd.Context()
	cl, r, err := o.load(ctx, app)
	if err != nil {
		return err
	}
	target, err := rollbackTarget(r, o.to)
	if err != nil {
		return err
	}
	before := r.Application.DeepCopy()
	r.Application.Spec.Template = *target.Spec.Environment.DeepCopy()
	if err := cl.Patch(ctx, r.Application, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("rolling %s/%s back to %s: %w", before.Namespace, app, target.Name, err)
	}
	fmt.Fprintf(o.out, "application %s/%s: template set to the environment of release %s; a new release rolls it out\n", before.Namespace, app, target.Name)
	return nil
}

// rollbackTarget is the named release, or the newest completed release
// older than the newest.
func rollbackTarget(r *kube.Rollout, name string) (*kube.Release, error) {
	app := r.Application
	if name != "" {
		for _, rel := range r.Releases {
			if rel.Name == name {
				return rel, nil
			}
		}
		return nil, fmt.Errorf("application %s/%s has no release %s (convoy history lists them)", app.Namespace, app.Name, name)
	}
	for i := len(r.Releases) - 2; i >= 0; i-- {
		if conditions.IsTrue(r.Releases[i].Status.Conditions, convoyv1alpha1.ConditionComplete) {
			return r.Releases[i], nil
		}
	}
	return nil, fmt.Errorf("application %s/%s has no completed release before its newest to roll back to", app.Namespace, app.Name)
}
