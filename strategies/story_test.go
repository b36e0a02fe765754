package strategies

import (
	"flag"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite the golden story files in testdata/")

// A story plays a rollout through the simulated controllers (world) once
// per seed, so clusters become ready in different orders, and logs every
// decision. The log is compared with testdata/<file>.
type story struct {
	file  string
	about string // the header: what the story shows
	steps []convoyv1alpha1.StrategyStep
	// start: a new release (installing, targets not reported yet) beside an
	// incumbent at full capacity and traffic, or none when !hasIncumbent;
	// or, from 0 on, both releases settled at that step.
	start        int32
	hasIncumbent bool
	walk         []int32 // the target steps set one after another
	// gateWait is how many iterations gated steps wait for their gates.
	gateWait int
	// clusters, when set, replace storyClusters; waves group them.
	clusters []string
	waves    []Wave
	// abort walks back as an aborted release does: its step 0 gives
	// everything to the incumbent.
	abort bool
}

const (
	storyTotal = 4 // replicas at 100%
	newRelease = -1
)

var (
	storySeeds    = []int64{1, 2, 3}
	storyClusters = []string{"eu-west-a", "eu-west-b", "us-east-a"} // two regions
)

var stories = []story{{
	file: "first-release.story",
	about: `A first release: no incumbent, vanguard preset, 3 clusters in 2 regions (eu-west, us-east).
Its target step is 0, but with nothing to protect it goes straight to the last step (full on).
The incumbent's stages are never visited: its columns stay "-".`,
	steps: presetSteps(convoyv1alpha1.PresetVanguard), start: newRelease, walk: []int32{0},
}, {
	file: "vanguard-step-by-step.story",
	about: `A second release walked through the vanguard preset one step at a time: 0 (staging) → 1 (canary) → 2 (full on).
Every step: contender capacity, then contender traffic, then incumbent traffic, then incumbent capacity.`,
	steps: presetSteps(convoyv1alpha1.PresetVanguard), start: newRelease, hasIncumbent: true, walk: []int32{0, 1, 2},
}, {
	file: "jump-to-last.story",
	about: `A jump from step 0 (staging) straight to the last step (full on) of the vanguard preset.
The contender's capacity reaches 100% in every cluster before any weight moves; the incumbent keeps
its capacity until its weight is 0 everywhere.`,
	steps: presetSteps(convoyv1alpha1.PresetVanguard), start: 0, hasIncumbent: true, walk: []int32{2},
}, {
	file: "abort.story",
	about: `An abort: a retreat from step 2 (full on) to step 0 (staging) of the vanguard preset.
Going backward the order reverses: the incumbent's capacity comes back first, then its traffic,
then the contender's traffic leaves, and only then does the contender shrink to one pod.`,
	steps: presetSteps(convoyv1alpha1.PresetVanguard), start: 2, hasIncumbent: true, walk: []int32{0},
}, {
	file: "custom-four-steps.story",
	about: `A custom 4-step strategy walked 0 → 1 → 2 → 3: warm (contender at 100% without traffic), taste (50%
serving weight 10), half (50/50), full on. From warm to taste the contender's capacity falls while
its traffic rises: the weight rises onto the warm capacity first, capacity falls after.`,
	steps: []convoyv1alpha1.StrategyStep{
		step("warm", 100, 100, 0, 100),
		step("taste", 50, 100, 10, 90),
		step("half", 50, 50, 50, 50),
		step("full on", 100, 0, 100, 0),
	},
	start: newRelease, hasIncumbent: true, walk: []int32{0, 1, 2, 3},
}, {
	file: "analysis-gate.story",
	about: `The vanguard preset with gates on step 1 (canary): a 5-minute soak and an error-rate check.
Once the canary's capacity and traffic are achieved in every cluster, the step waits at Analysis
(here for two iterations) and is achieved only when its gates pass. Nothing moves meanwhile, so
the checks measure the step's own traffic. Step 2 has no gates and is achieved as before.`,
	steps: gatedVanguard(),
	start: 0, hasIncumbent: true, walk: []int32{1, 2},
	gateWait: 2,
}, {
	file: "waves.story",
	about: `Three waves over 5 clusters in 3 regions, walked step by step. Wave "canary" (eu-west-a) takes the canary
preset's three steps; wave "eu-us" (eu-west-b, us-east-a, us-east-b) then goes straight to full on, two
clusters at a time (maxConcurrency 2); wave "ap" (ap-south-a) last. While a wave moves, the waves before
it hold their last step and the waves after it hold the incumbent whole (0/4 pods, weights 0/100), so each
cluster keeps its share of the hostname: its weights always add up to 100.`,
	steps: wavedSteps(), clusters: waveClusters, waves: storyWaves(),
	start: newRelease, hasIncumbent: true, walk: []int32{0, 1, 2, 3, 4},
}, {
	file: "waves-abort.story",
	about: `An abort in the middle wave of the waves story: wave "eu-us" (eu-west-b, us-east-a, us-east-b, two at a time)
is at full on, after the canary cluster; wave "ap" has not started. The abort retreats the waves done so
far in reverse order and by the same groups: us-east-b first, then eu-west-b and us-east-a, then the canary
cluster; in each, the incumbent's capacity comes back before any weight leaves the contender, and the next
group starts only once the one before is settled. Wave "ap" never moves.`,
	steps: wavedSteps(), clusters: waveClusters, waves: storyWaves(),
	start: 3, hasIncumbent: true, walk: []int32{0}, abort: true,
}}

var waveClusters = []string{"eu-west-a", "eu-west-b", "us-east-a", "us-east-b", "ap-south-a"}

// wavedSteps are the steps of the waves stories as a Release lists them:
// the canary preset in wave "canary", then full on in the two others.
func wavedSteps() []convoyv1alpha1.StrategyStep {
	var steps []convoyv1alpha1.StrategyStep
	for _, st := range presetSteps(convoyv1alpha1.PresetCanary) {
		st.Name, st.Wave = "canary/"+st.Name, "canary"
		steps = append(steps, st)
	}
	for _, wave := range []string{"eu-us", "ap"} {
		st := step(wave+"/full on", 100, 0, 100, 0)
		st.Wave = wave
		steps = append(steps, st)
	}
	return steps
}

func storyWaves() []Wave {
	return []Wave{
		{Name: "canary", Clusters: waveClusters[:1], First: 0, Last: 2},
		{Name: "eu-us", Clusters: waveClusters[1:4], First: 3, Last: 3, MaxConcurrency: 2},
		{Name: "ap", Clusters: waveClusters[4:], First: 4, Last: 4},
	}
}

// gatedVanguard is the vanguard preset with a soak and a check on its
// canary step.
func gatedVanguard() []convoyv1alpha1.StrategyStep {
	steps := presetSteps(convoyv1alpha1.PresetVanguard)
	steps[1].Pause = &convoyv1alpha1.StepPause{Duration: metav1.Duration{Duration: 5 * time.Minute}}
	steps[1].Analysis = []convoyv1alpha1.AnalysisCheck{{Name: "error-rate", AnalysisCheckSpec: convoyv1alpha1.AnalysisCheckSpec{
		Prometheus: &convoyv1alpha1.PrometheusCheck{Query: `sum(rate(errors{release="{{release}}"}[1m]))`, SuccessCondition: "result[0] < 0.05"},
	}}}
	return steps
}

func presetSteps(p convoyv1alpha1.StrategyPreset) []convoyv1alpha1.StrategyStep {
	steps, err := Steps(convoyv1alpha1.Strategy{Preset: p})
	if err != nil {
		panic(err)
	}
	return steps
}

const storyLegend = `Each line: iteration, the step executed (fwd/back), the stage Plan waits for, the patch it wrote,
then per cluster the pods (Replicas of 4: 1% and 10% are 1, 50% is 2, 90% is 4) and the DNS
weights, contender/incumbent, after the patch; * marks a value not reported ready in that cluster
yet. Each seed shuffles the order in which clusters get ready.`

func TestStories(t *testing.T) {
	for _, s := range stories {
		t.Run(strings.TrimSuffix(s.file, ".story"), func(t *testing.T) {
			var log strings.Builder
			for _, line := range strings.Split(s.about, "\n") {
				fmt.Fprintf(&log, "# %s\n", line)
			}
			fmt.Fprintf(&log, "#\n")
			for _, line := range strings.Split(storyLegend, "\n") {
				fmt.Fprintf(&log, "# %s\n", line)
			}
			var finals []*world
			for _, seed := range storySeeds {
				finals = append(finals, s.play(t, seed, &log))
			}
			for i, w := range finals {
				if w.exact() != finals[0].exact() {
					t.Errorf("seed %d ends in\n  %s\nseed %d in\n  %s", storySeeds[i], w.exact(), storySeeds[0], finals[0].exact())
				}
			}
			fmt.Fprintf(&log, "\n== every seed ends in the same state:\n       %s\n", finals[0].state())
			golden(t, filepath.Join("testdata", s.file), log.String())
		})
	}
}

// play runs the story once and returns the world it ends in.
func (s story) play(t *testing.T, seed int64, log *strings.Builder) *world {
	t.Helper()
	clusters := storyClusters
	if s.clusters != nil {
		clusters = s.clusters
	}
	w := &world{rng: rand.New(rand.NewSource(seed)), steps: s.steps, clusters: clusters, hasIncumbent: s.hasIncumbent, gateWait: s.gateWait, waves: s.waves}
	if s.start == newRelease {
		w.achievedStep = -1
		w.installing = w.shuffled(w.clusters)
		w.specs[contenderCapacity], w.specs[contenderTraffic] = uniform(w.clusters, 0), uniform(w.clusters, 0)
		w.pending[contenderCapacity], w.pending[contenderTraffic] = w.shuffled(w.clusters), w.shuffled(w.clusters)
		if s.hasIncumbent {
			w.specs[incumbentCapacity], w.specs[incumbentTraffic] = uniform(w.clusters, 100), uniform(w.clusters, 100)
		}
	} else {
		w.settle(s.start)
	}
	if s.abort {
		// The release controller's abortedSteps, restated.
		w.steps = slices.Clone(w.steps)
		w.steps[0].Capacity = convoyv1alpha1.CapacitySplit{Incumbent: 100}
		w.steps[0].Traffic = convoyv1alpha1.TrafficSplit{Incumbent: int32(stepTotal(w.steps[0]))}
	}
	fmt.Fprintf(log, "\n== seed %d\nstart  %s\n", seed, w.state())
	iteration := 0
	for _, target := range s.walk {
		from := "a new release"
		if w.achievedStep >= 0 {
			from = fmt.Sprintf("step %d achieved", w.achievedStep)
		}
		fmt.Fprintf(log, "-- targetStep %d (%s), from %s\n", target, s.steps[target].Name, from)
		w.targetStep = target
		final, err := w.runStep(func(in Input, d Decision) error {
			iteration++
			dir := "fwd "
			if d.Backward {
				dir = "back"
			}
			fmt.Fprintf(log, "%3d  step %d %s  %-17s  %-25s  %s\n", iteration, d.Step, dir, d.WaitingFor, describePatch(d.Patch, in), w.state())
			return nil
		})
		if err != nil {
			t.Fatalf("seed %d, target step %d: %v", seed, target, err)
		}
		// Done is the step's values in every cluster, every target ready.
		want := &world{steps: w.steps, clusters: w.clusters, incumbentAt: w.incumbentAt, hasIncumbent: w.hasIncumbent, waves: w.waves}
		want.settle(final.Step)
		if w.exact() != want.exact() {
			t.Fatalf("seed %d: step %d done in\n  %s\nwant\n  %s", seed, final.Step, w.exact(), want.exact())
		}
	}
	return w
}

// exact is the targets' specs and readiness, for comparing worlds.
func (w *world) exact() string {
	return fmt.Sprint(w.specs, w.pending, w.installing)
}

// describePatch is a patch as a person reads it: the new value, and where
// only some clusters change (waves), which.
func describePatch(p *Patch, in Input) string {
	if p == nil {
		return "-"
	}
	unit := ""
	if p.Target.Kind == Capacity {
		unit = "%"
	}
	values := slices.Sorted(maps.Values(p.Values))
	if values[0] == values[len(values)-1] {
		return fmt.Sprintf("%s %s → %d%s", p.Target.Role, p.Target.Kind, values[0], unit)
	}
	var changed []string
	before := in.Targets[p.Target].Values
	for _, c := range slices.Sorted(maps.Keys(p.Values)) {
		if p.Values[c] != before[c] {
			changed = append(changed, c)
		}
	}
	if len(changed) > 0 && !slices.ContainsFunc(changed, func(c string) bool { return p.Values[c] != p.Values[changed[0]] }) {
		return fmt.Sprintf("%s %s → %d%s in %s", p.Target.Role, p.Target.Kind, p.Values[changed[0]], unit, strings.Join(changed, ", "))
	}
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(p.Values)) {
		parts = append(parts, fmt.Sprintf("%s:%d%s", c, p.Values[c], unit))
	}
	return fmt.Sprintf("%s %s → %s", p.Target.Role, p.Target.Kind, strings.Join(parts, " "))
}

