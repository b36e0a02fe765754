package rollout

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
	"github.com/convoy-rollouts/convoy/strategies"
)

// progressEvery is the longest convoy wait stays silent: when nothing
// changed for that long it says again what it waits for.
const progressEvery = 5 * time.Second

type waitOptions struct {
	common
	step     string
	wave     string
	complete bool
	timeout  time.Duration
}

func newWait(out io.Writer) *cobra.Command {
	o := &waitOptions{common: common{out: out}}
	cmd := &cobra.Command{
		Use:   "wait APP (--step N|NAME | --wave N|NAME | --complete) [--timeout D]",
		Short: "Wait until the contender achieves a step, or completes",
		Long: `Wait until the application's contender release has achieved the step in every
cluster (with --wave, the wave's last step; with --complete, the release's
last step), printing progress as it goes:
a line whenever what it waits for changes, and again every few seconds while
nothing does. It watches the rollout, so it answers as soon as the
controllers do. It names the release it waits on, and never trusts status
that has not caught up with the spec.

Exit codes:
  0  the step was achieved (or the release completed)
  1  the release failed or was aborted
  2  usage or configuration error
  3  timed out while the rollout was still progressing
  4  blocked: a RolloutBlock stops the application, or the release waits for
     a command (convoy advance) at a step before the one asked for
  5  the release was superseded by a newer one`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	o.addFlags(cmd)
	cmd.Flags().StringVar(&o.step, "step", "", "step to wait for: an index from 0 or a step name")
	cmd.Flags().StringVar(&o.wave, "wave", "", "wave to wait for (its last step): an index from 0 or a wave name")
	cmd.Flags().BoolVar(&o.complete, "complete", false, "wait until the release completes (its last step)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 10*time.Minute, "how long to wait")
	cmd.MarkFlagsOneRequired("step", "wave", "complete")
	cmd.MarkFlagsMutuallyExclusive("step", "wave", "complete")
	return cmd
}

func (o *waitOptions) run(cmd *cobra.Command, app string) error {
	ctx := cmd.Context()
	cl, r, err := o.load(ctx, app)
	if err != nil {
		return err
	}
	// The contender is the one the Application's current spec made: right
	// after kubectl apply its status may still name the previous one.
	if r.Application.Status.ObservedGeneration != r.Application.Generation {
		if err := o.caughtUp(ctx, cl, r.Application); err != nil {
			return err
		}
		if r, err = kube.LoadRollout(ctx, cl, r.Application.Namespace, app); err != nil {
			return err
		}
	}
	if r.Contender == nil {
		return clierr.Exit(1, "application %s/%s has no release to wait for", r.Application.Namespace, app)
	}
	steps := r.Contender.Spec.Environment.Strategy.Steps
	g := goal{complete: o.complete, name: "the last step"}
	switch {
	case o.wave != "":
		index, err := strconv.Atoi(o.wave)
		if err != nil {
			index = -1
		}
		i, w, found := waveSpan(steps, index, o.wave)
		if !found {
			return clierr.Usage("release %s has no wave %q (its waves: %s)", r.Contender.Name, o.wave, waveNames(steps))
		}
		g.step, g.name = w.Last, fmt.Sprintf("%s, the last of wave %d (%s)", stepName(steps, w.Last), i, w.Name)
	case !o.complete:
		if g.step, err = parseStep(steps, o.step, 0); err != nil {
			return err
		}
		g.name = stepName(steps, g.step)
	}
	return o.await(ctx, cl, r.Application, r.Contender.Name, g)
}

// caughtUp follows the application until its status has caught up with its
// spec, or the timeout passes (await then says the status is catching up).
// A failure to read it ends the command, as the first read's would.
func (o *waitOptions) caughtUp(ctx context.Context, cl client.WithWatch, app *convoyv1alpha1.Application) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	for s := range follow(ctx, cl, app.Namespace, app.Name, "") {
		switch {
		case s.err != nil:
			return s.err
		case s.app.Status.ObservedGeneration == s.app.Generation:
			return nil
		}
	}
	return nil
}

// await follows the release until judge concludes, printing a line whenever
// what it waits for changes (and every progressEvery while nothing does),
// and maps the outcome to the exit code.
func (o *waitOptions) await(ctx context.Context, cl client.WithWatch, app *convoyv1alpha1.Application, release string, g goal) error {
	ctx, cancel := context.WithCancel(ctx) // ends the follower with the wait
	defer cancel()
	start := time.Now()
	deadline := time.NewTimer(o.timeout)
	defer deadline.Stop()
	fmt.Fprintf(o.out, "waiting up to %s for release %s of %s/%s to achieve %s\n", o.timeout, release, app.Namespace, app.Name, g.name)
	heartbeat := time.NewTicker(progressEvery)
	defer heartbeat.Stop()
	last := ""
	say := func(msg string) {
		fmt.Fprintf(o.out, "[%s] %s\n", time.Since(start).Round(time.Second), msg)
		last = msg
		heartbeat.Reset(progressEvery)
	}
	snapshots := follow(ctx, cl, app.Namespace, app.Name, release)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return clierr.Exit(ExitTimeout, "timed out after %s waiting for release %s to achieve %s; last seen: %s", o.timeout, release, g.name, last)
		case <-heartbeat.C:
			if last != "" {
				say(last)
			}
		case s, ok := <-snapshots:
			if !ok {
				return ctx.Err()
			}
			verdict, msg := s.judge(g)
			if msg != last {
				say(msg)
			}
			switch verdict {
			case progressing:
			case reached:
				return nil
			default:
				return &clierr.ExitError{Code: verdict.exitCode(), Err: fmt.Errorf("%s", msg)}
			}
		}
	}
}

// waveNames lists a Release's waves, "none" without.
func waveNames(steps []convoyv1alpha1.StrategyStep) string {
	var names []string
	for i, w := range strategies.Spans(steps) {
		names = append(names, fmt.Sprintf("%d %s", i, w.Name))
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
