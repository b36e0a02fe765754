package inspect

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
)

// RolloutView is what convoy get shows of an application's rollout, and
// the document -o json and -o yaml print. It holds no timestamps relative
// to now, so the same rollout always gives the same document and --watch
// can tell a real change from a mere re-read.
type RolloutView struct {
	Namespace   string `json:"namespace"`
	Application string `json:"application"`
	// Phase is the Application's one-word summary, such as Progressing.
	Phase string `json:"phase"`
	// Message is the Application's Ready condition message.
	Message   string       `json:"message,omitempty"`
	Contender *ReleaseView `json:"contender,omitempty"`
	Incumbent *ReleaseView `json:"incumbent,omitempty"`
	// Clusters the contender or the incumbent runs in, by region then name.
	Clusters []ClusterView `json:"clusters"`
}

// ReleaseView is a Release's progress through its strategy.
type ReleaseView struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	// Steps is how many steps the strategy has.
	Steps int32 `json:"steps"`
	// Achieved is the last step achieved in every cluster; nil before the
	// first.
	Achieved *StepView `json:"achievedStep,omitempty"`
	// Executing is the step being worked towards while the release moves;
	// nil at rest.
	Executing *StepView `json:"executingStep,omitempty"`
	// WaitingFor is Installation, Capacity or Traffic while the release
	// moves, and Command while it waits for convoy advance.
	WaitingFor string `json:"waitingFor,omitempty"`
	// WaitingOn is the role whose target the release waits for, contender
	// or incumbent: the incumbent's traffic leaves before its capacity.
	WaitingOn string     `json:"waitingOn,omitempty"`
	Complete  bool       `json:"complete"`
	Aborted   *AbortView `json:"aborted,omitempty"`
	// Message is the Release's Ready condition message.
	Message string `json:"message,omitempty"`
	// Gate is the soak and analysis checks of the step executed last.
	Gate *GateView `json:"gate,omitempty"`
	// Waves are the release's waves, in order, when its strategy has them.
	Waves []WaveView `json:"waves,omitempty"`
}

// WaveView is one wave of a release: its clusters, where it is, and its
// step ("n/N" within the wave).
type WaveView struct {
	Name     string   `json:"name"`
	Clusters []string `json:"clusters"`
	// Phase is Pending, Progressing or Complete.
	Phase string `json:"phase"`
	Step  string `json:"step,omitempty"`
}

