package render

import (
	"context"
	"net/url"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// LocalSourcesFlag is the manager flag that allows file:// sources.
const LocalSourcesFlag = "allow-local-sources"

// ReasonLocalSourceRefused: a file:// source on a manager that does not
// allow them.
const ReasonLocalSourceRefused Reason = "LocalSourceRefused"

// RefuseLocalSources returns r refusing file:// sources, before anything
// is read. A file:// URL reads the manager's own file system: any git
// repository the manager's process can read, whoever's it is. Only a local
// environment, where the manager runs on the developer's machine, has a
// reason to allow them (the manager's --allow-local-sources).
func RefuseLocalSources(r Renderer) Renderer { return localRefuser{r} }

type localRefuser struct{ Renderer }

// Resolve implements Renderer.
func (l localRefuser) Resolve(ctx context.Context, src convoyv1alpha1.Source, creds *Credentials) (convoyv1alpha1.Source, error) {
	if err := CheckLocal(src); err != nil {
		return src, err
	}
	return l.Renderer.Resolve(ctx, src, creds)
}

// Render implements Renderer.
func (l localRefuser) Render(ctx context.Context, req Request) (*Output, error) {
	if err := CheckLocal(req.Source); err != nil {
		return nil, err
	}
	return l.Renderer.Render(ctx, req)
}

// CheckLocal refuses a source that reads the local file system.
func CheckLocal(src convoyv1alpha1.Source) error {
	if src.Kustomize == nil {
		return nil // chart repositories are http(s) or oci only (the CRD's pattern)
	}
	if u, err := url.Parse(src.Kustomize.RepoURL); err == nil && u.Scheme != "file" {
		return nil
	}
	return Errorf(ReasonLocalSourceRefused,
		"source.kustomize.repoURL %q: file:// sources read the manager's own file system and are refused; a manager run with --%s allows them (for local environments only)",
		src.Kustomize.RepoURL, LocalSourcesFlag)
}
