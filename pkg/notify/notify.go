// Package notify tells people and systems about a release's events: a JSON
// webhook, or the Slack incoming-webhook format, posted with retries and
// backoff by a bounded background dispatcher, so that a slow or failing
// receiver never holds up a rollout. Which events go where (the
// Application's Notifier, its Secret) is the caller's to resolve.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Event types, as the webhook's "type".
const (
	StepAchieved      = "StepAchieved"
	WaitingForCommand = "WaitingForCommand"
	AnalysisFailed    = "AnalysisFailed"
	Aborted           = "Aborted"
	Complete          = "Complete"
	Stalled           = "Stalled"
)

// Types are every event type, in the order a rollout meets them.
var Types = []string{StepAchieved, WaitingForCommand, AnalysisFailed, Aborted, Complete, Stalled}

// Event is one thing that happened to a release.
type Event struct {
	Type        string    `json:"type"`
	Namespace   string    `json:"namespace"`
	Application string    `json:"application"`
	Release     string    `json:"release"`
	Step        int32     `json:"step"`
	StepName    string    `json:"stepName,omitempty"`
	Message     string    `json:"message"`
	Time        time.Time `json:"time"`
	// Subject is the caller's object the event is about, for its own
	// bookkeeping (recording a failure on it); never sent.
	Subject any `json:"-"`
}

// Formats of the payload.
const (
	FormatJSON  = "JSON"
	FormatSlack = "Slack"
)

// Payload is the body posted for ev: the event itself (JSON), or a Slack
// message whose text says it in one line.
func Payload(format string, ev Event) ([]byte, error) {
	switch format {
	case "", FormatJSON:
		return json.Marshal(ev)
	case FormatSlack:
		text := fmt.Sprintf("*%s/%s*: release `%s` %s", ev.Namespace, ev.Application, ev.Release, describe(ev))
		return json.Marshal(map[string]string{"text": text})
	}
	return nil, fmt.Errorf("unknown notification format %q (JSON or Slack)", format)
}

// describe is an event in words, for a chat message.
func describe(ev Event) string {
	step := fmt.Sprintf("step %d", ev.Step)
	if ev.StepName != "" {
		step = fmt.Sprintf("step %d (%s)", ev.Step, ev.StepName)
	}
	var what string
	switch ev.Type {
	case StepAchieved:
		what = step + " achieved in every cluster"
	case WaitingForCommand:
		what = "waits at " + step + " for convoy advance"
	case AnalysisFailed:
		what = "failed the analysis of " + step
	case Aborted:
		what = "aborted at " + step
	case Complete:
		what = "complete"
	case Stalled:
		what = "stalled at " + step
	default:
		what = ev.Type
	}
	if ev.Message != "" {
		what += ": " + ev.Message
	}
	return what
}

// Sender posts payloads, retrying what may succeed later.
type Sender struct {
	// Client posts; http.DefaultClient when nil.
	Client *http.Client
	// Attempts at most (4 when 0); Backoff before the second, doubling
	// after (1s when 0); Timeout of each attempt (10s when 0).
	Attempts int
	Backoff  time.Duration
	Timeout  time.Duration
}

// Send posts body to url: a 2xx answer delivers it; a 4xx is final (the
// receiver refuses it: retrying cannot help); no answer or a 5xx is tried
// again after a backoff, up to Attempts. It returns the attempts made.
func (s *Sender) Send(ctx context.Context, url string, body []byte) (int, error) {
	attempts, backoff, timeout := or(s.Attempts, 4), orDuration(s.Backoff, time.Second), orDuration(s.Timeout, 10*time.Second)
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	var err error
	for n := 1; ; n++ {
		var final bool
		if final, err = post(ctx, client, timeout, url, body); err == nil || final || n == attempts {
			return n, err
		}
		select {
		case <-ctx.Done():
			return n, fmt.Errorf("%w (then %v)", err, ctx.Err())
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

func post(ctx context.Context, client *http.Client, timeout time.Duration, url string, body []byte) (final bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return true, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return true, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return true, fmt.Errorf("the receiver refused the notification: %s", resp.Status)
	}
	return false, fmt.Errorf("the receiver answered %s", resp.Status)
}

func or(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
