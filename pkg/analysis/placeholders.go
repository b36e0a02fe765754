package analysis

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The placeholders a query may use.
const (
	PlaceholderCluster     = "cluster"
	PlaceholderRegion      = "region"
	PlaceholderRelease     = "release"
	PlaceholderApplication = "application"
	PlaceholderNamespace   = "namespace"
	PlaceholderInterval    = "interval"
)

// perCluster are the placeholders only a check evaluated in each cluster
// can fill: a global check measures all of them at once.
var perCluster = []string{PlaceholderCluster, PlaceholderRegion}

var known = []string{PlaceholderCluster, PlaceholderRegion, PlaceholderRelease, PlaceholderApplication, PlaceholderNamespace, PlaceholderInterval}

// placeholder matches {{name}}, with spaces allowed inside the braces.
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.-]*)\s*\}\}`)

// Vars are a measurement's values for the placeholders. Cluster and Region
// are empty for a global check.
type Vars struct {
	Cluster, Region, Release, Application, Namespace string
	// Interval is the check's interval as PromQL writes a duration
	// ("30s", "1m"), for range vectors over one interval.
	Interval string
}

func (v Vars) lookup(name string) string {
	switch name {
	case PlaceholderCluster:
		return v.Cluster
	case PlaceholderRegion:
		return v.Region
	case PlaceholderRelease:
		return v.Release
	case PlaceholderApplication:
		return v.Application
	case PlaceholderNamespace:
		return v.Namespace
	case PlaceholderInterval:
		return v.Interval
	}
	return ""
}

// Placeholders checks the placeholders of query: each must be known, and
// a global check (perClusterScope false) may not use the cluster's. The
// error names the placeholder and says which are known.
func Placeholders(query string, perClusterScope bool) error {
	for _, m := range placeholder.FindAllStringSubmatch(query, -1) {
		name := m[1]
		if !slices.Contains(known, name) {
			return fmt.Errorf("unknown placeholder %s: use {{%s}}", m[0], strings.Join(known, "}}, {{"))
		}
		if !perClusterScope && slices.Contains(perCluster, name) {
			return fmt.Errorf("placeholder %s in a global check: a global check measures every cluster at once; scope it perCluster to measure each", m[0])
		}
	}
	return nil
}

// Expand fills in query's placeholders from vars. Placeholders first
// checks them; Expand leaves an unknown one as it is.
func Expand(query string, vars Vars) string {
	return placeholder.ReplaceAllStringFunc(query, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		if !slices.Contains(known, name) {
			return m
		}
		return vars.lookup(name)
	})
}
