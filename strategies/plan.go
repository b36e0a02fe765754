package strategies

import (
	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Role is a release's part in a rollout.
type Role string

const (
	// Contender is the newest release, being rolled out.
	Contender Role = "contender"
	// Incumbent is the newest completed release before it.
	Incumbent Role = "incumbent"
	// Superseded is any other release that still holds capacity or
	// traffic: one a newer release superseded before it completed, or an
	// older one not retired yet. The contender's step drives it to zero.
	Superseded Role = "superseded"
)

// Kind is what a target controls.
type Kind string

const (
	// Capacity targets hold a percent of the full replica count per cluster.
	Capacity Kind = "capacity"
	// Traffic targets hold a DNS weight per cluster.
	Traffic Kind = "traffic"
)

// Target is one of the four targets a step drives: the contender's and the
// incumbent's capacity and traffic.
type Target struct {
	Role Role
	Kind Kind
}

// Stage is a stage of executing a step. Going forward they run in the
// order InstallationStage, ContenderCapacity, ContenderTraffic,
// IncumbentTraffic, IncumbentCapacity; going backward (a retreat or an
// abort) the four target stages run in reverse: capacity rises before
// traffic, and traffic falls before capacity. That is the order for every
// strategy whose contender only grows going forward; for others Plan keeps
// the rule itself and may visit a stage twice (see the package doc).
type Stage string

const (
	StageInstallation      Stage = "Installation"
	StageContenderCapacity Stage = "ContenderCapacity"
	StageContenderTraffic  Stage = "ContenderTraffic"
	StageIncumbentTraffic  Stage = "IncumbentTraffic"
	StageIncumbentCapacity Stage = "IncumbentCapacity"
	// StageSupersededTraffic and StageSupersededCapacity: a superseded
	// release (Decision.Release names it) giving up its traffic, then its
	// capacity.
	StageSupersededTraffic  Stage = "SupersededTraffic"
	StageSupersededCapacity Stage = "SupersededCapacity"
	// StageAnalysis: every target of the step is achieved; its gates (a
	// soak, analysis checks) have not passed yet.
	StageAnalysis Stage = "Analysis"
	// StageDone: every stage of the step is achieved.
	StageDone Stage = "Done"
)

// Observed is what the executor saw of one target.
type Observed struct {
	// Values are the target's spec now: percent (capacity) or weight
	// (traffic), per cluster. A cluster missing from the map counts as 0.
	Values map[string]int32
	// Achieved reports that the target's status is current (its
	// observedGeneration equals its generation) and Ready in every cluster.
	// Stale status never counts.
	Achieved bool
}

// Input is everything Plan needs: no I/O happens in this package.
type Input struct {
	// Steps of the contender's strategy, presets already expanded.
	Steps []convoyv1alpha1.StrategyStep
	// TargetStep is the contender's spec.targetStep.
	TargetStep int32
	// AchievedStep is the contender's last achieved step, -1 for none.
	AchievedStep int32
	// Clusters the releases run in: the contender's clusters, and the
	// incumbent's too unless IncumbentClusters lists them.
	Clusters []string
	// IncumbentClusters are the clusters the incumbent runs in when they
	// differ from the contender's (its Application's cluster requirements
	// changed); empty means the same as Clusters. Each release's targets are
	// compared and patched over its own clusters.
	IncumbentClusters []string
	// Installed reports that the contender's objects are installed in
	// every cluster (its InstallationTarget is Ready and current).
	Installed bool
	// GatePassed reports that the gates of the step Plan executes (its
	// soak and analysis checks) passed. They are judged only once the
	// step's targets are achieved, so that checks measure the step's
	// traffic; Plan waits at StageAnalysis until they pass. A first release
	// and a retreat have no gates.
	GatePassed bool
	// Waves are the groups of Clusters that take the steps one after the
	// other, in order; empty for a strategy without waves (every cluster
	// takes every step). See Wave.
	Waves []Wave
	// HasIncumbent is false for an application's first release.
	HasIncumbent bool
	// Targets are the observed targets; the incumbent's are ignored
	// without an incumbent.
	Targets map[Target]Observed
	// Superseded are the releases other than the contender and the
	// incumbent whose targets exist, oldest first. They keep their
	// capacity and weight until the contender and the incumbent hold the
	// step's capacity and weight; then their traffic leaves, before any
	// other release's weight falls, and then their capacity (invariant I3).
	Superseded []SupersededRelease
}

// SupersededRelease is a superseded release's targets as observed.
type SupersededRelease struct {
	Name     string
	Clusters []string
	Capacity Observed
	Traffic  Observed
}

// Patch is a target spec to write: Values per cluster, for every cluster
// of the target's release.
type Patch struct {
	Target Target
	// Release names the release for Role Superseded; empty otherwise.
	Release string
	Values  map[string]int32
}

// Decision is what to do next.
type Decision struct {
	// Step is the index of the step being executed.
	Step int32
	// Backward is true for a retreat: the step is before the achieved one.
	Backward bool
	// WaitingFor is the first stage not achieved yet, StageDone when the
	// step is achieved in every cluster.
	WaitingFor Stage
	// Patch is the one target spec to write now, nil when nothing needs
	// writing (the executor then waits for WaitingFor to be achieved).
	// Only one target moves at a time, in the stage order, so capacity
	// always leads traffic up and trails it down.
	Patch *Patch
	// Uncovered marks a Patch that gives a release more share of the
	// traffic than its capacity covers, breaking I1 to keep moving: only
	// from weights edited by hand, never in a rollout of a valid strategy.
	Uncovered bool
	// Release names the superseded release WaitingFor is about, for the
	// superseded stages; empty otherwise.
	Release string
	// Moving are the clusters this decision moves when waves hold the
	// others back (a wave's clusters, or maxConcurrency of them); nil
	// when every cluster moves.
	Moving []string
	// Achieved lists the stages of Step already achieved, in order. The
	// superseded stages are not listed: they belong to no step.
	Achieved []Stage
}
