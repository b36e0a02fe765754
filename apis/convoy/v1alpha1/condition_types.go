package v1alpha1

// Condition types shared by every kind, following kstatus: Ready summarises;
// Reconciling and Stalled are present only while true.
const (
	ConditionReady       = "Ready"
	ConditionReconciling = "Reconciling"
	ConditionStalled     = "Stalled"
)

// Domain condition types.
const (
	// ConditionBlocked is true while a RolloutBlock stops the object.
	ConditionBlocked = "Blocked"
	// ConditionRollingOut is true on an Application while a contender moves.
	ConditionRollingOut = "RollingOut"
	// ConditionScheduled is true on a Release once its clusters are chosen.
	ConditionScheduled = "Scheduled"
	// ConditionComplete is true on a Release that achieved its last step.
	ConditionComplete = "Complete"
	// ConditionSuperseded is true on a Release with a newer sibling: it is
	// retired and follows its successor.
	ConditionSuperseded = "Superseded"
	// ConditionAborted is true on a Release sent back by convoy abort.
	ConditionAborted = "Aborted"
	// ConditionReachable is true on a Cluster convoy can talk to.
	ConditionReachable = "Reachable"
)

// Strategy condition types, stamped with the step they belong to.
const (
	ContenderAchievedInstallation = "ContenderAchievedInstallation"
	ContenderAchievedCapacity     = "ContenderAchievedCapacity"
	ContenderAchievedTraffic      = "ContenderAchievedTraffic"
	IncumbentAchievedCapacity     = "IncumbentAchievedCapacity"
	IncumbentAchievedTraffic      = "IncumbentAchievedTraffic"
)
