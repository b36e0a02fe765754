package render

import (
	"context"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// BySource sends each source to the renderer of its kind.
type BySource struct {
	Chart     Renderer
	Kustomize Renderer
}

var _ Renderer = BySource{}

func (b BySource) pick(src convoyv1alpha1.Source) (Renderer, error) {
	switch {
	case src.Chart != nil && b.Chart != nil:
		return b.Chart, nil
	case src.Kustomize != nil && b.Kustomize != nil:
		return b.Kustomize, nil
	}
	return nil, Errorf(ReasonUnsupportedSource, "source has neither a chart nor a kustomize directory this manager can render")
}

// Resolve implements Renderer.
func (b BySource) Resolve(ctx context.Context, src convoyv1alpha1.Source, creds *Credentials) (convoyv1alpha1.Source, error) {
	r, err := b.pick(src)
	if err != nil {
		return src, err
	}
	return r.Resolve(ctx, src, creds)
}

// Render implements Renderer.
func (b BySource) Render(ctx context.Context, req Request) (*Output, error) {
	r, err := b.pick(req.Source)
	if err != nil {
		return nil, err
	}
	return r.Render(ctx, req)
}
