package analysis

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseQueryResponse(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []float64
		text, err  string
	}{
		{name: "vector", body: `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"cluster":"a"},"value":[1700000000.1,"0.012"]},{"metric":{},"value":[1700000000.1,"3"]}]}}`,
			want: []float64{0.012, 3}, text: "[0.012, 3]"},
		{name: "empty vector", body: `{"status":"success","data":{"resultType":"vector","result":[]}}`, text: "[]"},
		{name: "scalar", body: `{"status":"success","data":{"resultType":"scalar","result":[1700000000,"NaN"]}}`, text: "[NaN]"},
		{name: "matrix", body: `{"status":"success","data":{"resultType":"matrix","result":[]}}`, err: "a matrix result: a check needs an instant vector or a scalar"},
		{name: "bad query", body: `{"status":"error","errorType":"bad_data","error":"parse error at char 5"}`, err: "bad_data: parse error at char 5"},
		{name: "not prometheus", body: `<html>login</html>`, err: "not the query API's JSON"},
	} {
		got, text, err := parseQueryResponse("http://p", 200, []byte(tc.body))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if text != tc.text || (tc.want != nil && len(got) != len(tc.want)) {
			t.Errorf("%s: %v (%s), want %v (%s)", tc.name, got, text, tc.want, tc.text)
		}
	}
}

func TestPrometheusSendsTheQueryAndCredentials(t *testing.T) {
	var query, auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		query, auth = r.Form.Get("query"), r.Header.Get("Authorization")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"0.5"]}]}}`))
	}))
	defer srv.Close()
	p := &Prometheus{URL: srv.URL, Client: srv.Client(), BearerToken: "s3cret"}
	values, _, err := p.Query(context.Background(), `sum(up{cluster="a"})`, time.Now())
	if err != nil || len(values) != 1 || values[0] != 0.5 {
		t.Fatalf("Query = %v, %v", values, err)
	}
	if query != `sum(up{cluster="a"})` || auth != "Bearer s3cret" {
		t.Errorf("the server got query %q with Authorization %q", query, auth)
	}
}

func TestWebhook(t *testing.T) {
	var calls atomic.Int32
	var got WebhookRequest
	answer := func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_ = json.NewDecoder(r.Body).Decode(&got)
		switch r.URL.Path {
		case "/ok":
			w.WriteHeader(http.StatusNoContent)
		case "/bad":
			http.Error(w, "smoke test failed: 3 of 10 requests 500", http.StatusPreconditionFailed)
		case "/flaky":
			if calls.Load() < 3 {
				http.Error(w, "warming up", http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusOK)
		case "/down":
			http.Error(w, "down", http.StatusBadGateway)
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(answer))
	defer srv.Close()
	body := WebhookRequest{Application: "web", Namespace: "shop", Release: "web-2", Step: 1, StepName: "canary", Check: "smoke", Cluster: "eu-west-1", Clusters: []string{"eu-west-1"}}
	for _, tc := range []struct {
		path    string
		retries int
		timeout time.Duration
		want    Phase
		text    string
		calls   int32
	}{
		{path: "/ok", want: PhaseSuccessful, text: "204 No Content", calls: 1},
		{path: "/bad", retries: 2, want: PhaseFailed, text: "412 Precondition Failed: smoke test failed", calls: 1},
		{path: "/flaky", retries: 2, want: PhaseSuccessful, calls: 3},
		{path: "/down", retries: 1, want: PhaseError, text: "502 Bad Gateway", calls: 2},
		{path: "/slow", timeout: 50 * time.Millisecond, want: PhaseError, text: "deadline exceeded", calls: 1},
	} {
		calls.Store(0)
		w := &Webhook{URL: srv.URL + tc.path, Client: srv.Client(), Retries: tc.retries, Timeout: tc.timeout, Backoff: time.Millisecond}
		phase, text, err := w.Call(context.Background(), body)
		if err != nil {
			text = err.Error()
		}
		if phase != tc.want || !strings.Contains(text, tc.text) || calls.Load() != tc.calls {
			t.Errorf("%s: %s %q after %d calls, want %s %q after %d", tc.path, phase, text, calls.Load(), tc.want, tc.text, tc.calls)
		}
	}
	if got.Release != "web-2" || got.Cluster != "eu-west-1" || got.StepName != "canary" {
		t.Errorf("the webhook got %+v", got)
	}
}
