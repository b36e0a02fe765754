package helm

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
	"github.com/convoy-rollouts/convoy/test/ociregistry"
)

func TestSecondRenderDoesNotDownload(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	reg, opts := startRegistry(t, ociregistry.Options{})
	r := newRenderer(t, opts)
	render2 := func(repoURL string) *render.Output {
		t.Helper()
		out, err := r.Render(testContext(t), render.Request{ReleaseName: "web", Source: chartSource(repoURL, "hello", "0.1.0")})
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		return out
	}

	first := render2(repo.URL)
	second := render2(repo.URL)
	if n := repo.Requests(chartrepo.ChartPath("hello", "0.1.0")); n != 1 {
		t.Errorf("HTTP: the archive was downloaded %d times for two renders, want 1", n)
	}
	if first.Digest != second.Digest {
		t.Errorf("HTTP: digests differ: %s, %s", first.Digest, second.Digest)
	}

	render2(reg.URL)
	blobs := reg.Requests("blob")
	render2(reg.URL)
	if n := reg.Requests("blob"); n != blobs {
		t.Errorf("OCI: the second render fetched %d blobs, want 0", n-blobs)
	}

	// A new Renderer on the same directory (a restarted manager) finds
	// the archive on disk.
	r2 := newRenderer(t, Options{CacheDir: r.opts.CacheDir})
	if _, err := r2.Render(testContext(t), render.Request{ReleaseName: "web", Source: chartSource(repo.URL, "hello", "0.1.0")}); err != nil {
		t.Fatalf("Render after restart: %v", err)
	}
	if n := repo.Requests(chartrepo.ChartPath("hello", "0.1.0")); n != 1 {
		t.Errorf("after a restart the archive was downloaded again (%d downloads)", n)
	}
}

func TestCacheSizeBoundEvicts(t *testing.T) {
	repo := startRepo(t, chartrepo.Options{})
	one := len(chartrepo.Package(t, helloDir, "0.1.0"))
	// Room for one hello archive, not two.
	r := newRenderer(t, Options{MaxCacheSize: int64(one) * 3 / 2})
	renderVersion := func(v string) {
		t.Helper()
		if _, err := r.Render(testContext(t), render.Request{ReleaseName: "web", Source: chartSource(repo.URL, "hello", v)}); err != nil {
			t.Fatalf("Render %s: %v", v, err)
		}
	}
	renderVersion("0.1.0")
	renderVersion("0.2.0") // evicts 0.1.0
	if n, size := r.cache.usage(); n != 1 || size > r.opts.MaxCacheSize {
		t.Fatalf("cache holds %d archives, %d bytes; want 1 within %d", n, size, r.opts.MaxCacheSize)
	}
	renderVersion("0.1.0") // downloaded again
	if n := repo.Requests(chartrepo.ChartPath("hello", "0.1.0")); n != 2 {
		t.Errorf("0.1.0 was downloaded %d times, want 2 (evicted in between)", n)
	}
	entries, err := os.ReadDir(r.opts.CacheDir)
	if err != nil {
		t.Fatal(err)
	}
	var archives int
	for _, e := range entries {
		if filepath.Ext(e.Name()) == archiveSuffix {
			archives++
		}
	}
	if archives != 1 {
		t.Errorf("cache directory holds %d archives, want 1", archives)
	}
}

func TestDiskCacheLRU(t *testing.T) {
	dir := t.TempDir()
	blob := func(b byte) []byte { return bytes.Repeat([]byte{b}, 100) }
	a, b, c := blob('a'), blob('b'), blob('c')
	cache, err := openDiskCache(dir, 250)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range [][]byte{a, b} {
		if err := cache.put(sha256Hex(d), d); err != nil {
			t.Fatal(err)
		}
	}
	// Using a makes b the least recently used.
	if _, ok := cache.get(sha256Hex(a)); !ok {
		t.Fatal("a missing")
	}
	if err := cache.put(sha256Hex(c), c); err != nil {
		t.Fatal(err)
	}
	if _, ok := cache.get(sha256Hex(b)); ok {
		t.Error("b survived; it was the least recently used")
	}
	for name, d := range map[string][]byte{"a": a, "c": c} {
		if got, ok := cache.get(sha256Hex(d)); !ok || !bytes.Equal(got, d) {
			t.Errorf("%s missing or altered", name)
		}
	}

	// A corrupted file is a miss, not a wrong chart.
	if err := os.WriteFile(cache.path(sha256Hex(a)), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := cache.get(sha256Hex(a)); ok {
		t.Error("a corrupted archive was served")
	}

	// Reopening indexes what is on disk.
	reopened, err := openDiskCache(dir, 250)
	if err != nil {
		t.Fatal(err)
	}
	if n, size := reopened.usage(); n != 1 || size != 100 {
		t.Errorf("reopened cache: %d archives, %d bytes; want 1, 100", n, size)
	}

	// Anything larger than the whole bound is not stored.
	big := bytes.Repeat([]byte{'x'}, 300)
	if err := reopened.put(sha256Hex(big), big); err != nil {
		t.Fatal(err)
	}
	if _, ok := reopened.get(sha256Hex(big)); ok {
		t.Error("an archive larger than the cache was stored")
	}
}
