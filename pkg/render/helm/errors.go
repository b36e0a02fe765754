package helm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

// Reasons for failures render.go has no dedicated constant for:
//
//   - A repository that refuses the credentials (401, 403) or whose TLS
//     settings are wrong is reported as RepositoryUnreachable: convoy cannot
//     get at it, and the message says why and what to check.
//   - A chart archive that is too large, is not a chart, or is a library
//     chart is reported as InvalidManifest: the artifact itself is unusable.
//   - Values that fail the chart's values.schema.json, an incompatible
//     kubeVersion and an invalid release name are TemplateError: the chart
//     could not be rendered with this input.

// statusError is an HTTP response that was not 200.
type statusError struct {
	url    string
	status int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("GET %s returned %d %s", e.url, e.status, http.StatusText(e.status))
}

// unreachable wraps a transport-level failure (DNS, connect, TLS, timeout,
// access denied) talking to what, such as "chart repository https://x".
func unreachable(what string, timeout time.Duration, creds bool, err error) error {
	var tooLarge *errTooLarge
	var se *statusError
	switch {
	case errors.As(err, &tooLarge):
		// Callers handle size limits themselves; this is a safety net.
		return render.Errorf(render.ReasonRepositoryUnreachable, "%s: %v", what, err)
	case errors.Is(err, context.DeadlineExceeded):
		return render.Errorf(render.ReasonRepositoryUnreachable, "%s did not answer within %s: %v", what, timeout, err)
	case errors.As(err, &se) && (se.status == http.StatusUnauthorized || se.status == http.StatusForbidden):
		return render.Errorf(render.ReasonRepositoryUnreachable, "%s refused access (%d %s): %s", what, se.status, http.StatusText(se.status), credentialHint(creds))
	case isRegistryAuthError(err):
		return render.Errorf(render.ReasonRepositoryUnreachable, "%s refused access: %s: %v", what, credentialHint(creds), err)
	}
	return render.Errorf(render.ReasonRepositoryUnreachable, "cannot reach %s: %v", what, err)
}

func credentialHint(creds bool) string {
	if creds {
		return "check the username and password in the source's secretRef"
	}
	return "the repository needs credentials; set the source's secretRef"
}

// isNotFound reports a 404 from an HTTP repository or an OCI registry.
func isNotFound(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		return se.status == http.StatusNotFound
	}
	if errors.Is(err, errdef.ErrNotFound) {
		return true
	}
	var er *errcode.ErrorResponse
	return errors.As(err, &er) && er.StatusCode == http.StatusNotFound
}

// isRegistryAuthError reports a 401 or 403 from an OCI registry, or its
// challenge for credentials that the caller does not have.
func isRegistryAuthError(err error) bool {
	if errors.Is(err, auth.ErrBasicCredentialNotFound) {
		return true
	}
	var er *errcode.ErrorResponse
	if errors.As(err, &er) {
		return er.StatusCode == http.StatusUnauthorized || er.StatusCode == http.StatusForbidden
	}
	return false
}

// isYAMLParseError reports Helm's error for a rendered template that is not
// valid YAML. Helm (releaseutil.SortManifests) returns it as text only:
// "YAML parse error on <chart>/templates/<file>: ...". A test pins the
// format, so a Helm upgrade that changes it fails loudly.
func isYAMLParseError(err error) bool {
	return strings.Contains(err.Error(), "YAML parse error on ")
}

// hasReason reports whether err is a *render.Error with one of reasons.
func hasReason(err error, reasons ...render.Reason) bool {
	var re *render.Error
	return errors.As(err, &re) && slices.Contains(reasons, re.Reason)
}

// aboutChart names the chart in errors about its repository, whose
// messages name only the repository: "chart hello 0.1.0: no chart
// repository at ...".
func aboutChart(err error, name, version string) error {
	var re *render.Error
	if !errors.As(err, &re) {
		return err
	}
	switch re.Reason {
	case render.ReasonRepositoryUnreachable, render.ReasonRepositoryNotFound, render.ReasonInvalidIndex:
	default:
		return err
	}
	switch {
	case version == "":
		version = "(newest stable version)"
	case !isExactVersion(version):
		version = strconv.Quote(version)
	}
	return &render.Error{Reason: re.Reason, Err: fmt.Errorf("chart %s %s: %w", name, version, re.Err)}
}

// contextError turns the caller's own cancellation into an error that says
// so; anything else passes through.
func contextError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return render.Errorf(render.ReasonRepositoryUnreachable, "gave up waiting for the index of %s: %v", what, err)
	}
	return err
}

// maxListed bounds the versions an error message lists.
const maxListed = 5

// chartNotFound explains a chart missing from a catalog with the charts it
// has, so a typo in the name shows.
func chartNotFound(view indexView, what, name string) error {
	names := make([]string, 0, len(view.cat.charts))
	for n := range view.cat.charts {
		names = append(names, n)
	}
	slices.Sort(names)
	listed := "it lists no charts"
	if len(names) > 0 {
		more := ""
		if len(names) > 10 {
			names, more = names[:10], fmt.Sprintf(" and %d more", len(names)-10)
		}
		listed = "it lists " + strings.Join(names, ", ") + more
	}
	return render.Errorf(render.ReasonChartNotFound, "chart %q not found in the index of %s (%s)%s", name, what, listed, freshness(view))
}

// versionNotFound explains a request that no version matches with the
// versions nearest to it.
func versionNotFound(what, name, request string, versions []chartVersion, view indexView) error {
	asked := fmt.Sprintf("version %q", request)
	if request == "" {
		asked = "a stable version (no version was given)"
	}
	msg := fmt.Sprintf("chart %s in %s has no %s", name, what, asked)
	if len(versions) == 0 {
		msg += "; it has no versions at all"
	} else {
		msg += fmt.Sprintf("; closest available: %s (of %d versions)", strings.Join(closestVersions(versions, request, maxListed), ", "), len(versions))
	}
	if onlyPrereleasesMatch(versions, request) {
		msg += "; prereleases match only a constraint that has a prerelease part, such as \">=1.0.0-0\""
	}
	return render.Errorf(render.ReasonVersionNotFound, "%s%s", msg, freshness(view))
}

// freshness tells how old the index behind an error is, and whether its
// refresh is failing, so a person knows whether to wait or to look.
func freshness(view indexView) string {
	var s string
	if view.cat != nil {
		s = fmt.Sprintf(" (list of versions fetched %s ago", view.age.Round(time.Second))
		if view.refreshErr != nil {
			s += fmt.Sprintf("; refreshing it failed: %v", view.refreshErr)
		}
		s += ")"
	}
	return s
}
