package release

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/analysis"
	"github.com/convoy-rollouts/convoy/pkg/conditions"
	"github.com/convoy-rollouts/convoy/pkg/egress"
	"github.com/convoy-rollouts/convoy/pkg/notify"
	"github.com/convoy-rollouts/convoy/pkg/rolloutmetrics"
)

// DefaultNotifier is the Notifier an Application without notifierRef
// uses, when its namespace has one by that name.
const DefaultNotifier = "default"

// ReasonNotificationFailed is the Warning event of a notification that was
// not delivered.
const ReasonNotificationFailed = "NotificationFailed"

// Notifications sends the events of releases to their Application's
// Notifier, in the background (notify.Dispatcher): a failure is an event
// on the Release and a count, never a wait.
type Notifications struct {
	// Reader reads Applications and Notifiers (the cache); APIReader the
	// Notifier's Secret (uncached: the manager watches no Secret).
	Reader, APIReader client.Reader
	// Allow are the URL prefixes notifications may be posted to
	// (--notification-allow); none when empty.
	Allow    []string
	Recorder events.EventRecorder
	// Sender posts; the notify package's defaults when nil.
	Sender *notify.Sender

	dispatcher *notify.Dispatcher
}

// Start runs the delivery workers until ctx ends (a manager Runnable).
func (n *Notifications) Start(ctx context.Context) error { return n.dispatch().Start(ctx) }

func (n *Notifications) dispatch() *notify.Dispatcher {
	if n.dispatcher == nil {
		sender := n.Sender
		if sender == nil {
			sender = &notify.Sender{}
		}
		n.dispatcher = &notify.Dispatcher{Sender: sender, Resolve: n.resolve, Done: n.done}
	}
	return n.dispatcher
}

// Tell queues the events a status write made (releaseEvents).
func (n *Notifications) Tell(events []notify.Event) {
	if n == nil {
		return
	}
	for _, ev := range events {
		n.dispatch().Notify(ev)
	}
}

// releaseEvents are the transitions from before to after worth telling:
// the one place that decides them, for the Kubernetes events, metrics and
// logs as for the notifications.
func releaseEvents(before, after *convoyv1alpha1.Release) []notify.Event {
	ev := func(typ string, step int32, message string) notify.Event {
		e := notify.Event{Type: typ, Namespace: after.Namespace, Application: after.Labels[convoyv1alpha1.LabelApplication],
			Release: after.Name, Step: step, Message: message, Time: time.Now().UTC(), Subject: after}
		if steps := after.Spec.Environment.Strategy.Steps; step >= 0 && int(step) < len(steps) {
			e.StepName = steps[step].Name
		}
		return e
	}
	became := func(typ string) bool {
		return conditions.IsTrue(after.Status.Conditions, typ) && !conditions.IsTrue(before.Status.Conditions, typ)
	}
	message := func(typ string) string {
		if c := meta.FindStatusCondition(after.Status.Conditions, typ); c != nil {
			return c.Message
		}
		return ""
	}
	var out []notify.Event
	if a := after.Status.AchievedStep; a != nil && (before.Status.AchievedStep == nil || before.Status.AchievedStep.Step != a.Step) {
		out = append(out, ev(notify.StepAchieved, a.Step, fmt.Sprintf("step %d (%s) achieved in every cluster", a.Step, a.Name)))
	}
	if after.Status.WaitingFor == convoyv1alpha1.WaitingForCommand && before.Status.WaitingFor != convoyv1alpha1.WaitingForCommand && after.Status.AchievedStep != nil {
		out = append(out, ev(notify.WaitingForCommand, after.Status.AchievedStep.Step, message(convoyv1alpha1.ConditionReady)))
	}
	if g := after.Status.Gate; g != nil && g.Phase == string(analysis.PhaseFailed) && (before.Status.Gate == nil || before.Status.Gate.Phase != g.Phase || before.Status.Gate.Step != g.Step) {
		out = append(out, ev(notify.AnalysisFailed, g.Step, g.Message))
	}
	if became(convoyv1alpha1.ConditionAborted) {
		out = append(out, ev(notify.Aborted, after.Spec.TargetStep, message(convoyv1alpha1.ConditionAborted)))
	}
	if became(convoyv1alpha1.ConditionComplete) {
		out = append(out, ev(notify.Complete, int32(len(after.Spec.Environment.Strategy.Steps)-1), message(convoyv1alpha1.ConditionComplete)))
	}
	if became(convoyv1alpha1.ConditionStalled) && !conditions.IsTrue(after.Status.Conditions, convoyv1alpha1.ConditionAborted) {
		out = append(out, ev(notify.Stalled, after.Spec.TargetStep, message(convoyv1alpha1.ConditionStalled)))
	}
	return out
}

