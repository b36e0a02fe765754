package render

import (
	"context"
	"strings"
	"testing"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// counting counts the calls that reach it.
type counting struct{ calls int }

func (c *counting) Resolve(_ context.Context, src convoyv1alpha1.Source, _ *Credentials) (convoyv1alpha1.Source, error) {
	c.calls++
	return src, nil
}

func (c *counting) Render(context.Context, Request) (*Output, error) {
	c.calls++
	return &Output{}, nil
}

func TestRefuseLocalSources(t *testing.T) {
	inner := &counting{}
	r := RefuseLocalSources(inner)
	local := convoyv1alpha1.Source{Kustomize: &convoyv1alpha1.KustomizeSource{RepoURL: "file:///etc/secret-repo"}}
	_, err := r.Resolve(context.Background(), local, nil)
	if ReasonOf(err) != ReasonLocalSourceRefused {
		t.Fatalf("Resolve: %v, want reason %s", err, ReasonLocalSourceRefused)
	}
	for _, want := range []string{"source.kustomize.repoURL", "file:///etc/secret-repo", "--allow-local-sources"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not name %q", err, want)
		}
	}
	if _, err := r.Render(context.Background(), Request{Source: local}); ReasonOf(err) != ReasonLocalSourceRefused {
		t.Fatalf("Render: %v", err)
	}
	if inner.calls != 0 {
		t.Fatalf("a refused source reached the renderer %d times", inner.calls)
	}
	remote := convoyv1alpha1.Source{Kustomize: &convoyv1alpha1.KustomizeSource{RepoURL: "https://git.example.com/x.git"}}
	if _, err := r.Render(context.Background(), Request{Source: remote}); err != nil || inner.calls != 1 {
		t.Fatalf("an https source: %v, %d calls", err, inner.calls)
	}
	chart := convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: "https://charts.example.com", Name: "x"}}
	if _, err := r.Resolve(context.Background(), chart, nil); err != nil {
		t.Fatalf("a chart source: %v", err)
	}
}
