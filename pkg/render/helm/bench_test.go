package helm

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

// BenchmarkRenderHello measures a render of the hello chart from a loopback
// repository: "first" with cold caches (index fetch, download, render),
// "cached" with the index in memory and the archive on disk, the steady
// state of a manager. BenchmarkHelmCLITemplate is the same render by the
// helm CLI process, for comparison.
func BenchmarkRenderHello(b *testing.B) {
	repo := chartrepo.Start(b, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: helloDir}}})
	req := render.Request{
		ReleaseName: "web",
		Namespace:   "shop",
		Source:      chartSource(repo.URL, "hello", "0.1.0"),
		Values:      map[string]any{"replicas": float64(3)},
	}
	ctx := context.Background()

	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			dir, err := os.MkdirTemp(b.TempDir(), "cache")
			if err != nil {
				b.Fatal(err)
			}
			r := newRenderer(b, Options{CacheDir: dir})
			b.StartTimer()
			if _, err := r.Render(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("cached", func(b *testing.B) {
		r := newRenderer(b, Options{})
		if _, err := r.Render(ctx, req); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Render(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHelmCLITemplate runs `helm template` on the same chart and
// values as BenchmarkRenderHello, from a local archive (no download).
func BenchmarkHelmCLITemplate(b *testing.B) {
	tmp := b.TempDir()
	tgz := filepath.Join(tmp, "hello-0.1.0.tgz")
	if err := os.WriteFile(tgz, chartrepo.Package(b, helloDir, ""), 0o644); err != nil {
		b.Fatal(err)
	}
	values := filepath.Join(tmp, "values.yaml")
	if err := os.WriteFile(values, []byte("replicas: 3\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	helmCLI(b)
	for b.Loop() {
		helmTemplate(b, "web", tgz, "--namespace", "shop", "-f", values)
	}
}