// state is every cluster's pods and weights, contender/incumbent, with *
// where a target is not ready yet, and the clusters still installing.
func (w *world) state() string {
	cell := func(s slot, c string, pods bool) string {
		t := slotTargets[s]
		if t.Role == Incumbent && !w.hasIncumbent {
			return "-"
		}
		v := w.specs[s][c]
		if pods {
			v = Replicas(storyTotal, v)
		}
		mark := ""
		if slices.Contains(w.pending[s], c) {
			mark = "*"
		}
		return fmt.Sprint(v, mark)
	}
	var b strings.Builder
	for i, c := range w.clusters {
		if i > 0 {
			b.WriteString("  ")
		}
		fmt.Fprintf(&b, "%s %-7s %-9s", c,
			cell(contenderCapacity, c, true)+"/"+cell(incumbentCapacity, c, true),
			cell(contenderTraffic, c, false)+"/"+cell(incumbentTraffic, c, false))
	}
	if len(w.installing) > 0 {
		fmt.Fprintf(&b, "  installing: %s", strings.Join(slices.Sorted(slices.Values(w.installing)), " "))
	}
	return strings.TrimRight(b.String(), " ")
}

// golden compares got with the file, or rewrites the file with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./strategies/ -update to write it)", err)
	}
	if string(want) != got {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			g, w := "", ""
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from line %d (go test ./strategies/ -update rewrites it):\n got  %s\n want %s", path, i+1, g, w)
			}
		}
	}
}
