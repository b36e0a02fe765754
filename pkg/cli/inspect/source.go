package inspect

import (
	"regexp"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// commit matches a full git commit id, which a Release pins its kustomize
// ref to.
var commit = regexp.MustCompile(`^[0-9a-f]{40}$`)

// sourceText names what a release rolls out: "chart@version from repoURL"
// for a chart, "repoURL@revision path" for a kustomization. A full commit
// id is cut to 12 characters, enough to be unique and short enough for a
// table.
func sourceText(s convoyv1alpha1.Source) string {
	switch {
	case s.Chart != nil:
		name := s.Chart.Name
		if s.Chart.Version != "" {
			name += "@" + s.Chart.Version
		}
		return name + " from " + s.Chart.RepoURL
	case s.Kustomize != nil:
		k := s.Kustomize
		text := k.RepoURL
		if ref := k.Ref; ref != "" {
			if commit.MatchString(ref) {
				ref = ref[:12]
			}
			text += "@" + ref
		}
		if k.Path != "" {
			text += " " + k.Path
		}
		return text
	}
	return ""
}
