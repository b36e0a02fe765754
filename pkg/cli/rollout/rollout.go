// Package rollout holds the commands that move a rollout: advance, abort,
// retry, rollback and wait. They change declarative fields only (a
// Release's spec.targetStep and spec.aborted, an Application's template),
// never status, and read status to decide and to wait.
package rollout

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/rolloutblock"
	"github.com/convoy-rollouts/convoy/strategies"
)

// Exit codes of convoy wait (and advance --wait), beyond 0 (reached),
// 1 (failed or aborted) and 2 (usage or configuration error).
const (
	ExitTimeout    = 3
	ExitBlocked    = 4
	ExitSuperseded = 5
)

// NewCommands returns advance, abort, retry, rollback and wait.
func NewCommands(out, errOut io.Writer) []*cobra.Command {
	return []*cobra.Command{newAdvance(out), newAbort(out), newRetry(out), newRollback(out), newWait(out)}
}

// common are the flags and connection every rollout command shares.
type common struct {
	kube            kube.Flags
	globalNamespace string
	out             io.Writer
}

func (c *common) addFlags(cmd *cobra.Command) {
	c.kube.AddTo(cmd.Flags(), false)
	cmd.Flags().StringVar(&c.globalNamespace, "global-block-namespace", rolloutblock.DefaultGlobalNamespace, "namespace whose RolloutBlocks apply everywhere (as the manager's flag)")
	cmd.ValidArgsFunction = kube.CompleteApplications(&c.kube)
}

// load connects and reads the application's rollout.
func (c *common) load(ctx context.Context, app string) (client.WithWatch, *kube.Rollout, error) {
	cl, ns, err := c.kube.Client()
	if err != nil {
		return nil, nil, err
	}
	r, err := kube.LoadRollout(ctx, cl, ns, app)
	return cl, r, err
}

// moving is the release a command moves: the contender, while it is not
// complete.
func moving(r *kube.Rollout) (*kube.Release, error) {
	app := r.Application
	switch {
	case r.Contender == nil:
		return nil, fmt.Errorf("application %s/%s has no release yet", app.Namespace, app.Name)
	case conditions.IsTrue(r.Contender.Status.Conditions, convoyv1alpha1.ConditionComplete):
		return nil, fmt.Errorf("release %s of %s/%s is complete: nothing is rolling out (change the template for a new release, or convoy rollback)",
			r.Contender.Name, app.Namespace, app.Name)
	}
	return r.Contender, nil
}

// activeBlocks names the RolloutBlocks that stop the release.
func (c *common) activeBlocks(ctx context.Context, cl client.Reader, rel *kube.Release) ([]string, error) {
	var blocks []convoyv1alpha1.RolloutBlock
	for _, ns := range []string{rel.Namespace, c.globalNamespace} {
		list := &convoyv1alpha1.RolloutBlockList{}
		if err := cl.List(ctx, list, client.InNamespace(ns)); err != nil {
			return nil, fmt.Errorf("listing the RolloutBlocks of namespace %s: %w", ns, err)
		}
		blocks = append(blocks, list.Items...)
	}
	return rolloutblock.Active(blocks, rel.Namespace, c.globalNamespace, rolloutblock.Overrides(rel.Annotations, rel.Namespace)), nil
}

// parseStep reads a step given as an index (from 0), a step name, or, when
// relative is allowed, next or last.
func parseStep(steps []convoyv1alpha1.StrategyStep, arg string, next int32) (int32, error) {
	last := int32(len(steps) - 1)
	switch arg {
	case "next":
		return min(next, last), nil
	case "last":
		return last, nil
	}
	if n, err := strconv.Atoi(arg); err == nil {
		if n < 0 || int32(n) > last {
			return 0, clierr.Usage("step %d is out of range: the strategy has steps 0 to %d", n, last)
		}
		return int32(n), nil
	}
	var names []string
	for i, s := range steps {
		if strings.EqualFold(s.Name, arg) {
			return int32(i), nil
		}
		names = append(names, fmt.Sprintf("%d %q", i, s.Name))
	}
	// With waves: "WAVE/STEP" by indexes from 0, or a wave alone (its
	// last step).
	if wave, step, ok := strings.Cut(arg, "/"); ok {
		w, err1 := strconv.Atoi(wave)
		st, err2 := strconv.Atoi(step)
		if err1 == nil && err2 == nil {
			if _, span, found := waveSpan(steps, w, ""); found && st >= 0 && int32(st) <= span.Last-span.First {
				return span.First + int32(st), nil
			}
			return 0, clierr.Usage("no step %s: wave %d has no step %d", arg, w, st)
		}
	}
	if _, span, found := waveSpan(steps, -1, arg); found {
		return span.Last, nil
	}
	return 0, clierr.Usage("no step %q: the strategy's steps are %s", arg, strings.Join(names, ", "))
}

// waveSpan finds a wave of a Release's steps by index (from 0) or, with
// index -1, by name.
func waveSpan(steps []convoyv1alpha1.StrategyStep, index int, name string) (int, strategies.Wave, bool) {
	for i, w := range strategies.Spans(steps) {
		if i == index || index < 0 && strings.EqualFold(w.Name, name) {
			return i, w, true
		}
	}
	return 0, strategies.Wave{}, false
}

// stepName is "n/N name", 1-based as the STEP printer column.
func stepName(steps []convoyv1alpha1.StrategyStep, i int32) string {
	return fmt.Sprintf("%d (%d/%d %s)", i, i+1, len(steps), steps[i].Name)
}
