package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/controller/release"
	"github.com/convoy-rollouts/convoy/pkg/notify"
)

// inbox is the notification receiver of the suite, a real HTTP server on
// loopback: /<test>/ records each POST's body and answers the status the
// test set (200 unless set). The suite's manager may post to it
// (NotificationAllow).
var inbox = &receiver{status: map[string]int{}, bodies: map[string][]string{}}

type receiver struct {
	url    string
	mu     sync.Mutex
	status map[string]int
	bodies map[string][]string
}

func (r *receiver) start() (err error) {
	r.url, err = serveLoopback(r)
	return err
}

// serveLoopback serves h on a free loopback port for the suite's life and
// returns its URL, ending in "/".
func serveLoopback(h http.Handler) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = http.Serve(l, h) }()
	return "http://" + l.Addr().String() + "/", nil
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	path := strings.Trim(req.URL.Path, "/")
	r.mu.Lock()
	r.bodies[path] = append(r.bodies[path], string(b))
	code, ok := r.status[path]
	r.mu.Unlock()
	if !ok {
		code = http.StatusOK
	}
	w.WriteHeader(code)
}

func (r *receiver) got(path string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies[path]...)
}

// notifier makes a Secret holding url and a Notifier named name using it.
func notifier(t *testing.T, mgmt client.Client, ns, name, url, format string, types ...string) {
	t.Helper()
	c := ctxFor(t)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-url"}, StringData: map[string]string{"url": url}}
	if err := mgmt.Create(c, secret); err != nil {
		t.Fatal(err)
	}
	n := &convoyv1alpha1.Notifier{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: convoyv1alpha1.NotifierSpec{URLSecretRef: convoyv1alpha1.SecretKeyReference{Name: secret.Name}, Format: format, Events: types}}
	if err := mgmt.Create(c, n); err != nil {
		t.Fatal(err)
	}
}

// A rollout tells the namespace's default Notifier each step achieved, each
// wait for a command and the completion, as JSON to a real receiver; a
// Notifier in Slack format gets the completion as a Slack message; a
// receiver that fails, and a URL the platform does not allow, are Warning
// events on the Release, and the rollout completes regardless.
func TestNotificationsOfARollout(t *testing.T) {
	_, _, mgmt, ns := begin(t)
	repo := helloRepo(t)
	path := strings.ToLower(t.Name())
	notifier(t, mgmt, ns, release.DefaultNotifier, inbox.url+path, "")
	notifier(t, mgmt, ns, "slack", inbox.url+path+"-slack", notify.FormatSlack, notify.Complete)

	app := helloApplication(ns, "told", repo.URL, "", nil)
	app.Spec.Template.Strategy = convoyv1alpha1.Strategy{Steps: []convoyv1alpha1.StrategyStep{step("half", 50, 100, 50, 50), step("full on", 100, 0, 100, 0)}}
	first, _ := completeFirstRelease(t, mgmt, app)
	setValues(t, mgmt, app, `{"greeting":"v2"}`)
	second := waitForReleases(t, mgmt, app, 2)[1]
	waitAchieved(t, mgmt, &second, 0)
	setTargetStep(t, mgmt, &second, 1)
	waitComplete(t, mgmt, &second)

	var seen []string
	eventually(t, 30*time.Second, func() error {
		seen = nil
		for _, b := range inbox.got(path) {
			var ev notify.Event
			if err := json.Unmarshal([]byte(b), &ev); err != nil {
				return fmt.Errorf("body %s: %v", b, err)
			}
			if ev.Namespace != ns || ev.Application != "told" {
				return fmt.Errorf("event %+v of another application", ev)
			}
			seen = append(seen, fmt.Sprintf("%s %s %d", ev.Release, ev.Type, ev.Step))
		}
		want := []string{
			first.Name + " StepAchieved 1", first.Name + " Complete 1",
			second.Name + " StepAchieved 0", second.Name + " WaitingForCommand 0", second.Name + " StepAchieved 1", second.Name + " Complete 1",
		}
		if strings.Join(seen, "; ") != strings.Join(want, "; ") {
			return fmt.Errorf("notifications %v, want %v", seen, want)
		}
		return nil
	})
	t.Logf("notified: %s", strings.Join(seen, "; "))
	eventually(t, 30*time.Second, func() error {
		if got := inbox.got(path + "-slack"); len(got) != 0 {
			return fmt.Errorf("the Slack notifier got %v before any application named it", got)
		}
		return nil
	})

	// An application naming the Slack notifier: its completion as a Slack
	// message, and nothing else (the notifier wants Complete only).
	slacked := helloApplication(ns, "slacked", repo.URL, "", nil)
	slacked.Spec.NotifierRef = &convoyv1alpha1.LocalObjectReference{Name: "slack"}
	rel, _ := completeFirstRelease(t, mgmt, slacked)
	eventually(t, 30*time.Second, func() error {
		got := inbox.got(path + "-slack")
		if len(got) != 1 || !strings.Contains(got[0], `"text":"*`+ns+`/slacked*: release `+"`"+rel.Name+"`"+` complete`) {
			return fmt.Errorf("Slack notifications %v, want one completion", got)
		}
		return nil
	})

	// A receiver that fails: tried again, then a Warning event; the
	// rollout does not wait for it.
	inbox.mu.Lock()
	inbox.status[path+"-failing"] = http.StatusServiceUnavailable
	inbox.mu.Unlock()
	notifier(t, mgmt, ns, "failing", inbox.url+path+"-failing", "", notify.Complete)
	notifier(t, mgmt, ns, "outside", "http://169.254.169.254/latest/meta-data", "", notify.Complete)
	for _, name := range []string{"failing", "outside"} {
		a := helloApplication(ns, name, repo.URL, "", nil)
		a.Spec.NotifierRef = &convoyv1alpha1.LocalObjectReference{Name: name}
		r, _ := completeFirstRelease(t, mgmt, a)
		fragment := map[string]string{"failing": "Complete notification not delivered (4 attempts): the receiver answered 503",
			"outside": "its URL is not under a prefix the platform allows (the manager's --notification-allow"}[name]
		expectEvent(t, mgmt, ns, r.Name, release.ReasonNotificationFailed, fragment)
	}
	if n := len(inbox.got(path + "-failing")); n != 4 {
		t.Errorf("the failing receiver got %d attempts, want 4", n)
	}
}
