package helm

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// catalog is what convoy keeps of a repository index or a registry's tag
// list: per chart, its versions, newest first. It drops everything else an
// index.yaml carries (descriptions, maintainers, icons), which is most of a
// big index's memory.
type catalog struct {
	charts map[string][]chartVersion
}

// chartVersion is one published version of a chart.
type chartVersion struct {
	Version string
	// semver is nil when Version does not parse; such versions only match
	// an exact request, as in Helm.
	semver *semver.Version
	// URLs and Digest come from an HTTP repository's index: where the
	// archive is and its sha256 (hex). Empty for OCI tags.
	URLs   []string
	Digest string
}

func newChartVersion(v string) chartVersion {
	cv := chartVersion{Version: v}
	if sv, err := semver.NewVersion(v); err == nil {
		cv.semver = sv
	}
	return cv
}

// sortVersions orders versions newest first; unparseable versions last, as
// Helm's IndexFile.SortEntries does.
func sortVersions(vs []chartVersion) {
	slices.SortStableFunc(vs, func(a, b chartVersion) int {
		switch {
		case a.semver == nil && b.semver == nil:
			return 0
		case a.semver == nil:
			return 1
		case b.semver == nil:
			return -1
		}
		return b.semver.Compare(a.semver)
	})
}

// pickVersion chooses the version a request means, with the semantics of
// Helm's IndexFile.Get (what `helm template --version` uses): an exact
// string match first, else the newest version satisfying the constraint.
// An empty request is the constraint "*", which in Masterminds semver
// excludes prereleases, so it picks the newest stable version.
//
// versions must be sorted newest first. It returns an error only for a
// request that is neither a version nor a constraint.
func pickVersion(versions []chartVersion, request string) (chartVersion, bool, error) {
	request = strings.TrimSpace(request)
	if request != "" {
		for _, v := range versions {
			if v.Version == request {
				return v, true, nil
			}
		}
	}
	constraint := request
	if constraint == "" {
		constraint = "*"
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return chartVersion{}, false, fmt.Errorf("%q is neither a chart version nor a semver constraint: %w", request, err)
	}
	for _, v := range versions {
		if v.semver != nil && c.Check(v.semver) {
			return v, true, nil
		}
	}
	return chartVersion{}, false, nil
}

// isExactVersion reports whether a request names one version rather than
// a range, so that an OCI pull can use it as a tag without listing tags.
func isExactVersion(request string) bool {
	_, err := semver.StrictNewVersion(strings.TrimSpace(request))
	return err == nil
}

// anchorRe finds the first version number in a constraint, such as 1.2 in
// "~1.2" or ">=1.2.0 <2".
var anchorRe = regexp.MustCompile(`\d+(\.\d+){0,2}`)

// closestVersions returns up to n available versions near what a request
// asked for, newest first, for an error message that helps a person pick a
// version: the neighbours, on both sides, of the first version number in
// the request (1.2 in "~1.2"); without one, the newest versions.
//
// versions must be sorted newest first.
func closestVersions(versions []chartVersion, request string, n int) []string {
	var anchor *semver.Version
	if s := anchorRe.FindString(request); s != "" {
		anchor, _ = semver.NewVersion(s)
	}
	var picked []chartVersion
	if anchor == nil {
		picked = versions[:min(n, len(versions))]
	} else {
		// Oldest first, so that the anchor has an insertion point.
		var asc []chartVersion
		for _, v := range slices.Backward(versions) {
			if v.semver != nil {
				asc = append(asc, v)
			}
		}
		hi, _ := slices.BinarySearchFunc(asc, anchor, func(v chartVersion, a *semver.Version) int {
			return v.semver.Compare(a)
		})
		lo := hi - 1
		for len(picked) < n && (lo >= 0 || hi < len(asc)) {
			if lo >= 0 {
				picked = append(picked, asc[lo])
				lo--
			}
			if hi < len(asc) && len(picked) < n {
				picked = append(picked, asc[hi])
				hi++
			}
		}
		sortVersions(picked)
	}
	out := make([]string, len(picked))
	for i, v := range picked {
		out[i] = v.Version
	}
	return out
}

// onlyPrereleasesMatch reports whether the request would have matched if
// prereleases counted: the usual surprise behind "no version matches".
func onlyPrereleasesMatch(versions []chartVersion, request string) bool {
	constraint := strings.TrimSpace(request)
	if constraint == "" {
		constraint = "*"
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return false
	}
	for _, v := range versions {
		if v.semver == nil || v.semver.Prerelease() == "" {
			continue
		}
		stable, err := v.semver.SetPrerelease("")
		if err == nil && c.Check(&stable) {
			return true
		}
	}
	return false
}
