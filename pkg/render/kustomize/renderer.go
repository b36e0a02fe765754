package kustomize

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/render"
)

// Options configure a Renderer.
type Options struct {
	// CacheDir holds fetched commits, one directory per repository and
	// commit, reused by every later render of that commit. The default is
	// convoy/kustomize in the user's cache directory. Nothing removes old
	// commits; the directory may be emptied at any time the renderer is
	// not running.
	CacheDir string
	// GitTimeout bounds each git command. The default is two minutes.
	GitTimeout time.Duration
	// Git is the git binary. The default is "git" on PATH.
	Git string
}

// Renderer renders kustomize sources. It is safe for concurrent use; builds
// themselves run one at a time (see the package documentation).
type Renderer struct {
	opts    Options
	askpass string
	// locks serialise fetches of the same repository and commit, so
	// concurrent renders of a new commit fetch it once.
	locks keyedMutex
}

var _ render.Renderer = (*Renderer)(nil)

// New returns a Renderer. It creates the cache directory and checks that
// git runs.
func New(opts Options) (*Renderer, error) {
	if opts.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = filepath.Join(os.TempDir(), fmt.Sprintf("convoy-%d", os.Getuid()))
		}
		opts.CacheDir = filepath.Join(dir, "convoy", "kustomize")
	}
	if opts.GitTimeout <= 0 {
		opts.GitTimeout = 2 * time.Minute
	}
	if opts.Git == "" {
		opts.Git = "git"
	}
	abs, err := filepath.Abs(opts.CacheDir)
	if err != nil {
		return nil, err
	}
	opts.CacheDir = abs
	for _, d := range []string{opts.CacheDir, filepath.Join(opts.CacheDir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("kustomize renderer: cache: %w", err)
		}
	}
	r := &Renderer{opts: opts}
	if r.askpass, err = writeAskpass(opts.CacheDir); err != nil {
		return nil, fmt.Errorf("kustomize renderer: %w", err)
	}
	s, err := r.session(&repository{})
	if err != nil {
		return nil, err
	}
	defer s.close()
	if _, err := s.run(context.Background(), "", "version"); err != nil {
		return nil, fmt.Errorf("kustomize renderer: git does not run: %w", err)
	}
	return r, nil
}

func (r *Renderer) tmpDir() string { return filepath.Join(r.opts.CacheDir, "tmp") }

// Resolve pins src's ref to a full commit SHA: see resolveRef for the rules.
func (r *Renderer) Resolve(ctx context.Context, src convoyv1alpha1.Source, creds *render.Credentials) (convoyv1alpha1.Source, error) {
	ks, err := kustomizeSource(src)
	if err != nil {
		return convoyv1alpha1.Source{}, err
	}
	repo, err := parseRepository(ks.RepoURL, creds)
	if err != nil {
		return convoyv1alpha1.Source{}, err
	}
	sha, err := r.resolveRef(ctx, repo, ks.Ref)
	if err != nil {
		return convoyv1alpha1.Source{}, withReason(err, render.ReasonRepositoryUnreachable, repo)
	}
	out := src.DeepCopy()
	out.Kustomize.Ref = sha
	return *out, nil
}

// Render builds the source's kustomization at its commit. A source that is
// not pinned to a full commit SHA is resolved first.
//
// Objects come in Helm's install order. A namespaced object without a
// namespace gets req.Namespace, as `kubectl apply -n` would give it; see
// defaultNamespace for how the scope of a kind is known.
func (r *Renderer) Render(ctx context.Context, req render.Request) (*render.Output, error) {
	ks, err := kustomizeSource(req.Source)
	if err != nil {
		return nil, err
	}
	repo, err := parseRepository(ks.RepoURL, req.Credentials)
	if err != nil {
		return nil, err
	}
	dir, err := cleanPath(repo, ks.Path)
	if err != nil {
		return nil, err
	}
	sha := ks.Ref
	if !isFullSHA(sha) {
		if sha, err = r.resolveRef(ctx, repo, ks.Ref); err != nil {
			return nil, withReason(err, render.ReasonRepositoryUnreachable, repo)
		}
	}
	checkout, commit, err := r.checkout(ctx, repo, sha)
	if err != nil {
		return nil, withReason(err, render.ReasonRepositoryUnreachable, repo)
	}
	t := target{repo: repo, commit: commit, path: dir}
	objs, err := buildCheckout(checkout, t)
	if err != nil {
		return nil, withReason(err, render.ReasonKustomizeError, repo)
	}
	if err := defaultNamespace(objs, req.Namespace); err != nil {
		return nil, t.errorf(render.ReasonInvalidManifest, "%v", err)
	}
	sortInstallOrder(objs)
	return &render.Output{Objects: objs, Digest: commit}, nil
}

// withReason makes every error of Resolve and Render a *render.Error: a
// local failure (a full disk, a git that does not start) is reported with
// the reason of the step it broke.
func withReason(err error, reason render.Reason, repo *repository) error {
	var re *render.Error
	if errors.As(err, &re) {
		return err
	}
	return render.Errorf(reason, "git repository %s: %w", repo.display, err)
}

func kustomizeSource(src convoyv1alpha1.Source) (*convoyv1alpha1.KustomizeSource, error) {
	if src.Kustomize == nil {
		return nil, render.Errorf(render.ReasonUnsupportedSource, "not a kustomize source")
	}
	return src.Kustomize, nil
}

// keyedMutex is a set of mutexes by name, created on first use and dropped
// when nobody holds or waits for them.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int
}

// lock locks key and returns its unlock.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedEntry{}
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		k.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
