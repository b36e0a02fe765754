package inspect

import (
	"fmt"
	"io"
	"strings"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// treeWidth is the width the tree keeps to outside -o wide, cutting long
// health messages: wide enough for three clusters' columns and the start
// of a message, narrow enough for a split terminal.
const treeWidth = 100

// node is a line of the tree with, below it, lines that belong to it
// without branches of their own (the clusters table), then its children.
type node struct {
	text     string
	body     []string
	children []*node
}

func (n *node) add(text string) *node {
	c := &node{text: text}
	n.children = append(n.children, c)
	return c
}

// write prints the node's children under prefix, drawing the branches.
func (n *node) write(b *strings.Builder, prefix string) {
	for i, c := range n.children {
		branch, cont := "├─ ", "│  "
		if i == len(n.children)-1 {
			branch, cont = "└─ ", "   "
		}
		b.WriteString(strings.TrimRight(prefix+branch+c.text, " ") + "\n")
		for _, line := range c.body {
			b.WriteString(strings.TrimRight(prefix+cont+line, " ") + "\n")
		}
		c.write(b, prefix+cont)
	}
}

// clustersIndent is how deep the clusters table sits: under the root's last
// child.
const clustersIndent = 3

// writeTree prints the rollout as convoy get shows it. Wide adds each
// release's source and status message, and health messages in full.
func writeTree(w io.Writer, v RolloutView, wide bool) error {
	root := &node{}
	if v.Phase == string(convoyv1alpha1.PhaseBlocked) || v.Phase == string(convoyv1alpha1.PhaseFailed) {
		// Only these phases need the Application's word on why; the
		// releases below explain the others.
		root.add(v.Message)
	}
	releaseNode(root, "contender", v.Contender, wide)
	releaseNode(root, "incumbent", v.Incumbent, wide)

	clusters := root.add("clusters")
	if len(v.Clusters) == 0 {
		clusters.text += "  none yet"
	} else {
		clusters.text += "  (replicas available/desired; DNS weight desired/published, contender · incumbent)"
		var buf strings.Builder
		maxWidth := treeWidth - clustersIndent
		if wide {
			maxWidth = 0
		}
		if err := clusterTable(v.Clusters, wide).write(&buf, "", maxWidth); err != nil {
			return err
		}
		clusters.body = strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Application %s (namespace %s)   phase %s\n", v.Application, v.Namespace, v.Phase)
	root.write(&b, "")
	_, err := io.WriteString(w, b.String())
	return err
}

func releaseNode(root *node, role string, r *ReleaseView, wide bool) {
	if r == nil {
		if role == "contender" {
			root.add("contender none yet")
		} else {
			root.add("incumbent none")
		}
		return
	}
	n := root.add(strings.Join(nonEmpty(role+" "+r.Name, stepText(r), stateText(r)), "  "))
	if a := r.Aborted; a != nil {
		n.add(abortText(a))
	}
	for i, w := range r.Waves {
		n.add(waveText(i, w))
	}
	if g := r.Gate; g != nil {
		gate := n.add(gateText(g))
		for _, c := range g.Checks {
			gate.add(checkText(c))
		}
	}
	if wide {
		n.add("source: " + r.Source)
		if r.Message != "" {
			n.add("status: " + r.Message)
		}
	}
}

// stepText is the achieved step, 1-based as the STEP columns, and the step
// being worked towards when the release moves: "step 1/3 canary → 2/3 half".
func stepText(r *ReleaseView) string {
	text := fmt.Sprintf("step 0/%d", r.Steps)
	if a := r.Achieved; a != nil {
		text = "step " + stepLabel(a)
	}
	if e := r.Executing; e != nil && (r.Achieved == nil || e.Index != r.Achieved.Index) {
		text += " → " + stepLabel(e)
	}
	return text
}

// stepLabel is "n/N name", as the STEP column of convoy list.
func stepLabel(s *StepView) string {
	return strings.TrimSpace(s.Progress + " " + s.Name)
}

func stateText(r *ReleaseView) string {
	switch {
	case r.WaitingFor == string(convoyv1alpha1.WaitingForCommand):
		return "waiting for convoy advance"
	case r.WaitingFor != "" && r.WaitingOn == "incumbent":
		return "waiting for " + r.WaitingFor + " (incumbent)"
	case r.WaitingFor != "":
		return "waiting for " + r.WaitingFor
	case r.Complete:
		return "complete"
	}
	return ""
}

// waveText is one wave: "wave 1 eu-west  Progressing  step 1/3  eu-west-2, eu-west-3".
func waveText(i int, w WaveView) string {
	return strings.Join(nonEmpty(fmt.Sprintf("wave %d %s", i, w.Name), w.Phase, stepOf(w.Step), strings.Join(w.Clusters, ", ")), "  ")
}

func stepOf(progress string) string {
	if progress == "" {
		return ""
	}
	return "step " + progress
}

// gateText is a step's gate: "gate of step 2/3 canary: Running: waiting for ...".
func gateText(g *GateView) string {
	text := fmt.Sprintf("gate of step %s: %s", stepLabel(g.Step), g.Phase)
	if g.Reason != "" {
		text += " (" + g.Reason + ")"
	}
	if g.Message != "" {
		text += ": " + g.Message
	}
	return text
}

// checkText is one check in one cluster: "check error-rate  eu-west-1
// Running  2 measured, 0 failed  last Successful [0.012]".
func checkText(c CheckView) string {
	where := c.Cluster
	if where == "" {
		where = "global"
	}
	text := fmt.Sprintf("check %s  %s  %s  %d measured, %d failed", c.Name, where, c.Phase, c.Measured, c.Failed)
	if c.LastPhase != "" {
		text += "  last " + strings.TrimSpace(c.LastPhase+" "+c.LastValue)
	}
	return text
}

func abortText(a *AbortView) string {
	reason := a.Reason
	if reason == "" {
		reason = "no reason given"
	}
	switch a.State {
	case AbortInEffect:
		return "ABORTED: " + reason + " (convoy retry resumes the rollout)"
	case AbortIgnored:
		return "ABORT IGNORED: " + reason + " (a first release has no incumbent to go back to)"
	}
	return "ABORT REQUESTED: " + reason + " (not acted on yet)"
}

// clusterTable is the clusters table of the tree.
func clusterTable(clusters []ClusterView, wide bool) *table {
	t := newTable("REGION", "CLUSTER", "CONTENDER", "INCUMBENT", "WEIGHT", "HEALTH")
	for _, c := range clusters {
		t.row(c.Region, c.Name, replicasText(c.Contender), replicasText(c.Incumbent),
			weightText(c.Contender)+" · "+weightText(c.Incumbent), healthText(c.Health, wide))
	}
	return t
}

func replicasText(c *ClusterReleaseView) string {
	if c == nil {
		return none
	}
	return fmt.Sprintf("%d/%d", c.Replicas.Available, c.Replicas.Desired)
}

func weightText(c *ClusterReleaseView) string {
	if c == nil || c.Weight == nil {
		return none
	}
	return fmt.Sprintf("%d/%d", c.Weight.Desired, c.Weight.Published)
}

// healthText is the reason and message; wide also names the target that is
// not ready.
func healthText(h HealthView, wide bool) string {
	if h.Ready {
		return h.Reason
	}
	text := h.Reason
	if wide && h.Target != "" {
		text += " (" + h.Target + ")"
	}
	if h.Message != "" {
		text += ": " + h.Message
	}
	return text
}

func nonEmpty(parts ...string) []string {
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
