package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// WebhookRequest is the JSON body a webhook check POSTs: which release, at
// which step, in which clusters. Load tests and smoke tests read it to
// know what to test.
type WebhookRequest struct {
	Application string `json:"application"`
	Namespace   string `json:"namespace"`
	Release     string `json:"release"`
	Step        int32  `json:"step"`
	StepName    string `json:"stepName"`
	Check       string `json:"check"`
	// Cluster is the cluster measured by a per-cluster check; empty for a
	// global one, which Clusters lists the release's clusters for.
	Cluster  string   `json:"cluster,omitempty"`
	Region   string   `json:"region,omitempty"`
	Clusters []string `json:"clusters"`
}

// Webhook is a webhook check's endpoint.
type Webhook struct {
	URL     string
	Client  *http.Client
	Timeout time.Duration
	Retries int
	// Backoff is the wait before a retry; a second when zero.
	Backoff time.Duration
}

// Webhook check defaults.
const (
	DefaultWebhookTimeout = 10 * time.Second
	DefaultWebhookRetries = 2
)

// Call POSTs body and judges the answer: 2xx is Successful, any other
// status Failed; no answer, or a 5xx after every retry, is an Error
// (the check's consecutiveErrorLimit decides when that fails it). The
// text is the status and the start of the answer's body.
func (w *Webhook) Call(ctx context.Context, body WebhookRequest) (Phase, string, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return PhaseError, "", err
	}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = DefaultWebhookTimeout
	}
	backoff := w.Backoff
	if backoff <= 0 {
		backoff = time.Second
	}
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	var lastErr error
	for attempt := 0; attempt <= w.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return PhaseError, "", fmt.Errorf("webhook %s: %w (after %v)", w.URL, ctx.Err(), lastErr)
			case <-time.After(backoff):
			}
		}
		status, text, err := w.post(ctx, client, timeout, data)
		switch {
		case err != nil:
			lastErr = err
		case status >= 500:
			lastErr = fmt.Errorf("webhook %s answered %s", w.URL, text)
		case status >= 200 && status < 300:
			return PhaseSuccessful, text, nil
		default:
			return PhaseFailed, text, nil
		}
	}
	return PhaseError, "", fmt.Errorf("%w (%d tries)", lastErr, w.Retries+1)
}

func (w *Webhook) post(ctx context.Context, client *http.Client, timeout time.Duration, data []byte) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(data))
	if err != nil {
		return 0, "", fmt.Errorf("webhook %s: %w", w.URL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("webhook %s: %w", w.URL, err)
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	text := resp.Status
	if s := strings.TrimSpace(string(head)); s != "" {
		text += ": " + s
	}
	return resp.StatusCode, text, nil
}
