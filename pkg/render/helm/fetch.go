package helm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

// httpRepo is one HTTP(S) chart repository as seen with one set of
// credentials.
type httpRepo struct {
	url   string // as written in the source, for messages
	base  *url.URL
	creds *render.Credentials
	http  *http.Client
}

func (r *Renderer) httpRepo(repoURL string, creds *render.Credentials) (*httpRepo, error) {
	base, err := url.Parse(repoURL)
	if err != nil || base.Host == "" {
		return nil, render.Errorf(render.ReasonRepositoryNotFound, "chart repository URL %q is not a valid URL", repoURL)
	}
	t, err := r.transports.get(creds)
	if err != nil {
		return nil, render.Errorf(render.ReasonRepositoryUnreachable, "chart repository %s: invalid TLS settings in the source's secretRef: %v", repoURL, err)
	}
	return &httpRepo{url: repoURL, base: base, creds: creds, http: &http.Client{Transport: t}}, nil
}

func (h *httpRepo) hasCreds() bool {
	return h.creds != nil && (h.creds.Username != "" || h.creds.Password != "")
}

// get fetches u, at most limit bytes. Basic auth goes only to the
// repository's own host, as Helm does unless --pass-credentials is set: an
// index may point chart URLs at another host, which must not see the
// password. (net/http also drops it on redirects to other hosts.)
func (h *httpRepo) get(ctx context.Context, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if h.hasCreds() && req.URL.Host == h.base.Host {
		req.SetBasicAuth(h.creds.Username, h.creds.Password)
	}
	req.Header.Set("User-Agent", "convoy")
	resp, err := h.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{url: u, status: resp.StatusCode}
	}
	if resp.ContentLength > limit {
		return nil, &errTooLarge{limit: limit}
	}
	return readLimited(resp.Body, limit)
}

// indexURL is the repository's index.yaml, keeping any query string (some
// repositories put tokens there), as Helm does.
func (h *httpRepo) indexURL() string {
	return h.base.JoinPath("index.yaml").String()
}

// fetchIndex downloads and parses the repository's index.
func (r *Renderer) fetchIndex(ctx context.Context, h *httpRepo) (*catalog, error) {
	iu := h.indexURL()
	what := "chart repository " + h.url
	data, err := h.get(ctx, iu, r.opts.MaxIndexSize)
	if err != nil {
		var tooLarge *errTooLarge
		switch {
		case isNotFound(err):
			return nil, render.Errorf(render.ReasonRepositoryNotFound, "no chart repository at %s: %v; check the source's repoURL", h.url, err)
		case errors.As(err, &tooLarge):
			return nil, render.Errorf(render.ReasonInvalidIndex, "the index of %s (%s) is larger than the limit of %s", what, iu, formatBytes(tooLarge.limit))
		}
		return nil, unreachable(what, r.opts.IndexTimeout, h.hasCreds(), err)
	}
	idx, err := parseIndex(data)
	if err != nil {
		return nil, render.Errorf(render.ReasonInvalidIndex, "the index of %s (%s) is not a valid Helm repository index: %v", what, iu, err)
	}
	cat := &catalog{charts: make(map[string][]chartVersion, len(idx.Entries))}
	for name, cvs := range idx.Entries {
		vs := make([]chartVersion, 0, len(cvs))
		for _, cv := range cvs {
			v := newChartVersion(cv.Version)
			v.URLs, v.Digest = cv.URLs, strings.ToLower(strings.TrimPrefix(cv.Digest, "sha256:"))
			vs = append(vs, v)
		}
		sortVersions(vs)
		cat.charts[name] = vs
	}
	return cat, nil
}

// parseIndex mirrors Helm's (unexported) repo.loadIndex, which `helm repo
// add` and `helm template --repo` use: JSON or strict YAML, entries that
// fail validation dropped, an apiVersion required.
func parseIndex(data []byte) (*repo.IndexFile, error) {
	if len(data) == 0 {
		return nil, repo.ErrEmptyIndexYaml
	}
	idx := &repo.IndexFile{}
	var err error
	if json.Valid(data) {
		err = json.Unmarshal(data, idx)
	} else {
		err = yaml.UnmarshalStrict(data, idx)
	}
	if err != nil {
		return nil, err
	}
	if idx.APIVersion == "" {
		return nil, repo.ErrNoAPIVersion
	}
	for name, cvs := range idx.Entries {
		valid := cvs[:0]
		for _, cv := range cvs {
			if cv == nil {
				continue
			}
			if cv.Metadata == nil {
				cv.Metadata = &chart.Metadata{}
			}
			if cv.APIVersion == "" {
				cv.APIVersion = chart.APIVersionV1
			}
			if err := cv.Validate(); err != nil && !isSkippableValidationError(err) {
				continue
			}
			valid = append(valid, cv)
		}
		idx.Entries[name] = valid
	}
	return idx, nil
}

// isSkippableValidationError is Helm's ignoreSkippableChartValidationError:
// JFrog repositories strip dependency aliases, which must not hide a chart.
func isSkippableValidationError(err error) bool {
	var verr chart.ValidationError
	return errors.As(err, &verr) && strings.HasPrefix(verr.Error(), "validation: more than one dependency with name or alias")
}

// downloadChart fetches the archive of one indexed chart version and checks
// it against the index's digest.
func (r *Renderer) downloadChart(ctx context.Context, h *httpRepo, name string, v chartVersion) ([]byte, error) {
	what := fmt.Sprintf("chart %s %s from %s", name, v.Version, h.url)
	if len(v.URLs) == 0 {
		return nil, render.Errorf(render.ReasonInvalidIndex, "the index of %s lists %s %s without a download URL", h.url, name, v.Version)
	}
	// An index's chart URLs may be relative to the repository URL.
	u, err := repo.ResolveReferenceURL(h.base.String(), v.URLs[0])
	if err != nil {
		return nil, render.Errorf(render.ReasonInvalidIndex, "the index of %s lists an invalid URL for %s %s: %v", h.url, name, v.Version, err)
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.ChartTimeout)
	defer cancel()
	data, err := h.get(ctx, u, r.opts.MaxChartSize)
	if err != nil {
		var tooLarge *errTooLarge
		switch {
		case isNotFound(err):
			return nil, render.Errorf(render.ReasonChartNotFound, "%s: the index lists it, but its archive is missing: %v", what, err)
		case errors.As(err, &tooLarge):
			return nil, render.Errorf(render.ReasonInvalidManifest, "%s: the archive (%s) is larger than the limit of %s", what, u, formatBytes(tooLarge.limit))
		}
		return nil, unreachable("chart repository "+h.url+" (downloading "+u+")", r.opts.ChartTimeout, h.hasCreds(), err)
	}
	if v.Digest != "" {
		if got := sha256Hex(data); !strings.EqualFold(got, v.Digest) {
			return nil, render.Errorf(render.ReasonInvalidIndex, "%s: the archive at %s has digest sha256:%s, but the index says sha256:%s; the repository is inconsistent or the download was altered", what, u, got, v.Digest)
		}
	}
	return data, nil
}
