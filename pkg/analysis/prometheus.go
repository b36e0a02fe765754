package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Prometheus is a Prometheus HTTP API (or Thanos, Mimir: the same API)
// that checks query.
type Prometheus struct {
	// URL is the server's base URL, such as https://prometheus.example:9090.
	URL string
	// Client carries TLS (verified) and a timeout; the credentials are
	// set per request.
	Client *http.Client
	// BearerToken or Username and Password authenticate, when set.
	BearerToken, Username, Password string
}

// maxResponse bounds what a query may answer: conditions judge a few
// samples, and a query that returns every series must not fill the
// manager's memory.
const maxResponse = 1 << 20

// maxSamples bounds the values handed to the conditions.
const maxSamples = 1000

// Query runs an instant query at time at and returns its sample values (a
// scalar is one) and a short text of them for the status. An error is a
// measurement that could not be taken: it says which server and why.
func (p *Prometheus) Query(ctx context.Context, query string, at time.Time) ([]float64, string, error) {
	form := url.Values{"query": {query}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(p.URL, "/")+"/api/v1/query", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, "", fmt.Errorf("prometheus %s: %w", p.URL, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	switch {
	case p.BearerToken != "":
		req.Header.Set("Authorization", "Bearer "+p.BearerToken)
	case p.Username != "":
		req.SetBasicAuth(p.Username, p.Password)
	}
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("prometheus %s: %w", p.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, "", fmt.Errorf("prometheus %s: reading the answer: %w", p.URL, err)
	}
	if len(body) > maxResponse {
		return nil, "", fmt.Errorf("prometheus %s: the answer is over %d bytes: aggregate the query (sum, max) to a few samples", p.URL, maxResponse)
	}
	return parseQueryResponse(p.URL, resp.StatusCode, body)
}

// queryResponse is the part of Prometheus' answer checks read.
type queryResponse struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	} `json:"data"`
}

// sample is a [time, "value"] pair.
type sample [2]any

func parseQueryResponse(server string, status int, body []byte) ([]float64, string, error) {
	var r queryResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, "", fmt.Errorf("prometheus %s answered %d, not the query API's JSON: %.200s", server, status, body)
	}
	if r.Status != "success" {
		return nil, "", fmt.Errorf("prometheus %s: %s: %s", server, r.ErrorType, r.Error)
	}
	var values []float64
	switch r.Data.ResultType {
	case "scalar":
		var s sample
		if err := json.Unmarshal(r.Data.Result, &s); err != nil {
			return nil, "", fmt.Errorf("prometheus %s: a scalar result: %w", server, err)
		}
		v, err := sampleValue(s)
		if err != nil {
			return nil, "", fmt.Errorf("prometheus %s: %w", server, err)
		}
		values = []float64{v}
	case "vector":
		var vector []struct {
			Value sample `json:"value"`
		}
		if err := json.Unmarshal(r.Data.Result, &vector); err != nil {
			return nil, "", fmt.Errorf("prometheus %s: a vector result: %w", server, err)
		}
		if len(vector) > maxSamples {
			return nil, "", fmt.Errorf("prometheus %s: %d samples, over %d: aggregate the query (sum, max) to a few", server, len(vector), maxSamples)
		}
		for _, s := range vector {
			v, err := sampleValue(s.Value)
			if err != nil {
				return nil, "", fmt.Errorf("prometheus %s: %w", server, err)
			}
			values = append(values, v)
		}
	default:
		return nil, "", fmt.Errorf("prometheus %s: a %s result: a check needs an instant vector or a scalar", server, r.Data.ResultType)
	}
	return values, formatValues(values), nil
}

func sampleValue(s sample) (float64, error) {
	text, ok := s[1].(string)
	if !ok {
		return 0, fmt.Errorf("a sample value %v that is not a string", s[1])
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, fmt.Errorf("a sample value %q: %w", text, err)
	}
	return v, nil
}

// formatValues is the result as the status shows it: [0.012, 0.3], cut
// short after a few samples.
func formatValues(values []float64) string {
	const shown = 5
	parts := make([]string, 0, min(len(values), shown)+1)
	for i, v := range values {
		if i == shown {
			parts = append(parts, fmt.Sprintf("… %d more", len(values)-shown))
			break
		}
		parts = append(parts, strconv.FormatFloat(v, 'g', 6, 64))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
