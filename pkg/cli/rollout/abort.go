package rollout

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

type abortOptions struct {
	common
	reason string
}

func newAbort(out io.Writer) *cobra.Command {
	o := &abortOptions{common: common{out: out}}
	cmd := &cobra.Command{
		Use:   "abort APP [--reason TEXT]",
		Short: "Give everything back to the incumbent and hold the contender there",
		Long: `Abort the application's contender release: all its traffic goes back to the
incumbent first, then its capacity goes (the incumbent back at full
capacity), and it stays there, at step 0, whatever its target step, until
convoy retry or a new template. The reason is recorded on the Release
(spec.aborted) and in an event.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	o.addFlags(cmd)
	cmd.Flags().StringVar(&o.reason, "reason", "aborted with convoy abort", "why, for the Release and its event")
	return cmd
}

func (o *abortOptions) run(cmd *cobra.Command, app string) error {
	ctx := cmd.Context()
	cl, r, err := o.load(ctx, app)
	if err != nil {
		return err
	}
	rel, err := moving(r)
	if err != nil {
		return err
	}
	if r.Incumbent == nil {
		return fmt.Errorf("release %s is the first of %s/%s: there is no incumbent to go back to", rel.Name, rel.Namespace, app)
	}
	if rel.Spec.Aborted != nil {
		return fmt.Errorf("release %s is already aborted (%s)", rel.Name, rel.Spec.Aborted.Reason)
	}
	patched := rel.DeepCopy()
	patched.Spec.Aborted = &convoyv1alpha1.Abort{Reason: o.reason}
	patched.Spec.TargetStep = 0
	if err := cl.Patch(ctx, patched, client.MergeFrom(rel.Release)); err != nil {
		return fmt.Errorf("aborting release %s: %w", rel.Name, err)
	}
	fmt.Fprintf(o.out, "release %s aborted (%s): traffic and capacity go back to %s\n", rel.Name, o.reason, r.Incumbent.Name)
	return nil
}

func newRetry(out io.Writer) *cobra.Command {
	o := &common{out: out}
	cmd := &cobra.Command{
		Use:   "retry APP",
		Short: "Lift an abort: the contender may move again",
		Long: `Lift the abort of the application's contender release. It stays at step 0
until convoy advance moves it on.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, r, err := o.load(ctx, args[0])
			if err != nil {
				return err
			}
			rel, err := moving(r)
			if err != nil {
				return err
			}
			if rel.Spec.Aborted == nil {
				return fmt.Errorf("release %s is not aborted: nothing to retry", rel.Name)
			}
			patched := rel.DeepCopy()
			patched.Spec.Aborted = nil
			patched.Spec.TargetStep = 0
			if err := cl.Patch(ctx, patched, client.MergeFrom(rel.Release)); err != nil {
				return fmt.Errorf("retrying release %s: %w", rel.Name, err)
			}
			fmt.Fprintf(o.out, "release %s may move again; it is at step 0 (convoy advance moves it on)\n", rel.Name)
			return nil
		},
	}
	o.addFlags(cmd)
	return cmd
}
