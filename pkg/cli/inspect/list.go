package inspect

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// ListView is what convoy list prints: the applications, by namespace then
// name.
type ListView struct {
	Applications []ApplicationSummary `json:"applications"`
}

// ApplicationSummary is one application of convoy list.
type ApplicationSummary struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Contender string `json:"contender,omitempty"`
	Incumbent string `json:"incumbent,omitempty"`
	// Step is the contender's achieved step.
	Step  *StepView `json:"step,omitempty"`
	Phase string    `json:"phase"`
	// Message is the Application's Ready condition message.
	Message string      `json:"message,omitempty"`
	Created metav1.Time `json:"created"`
}

func newList(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [-A] [-o table|wide|json|yaml]",
		Short: "List applications with their contender, step and phase",
		Long: `List the applications of the namespace, or of every namespace with -A, with
the contender release, the step it achieved (n/N, counting from 1) and the
rollout's phase. -o wide adds the incumbent and the application's status.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.checkOutput(cmd); err != nil {
				return err
			}
			return o.runList(cmd.Context())
		},
	}
	o.addFlags(cmd, true, formatTable, formatWide, formatJSON, formatYAML)
	return cmd
}

func (o *options) runList(ctx context.Context) error {
	c, ns, err := o.connect()
	if err != nil {
		return err
	}
	where := "namespace " + ns
	if ns == "" {
		where = "any namespace"
	}
	apps := &convoyv1alpha1.ApplicationList{}
	if err := c.List(ctx, apps, client.InNamespace(ns)); err != nil {
		return fmt.Errorf("listing the applications of %s: %w", where, err)
	}
	v := BuildListView(apps.Items)
	switch o.output {
	case formatJSON, formatYAML:
		return writeDocument(o.out, o.output, v)
	}
	if len(v.Applications) == 0 {
		// As kubectl: an empty table would only be a header.
		_, err := fmt.Fprintf(o.errOut, "No applications found in %s.\n", where)
		return err
	}
	return writeList(o.out, v, ns == "", o.output == formatWide, o.now())
}

// BuildListView summarises applications, by namespace then name.
func BuildListView(apps []convoyv1alpha1.Application) ListView {
	v := ListView{Applications: make([]ApplicationSummary, 0, len(apps))}
	for i := range apps {
		a := &apps[i]
		s := ApplicationSummary{
			Namespace: a.Namespace,
			Name:      a.Name,
			Contender: a.Status.Contender,
			Incumbent: a.Status.Incumbent,
			Phase:     string(a.Status.Phase),
			Message:   conditionMessage(a.Status.Conditions, convoyv1alpha1.ConditionReady),
			Created:   a.CreationTimestamp,
		}
		if st := a.Status.Step; st != nil {
			s.Step = &StepView{Index: st.Index, Name: st.Name, Progress: st.Progress}
			if s.Step.Progress == "" {
				s.Step.Progress = fmt.Sprintf("%d/%d", st.Index+1, st.Count)
			}
		}
		if s.Phase == "" {
			s.Phase = string(convoyv1alpha1.PhasePending)
		}
		v.Applications = append(v.Applications, s)
	}
	slices.SortFunc(v.Applications, func(a, b ApplicationSummary) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return v
}

// writeList prints the applications as a table: NAMESPACE only across
// namespaces, INCUMBENT and MESSAGE only wide.
func writeList(w io.Writer, v ListView, allNamespaces, wide bool, now time.Time) error {
	var header []string
	if allNamespaces {
		header = append(header, "NAMESPACE")
	}
	header = append(header, "NAME", "CONTENDER")
	if wide {
		header = append(header, "INCUMBENT")
	}
	header = append(header, "STEP", "PHASE", "AGE")
	if wide {
		header = append(header, "MESSAGE")
	}
	t := newTable(header...)
	for _, a := range v.Applications {
		var cells []string
		if allNamespaces {
			cells = append(cells, a.Namespace)
		}
		cells = append(cells, a.Name, a.Contender)
		if wide {
			cells = append(cells, a.Incumbent)
		}
		step := ""
		if a.Step != nil {
			step = stepLabel(a.Step)
		}
		cells = append(cells, step, a.Phase, age(a.Created.Time, now))
		if wide {
			cells = append(cells, a.Message)
		}
		t.row(cells...)
	}
	return t.write(w, "", 0)
}
