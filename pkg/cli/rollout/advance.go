package rollout

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

type advanceOptions struct {
	common
	to      string
	wait    bool
	timeout time.Duration
}

func newAdvance(out io.Writer) *cobra.Command {
	o := &advanceOptions{common: common{out: out}}
	cmd := &cobra.Command{
		Use:   "advance APP [--to N|NAME|WAVE/STEP|WAVE|next|last] [--wait] [--timeout D]",
		Short: "Move the contender release to a later step",
		Long: `Move the application's contender release to a later step by setting its
spec.targetStep (never status). --to takes a step index (from 0), a step name,
next (the default) or last; with waves also WAVE/STEP (indexes from 0 within
the wave, or the step's name "wave/step") and a wave's name (its last step). It refuses when nothing is rolling out, when the
release is already at the last step, when it was aborted (convoy retry first),
and while a RolloutBlock applies. With --wait it then waits as convoy wait
--step does, with the same exit codes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	o.addFlags(cmd)
	cmd.Flags().StringVar(&o.to, "to", "next", "step to move to: an index from 0, a step name, WAVE/STEP, a wave name, next or last")
	cmd.Flags().BoolVar(&o.wait, "wait", false, "wait until the step is achieved in every cluster")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 10*time.Minute, "how long --wait waits")
	return cmd
}

func (o *advanceOptions) run(cmd *cobra.Command, app string) error {
	ctx := cmd.Context()
	cl, r, err := o.load(ctx, app)
	if err != nil {
		return err
	}
	rel, err := moving(r)
	if err != nil {
		return err
	}
	if rel.Spec.Aborted != nil {
		return fmt.Errorf("release %s was aborted (%s): run convoy retry %s first", rel.Name, rel.Spec.Aborted.Reason, app)
	}
	steps := rel.Spec.Environment.Strategy.Steps
	last := int32(len(steps) - 1)
	if rel.Spec.TargetStep == last {
		return fmt.Errorf("release %s already targets the last step %s: nothing to advance", rel.Name, stepName(steps, last))
	}
	from := rel.Spec.TargetStep
	if a := rel.Status.AchievedStep; a != nil {
		from = max(from, a.Step)
	}
	to, err := parseStep(steps, o.to, from+1)
	if err != nil {
		return err
	}
	if to <= rel.Spec.TargetStep {
		return fmt.Errorf("release %s already targets step %s: advance moves forward only (convoy abort goes back)", rel.Name, stepName(steps, rel.Spec.TargetStep))
	}
	blocks, err := o.activeBlocks(ctx, cl, rel)
	if err != nil {
		return err
	}
	if len(blocks) > 0 {
		return fmt.Errorf("release %s is blocked by RolloutBlock %s: lift the block, or override it with the %s annotation",
			rel.Name, strings.Join(blocks, ", "), "convoy.dev/override-rollout-blocks")
	}
	patched := rel.DeepCopy()
	patched.Spec.TargetStep = to
	if err := cl.Patch(ctx, patched, client.MergeFrom(rel.Release)); err != nil {
		return fmt.Errorf("advancing release %s: %w", rel.Name, err)
	}
	fmt.Fprintf(o.out, "release %s: target step %s → %s\n", rel.Name, stepName(steps, rel.Spec.TargetStep), stepName(steps, to))
	if !o.wait {
		return nil
	}
	w := &waitOptions{common: o.common, timeout: o.timeout}
	return w.await(ctx, cl, r.Application, patched.Name, goal{step: to, name: stepName(steps, to)})
}