// GateView is a step's gate: its soak and its analysis checks.
type GateView struct {
	Step *StepView `json:"step"`
	// Phase is Running, Successful, Failed or Inconclusive.
	Phase   string `json:"phase"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// Checks, one per check and cluster (one for a global check).
	Checks []CheckView `json:"checks,omitempty"`
}

// CheckView is one check in one cluster, with its last measurement.
type CheckView struct {
	Name string `json:"name"`
	// Cluster is empty for a global check.
	Cluster  string `json:"cluster,omitempty"`
	Phase    string `json:"phase"`
	Measured int32  `json:"measured"`
	Failed   int32  `json:"failed"`
	// Last is the last measurement's phase and value.
	LastPhase string `json:"lastPhase,omitempty"`
	LastValue string `json:"lastValue,omitempty"`
}

// StepView locates a strategy step.
type StepView struct {
	// Index counts from 0, as spec.targetStep and convoy advance --to.
	Index int32  `json:"index"`
	Name  string `json:"name"`
	// Progress is "n/N" with n counting from 1, as the STEP columns.
	Progress string `json:"progress"`
}

// Abort states.
const (
	// AbortInEffect: the release is held at step 0.
	AbortInEffect = "Aborted"
	// AbortRequested: spec.aborted is set but the controller has not acted
	// on it yet.
	AbortRequested = "Requested"
	// AbortIgnored: a first release has no incumbent to go back to.
	AbortIgnored = "Ignored"
)

// AbortView is a release sent back by convoy abort.
type AbortView struct {
	// State is Aborted, Requested or Ignored.
	State string `json:"state"`
	// Reason is what convoy abort --reason recorded.
	Reason string `json:"reason,omitempty"`
	// Message is the Aborted condition's message.
	Message string `json:"message,omitempty"`
}

// BuildRolloutView summarises a rollout as read by kube.LoadRollout.
func BuildRolloutView(r *kube.Rollout) RolloutView {
	app := r.Application
	v := RolloutView{
		Namespace:   app.Namespace,
		Application: app.Name,
		Phase:       string(app.Status.Phase),
		Message:     conditionMessage(app.Status.Conditions, convoyv1alpha1.ConditionReady),
		Contender:   releaseView(r.Contender),
		Incumbent:   releaseView(r.Incumbent),
		Clusters:    clusterViews(r),
	}
	if v.Phase == "" {
		v.Phase = string(convoyv1alpha1.PhasePending) // not reconciled yet
	}
	return v
}

func releaseView(rel *kube.Release) *ReleaseView {
	if rel == nil {
		return nil
	}
	steps := rel.Spec.Environment.Strategy.Steps
	st := rel.Status
	v := &ReleaseView{
		Name:     rel.Name,
		Source:   sourceText(rel.Spec.Environment.Source),
		Steps:    int32(len(steps)),
		Complete: meta.IsStatusConditionTrue(st.Conditions, convoyv1alpha1.ConditionComplete),
		Message:  conditionMessage(st.Conditions, convoyv1alpha1.ConditionReady),
		Aborted:  abortView(rel.Release),
	}
	if st.AchievedStep != nil {
		v.Achieved = stepView(steps, st.AchievedStep.Step)
	}
	v.Gate = gateView(steps, st.Gate)
	for _, w := range st.Waves {
		v.Waves = append(v.Waves, WaveView{Name: w.Name, Clusters: w.Clusters, Phase: string(w.Phase), Step: w.Step})
	}
	v.WaitingFor = string(st.WaitingFor)
	if st.WaitingFor != "" && st.WaitingFor != convoyv1alpha1.WaitingForCommand && len(st.Strategy) > 0 {
		// The strategy conditions are all stamped with the step being
		// executed, which is neither spec.targetStep (steps that do not
		// wait are passed through, an abort goes to 0) nor the achieved
		// step. The one in progress (False) names the role waited on.
		v.Executing = stepView(steps, st.Strategy[0].Step)
		for _, c := range st.Strategy {
			if c.Status == metav1.ConditionFalse {
				v.WaitingOn = "contender"
				if c.Type == convoyv1alpha1.IncumbentAchievedTraffic || c.Type == convoyv1alpha1.IncumbentAchievedCapacity {
					v.WaitingOn = "incumbent"
				}
			}
		}
	}
	return v
}

func gateView(steps []convoyv1alpha1.StrategyStep, g *convoyv1alpha1.StepGate) *GateView {
	if g == nil {
		return nil
	}
	v := &GateView{Step: stepView(steps, g.Step), Phase: g.Phase, Reason: g.Reason, Message: g.Message}
	for _, c := range g.Checks {
		cv := CheckView{Name: c.Name, Cluster: c.Cluster, Phase: c.Phase, Measured: c.Measured, Failed: c.Failed}
		if n := len(c.Measurements); n > 0 {
			cv.LastPhase, cv.LastValue = c.Measurements[n-1].Phase, c.Measurements[n-1].Value
		}
		v.Checks = append(v.Checks, cv)
	}
	return v
}

// stepView locates step i; an index the strategy does not have (a status
// written wrong) keeps its number with no name rather than failing.
func stepView(steps []convoyv1alpha1.StrategyStep, i int32) *StepView {
	v := &StepView{Index: i, Progress: fmt.Sprintf("%d/%d", i+1, len(steps))}
	if i >= 0 && int(i) < len(steps) {
		v.Name = steps[i].Name
	}
	return v
}

func abortView(rel *convoyv1alpha1.Release) *AbortView {
	if rel.Spec.Aborted == nil {
		return nil
	}
	v := &AbortView{State: AbortRequested, Reason: rel.Spec.Aborted.Reason}
	// The condition tells whether the controller acted on the abort. A
	// False one left by an earlier retry (reason Retried) says nothing about
	// this abort, so only True, or the first release's NoIncumbent, count.
	if c := meta.FindStatusCondition(rel.Status.Conditions, convoyv1alpha1.ConditionAborted); c != nil {
		switch {
		case c.Status == metav1.ConditionTrue:
			v.State, v.Message = AbortInEffect, c.Message
		case c.Reason == "NoIncumbent":
			v.State, v.Message = AbortIgnored, c.Message
		}
	}
	return v
}

// conditionMessage is the message of the condition of type typ, "" when
// there is none.
func conditionMessage(conds []metav1.Condition, typ string) string {
	if c := meta.FindStatusCondition(conds, typ); c != nil {
		return c.Message
	}
	return ""
}
