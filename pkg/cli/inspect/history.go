package inspect

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
)

// HistoryView is what convoy history prints: an application's releases,
// oldest first.
type HistoryView struct {
	Namespace   string         `json:"namespace"`
	Application string         `json:"application"`
	Releases    []HistoryEntry `json:"releases"`
}

// HistoryEntry is one release of convoy history.
type HistoryEntry struct {
	Name string `json:"name"`
	// Role is contender or incumbent; empty for a retired release.
	Role   string `json:"role,omitempty"`
	Source string `json:"source"`
	// Steps is how many steps the release's strategy has.
	Steps    int32      `json:"steps"`
	Achieved *StepView  `json:"achievedStep,omitempty"`
	Aborted  *AbortView `json:"aborted,omitempty"`
	// Completed is when the release achieved its last step.
	Completed *metav1.Time `json:"completed,omitempty"`
	Created   metav1.Time  `json:"created"`
}

func newHistory(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history APP [-o table|json|yaml]",
		Short: "List an application's releases, oldest first",
		Long: `List the releases of an application, oldest first: each one's role
(contender, incumbent, or none for a retired release), what it rolls out,
the step it achieved (n/N, counting from 1) and when it completed.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: kube.CompleteApplications(&o.kube),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.checkOutput(cmd); err != nil {
				return err
			}
			return o.runHistory(cmd.Context(), args[0])
		},
	}
	o.addFlags(cmd, false, formatTable, formatJSON, formatYAML)
	return cmd
}

func (o *options) runHistory(ctx context.Context, app string) error {
	c, ns, err := o.connect()
	if err != nil {
		return err
	}
	r, err := kube.LoadRollout(ctx, c, ns, app)
	if err != nil {
		return err
	}
	v := BuildHistoryView(r)
	if o.output == formatTable {
		return writeHistory(o.out, v, o.now())
	}
	return writeDocument(o.out, o.output, v)
}

// BuildHistoryView lists a rollout's releases, oldest first.
func BuildHistoryView(r *kube.Rollout) HistoryView {
	v := HistoryView{
		Namespace:   r.Application.Namespace,
		Application: r.Application.Name,
		Releases:    make([]HistoryEntry, 0, len(r.Releases)),
	}
	for _, rel := range r.Releases {
		steps := rel.Spec.Environment.Strategy.Steps
		e := HistoryEntry{
			Name:    rel.Name,
			Source:  sourceText(rel.Spec.Environment.Source),
			Steps:   int32(len(steps)),
			Aborted: abortView(rel.Release),
			Created: rel.CreationTimestamp,
		}
		switch rel {
		case r.Contender:
			e.Role = "contender"
		case r.Incumbent:
			e.Role = "incumbent"
		}
		if a := rel.Status.AchievedStep; a != nil {
			e.Achieved = stepView(steps, a.Step)
		}
		if c := meta.FindStatusCondition(rel.Status.Conditions, convoyv1alpha1.ConditionComplete); c != nil && c.Status == metav1.ConditionTrue {
			e.Completed = c.LastTransitionTime.DeepCopy()
		}
		v.Releases = append(v.Releases, e)
	}
	return v
}

// writeHistory prints the releases as a table. COMPLETED is a UTC time
// rather than an age: it is compared across releases and with deploy logs.
func writeHistory(w io.Writer, v HistoryView, now time.Time) error {
	t := newTable("NAME", "ROLE", "SOURCE", "ACHIEVED", "COMPLETED", "AGE")
	for _, e := range v.Releases {
		achieved := none
		if e.Achieved != nil {
			achieved = stepLabel(e.Achieved)
		}
		if e.Aborted != nil && e.Aborted.State == AbortInEffect {
			achieved += " (aborted)"
		}
		completed := ""
		if e.Completed != nil {
			completed = e.Completed.UTC().Format(time.RFC3339)
		}
		t.row(e.Name, e.Role, e.Source, achieved, completed, age(e.Created.Time, now))
	}
	return t.write(w, "", 0)
}
