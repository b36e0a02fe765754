package kustomize

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/gitserver"
)

// The benchmarks render examples/kustomize/hello/overlays/production from
// a repository served over smart HTTP on loopback. Run them with
//
//	go test -run '^$' -bench . -benchmem ./pkg/render/kustomize/

type benchFixture struct {
	url, sha string
	req      render.Request
}

func newBenchFixture(b *testing.B) benchFixture {
	b.Helper()
	gs := gitserver.New(b)
	repo := gs.NewRepo("hello")
	sha := repo.Commit("hello", exampleFiles(b, ""))
	url := gs.StartHTTP(gitserver.HTTPOptions{}).RepoURL(repo)
	return benchFixture{url: url, sha: sha, req: render.Request{
		Namespace: "bench", Source: source(url, sha, "overlays/production"),
	}}
}

// BenchmarkRenderCold: an empty cache, so every render fetches the commit
// (init, shallow fetch over HTTP, checkout) before building.
func BenchmarkRenderCold(b *testing.B) {
	f := newBenchFixture(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		r, err := New(Options{CacheDir: b.TempDir(), GitTimeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := r.Render(ctx, f.req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderWarm: the commit is cached; a render is a build.
func BenchmarkRenderWarm(b *testing.B) {
	f := newBenchFixture(b)
	r := newRenderer(b)
	ctx := context.Background()
	if _, err := r.Render(ctx, f.req); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := r.Render(ctx, f.req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKustomizeCLI: `kustomize build` of the same checked-out
// directory, a process per build, as a renderer that shelled out would do.
func BenchmarkKustomizeCLI(b *testing.B) {
	f := newBenchFixture(b)
	r := newRenderer(b)
	repo, err := parseRepository(f.url, nil)
	if err != nil {
		b.Fatal(err)
	}
	dir, _, err := r.checkout(context.Background(), repo, f.sha)
	if err != nil {
		b.Fatal(err)
	}
	kustomizeCLI(b)
	for b.Loop() {
		kustomizeBuild(b, filepath.Join(dir, "overlays/production"))
	}
}

// BenchmarkResolve: one ls-remote of a branch over HTTP.
func BenchmarkResolve(b *testing.B) {
	f := newBenchFixture(b)
	r := newRenderer(b)
	src := source(f.url, "main", "")
	for b.Loop() {
		if _, err := r.Resolve(context.Background(), src, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDistinguish: the per-release transform of the rendered example.
func BenchmarkDistinguish(b *testing.B) {
	f := newBenchFixture(b)
	out, err := newRenderer(b).Render(context.Background(), f.req)
	if err != nil {
		b.Fatal(err)
	}
	labels := map[string]string{"convoy.dev/release": "abc123"}
	for b.Loop() {
		if _, err := Distinguish(out.Objects, "-abc123", labels); err != nil {
			b.Fatal(err)
		}
	}
}