// resolve finds where an event goes: the Application's Notifier (or the
// namespace's default one) and the URL in its Secret, from the
// Application's namespace only, under the prefixes the platform allows.
func (n *Notifications) resolve(ctx context.Context, ev notify.Event) (notify.Target, bool, error) {
	app := &convoyv1alpha1.Application{}
	if err := n.Reader.Get(ctx, client.ObjectKey{Namespace: ev.Namespace, Name: ev.Application}, app); err != nil {
		return notify.Target{}, false, client.IgnoreNotFound(err)
	}
	name, named := DefaultNotifier, app.Spec.NotifierRef != nil
	if named {
		name = app.Spec.NotifierRef.Name
	}
	notifier := &convoyv1alpha1.Notifier{}
	if err := n.Reader.Get(ctx, client.ObjectKey{Namespace: ev.Namespace, Name: name}, notifier); err != nil {
		if apierrors.IsNotFound(err) && !named {
			return notify.Target{}, false, nil // no default notifier: nothing to tell
		}
		return notify.Target{}, false, fmt.Errorf("spec.notifierRef: Notifier %s/%s: %w", ev.Namespace, name, err)
	}
	if len(notifier.Spec.Events) > 0 && !slices.Contains(notifier.Spec.Events, ev.Type) {
		return notify.Target{}, false, nil
	}
	ref := notifier.Spec.URLSecretRef
	key := ref.Key
	if key == "" {
		key = "url"
	}
	secret := &corev1.Secret{}
	if err := n.APIReader.Get(ctx, client.ObjectKey{Namespace: ev.Namespace, Name: ref.Name}, secret); err != nil {
		return notify.Target{}, false, fmt.Errorf("Notifier %s: urlSecretRef: Secret %s/%s: %w", name, ev.Namespace, ref.Name, err)
	}
	url := strings.TrimSpace(string(secret.Data[key]))
	switch {
	case url == "":
		return notify.Target{}, false, fmt.Errorf("Notifier %s: urlSecretRef: Secret %s/%s has no key %q", name, ev.Namespace, ref.Name, key)
	case !egress.Allowed(url, n.Allow):
		return notify.Target{}, false, fmt.Errorf("Notifier %s: its URL is not under a prefix the platform allows (the manager's --notification-allow: %s)",
			name, strings.Join(n.Allow, ", "))
	}
	return notify.Target{URL: url, Format: notifier.Spec.Format}, true, nil
}

// done records an outcome: a count always, a Warning event on the Release
// for a failure.
func (n *Notifications) done(ev notify.Event, attempts int, err error) {
	result := "delivered"
	switch {
	case errors.Is(err, notify.ErrDropped):
		result = "dropped"
	case err != nil:
		result = "failed"
	}
	rolloutmetrics.CountNotification(ev.Namespace, ev.Application, result)
	rel, ok := ev.Subject.(*convoyv1alpha1.Release)
	if err == nil || !ok || n.Recorder == nil {
		return
	}
	n.Recorder.Eventf(rel, nil, corev1.EventTypeWarning, ReasonNotificationFailed, "Notify",
		"%s notification not delivered (%d attempts): %v", ev.Type, attempts, err)
}
