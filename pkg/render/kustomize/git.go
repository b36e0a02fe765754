package kustomize

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

var errGitTimeout = errors.New("git command timed out")

// gitError is a failed git command. Its text never contains credentials:
// they are never on the command line, and stderr is scrubbed of them.
type gitError struct {
	args    []string
	stderr  string
	err     error
	timeout time.Duration // set when the command ran out of time
}

func (e *gitError) Error() string {
	cmd := "git " + subcommand(e.args)
	if e.timeout > 0 {
		return fmt.Sprintf("%s: timed out after %s", cmd, e.timeout)
	}
	if e.stderr != "" {
		return fmt.Sprintf("%s: %s", cmd, e.stderr)
	}
	return fmt.Sprintf("%s: %v", cmd, e.err)
}

func (e *gitError) Unwrap() error { return e.err }

// subcommand is the git command of args ("fetch" of "-c k=v fetch URL"):
// enough to say what failed, while the message names the repository once.
func subcommand(args []string) string {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-c" || a == "-C":
			i++
		case !strings.HasPrefix(a, "-"):
			return a
		}
	}
	return strings.Join(args, " ")
}

// stderrHas reports whether a git error's stderr contains any of the
// phrases. git runs with LC_ALL=C, so its messages are stable English.
func stderrHas(err error, phrases ...string) bool {
	var ge *gitError
	if !errors.As(err, &ge) {
		return false
	}
	for _, p := range phrases {
		if strings.Contains(ge.stderr, p) {
			return true
		}
	}
	return false
}

// passEnv are the variables of the manager's environment that git sees.
// Everything else, GIT_* included, is dropped, so the process's environment
// cannot redirect git (GIT_DIR, GIT_SSH_COMMAND, GIT_CONFIG_PARAMETERS...).
// HOME and SSH_AUTH_SOCK are there for ssh:// sources only: ssh is passed
// through to the system's ssh with the process's own keys and known_hosts;
// convoy neither configures nor tests it. The proxy and CA-bundle variables
// are the process's network setup and apply to git as to any other client.
var passEnv = []string{
	"PATH", "HOME", "TMPDIR", "SSH_AUTH_SOCK",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
	"http_proxy", "https_proxy", "no_proxy", "all_proxy",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
}

// gitSession is the environment of the git commands of one operation on one
// repository, with its credentials. close removes the files it wrote.
type gitSession struct {
	r       *Renderer
	repo    *repository
	env     []string
	secrets []string
	tmp     string
}

// session prepares git's environment for repo:
//
//   - no system or user configuration (GIT_CONFIG_NOSYSTEM,
//     GIT_CONFIG_GLOBAL=/dev/null), no repository configuration but the
//     cache's own, never a terminal prompt, C locale;
//   - only the transports a source may name (no ext::, no fd::);
//   - a username and password through GIT_ASKPASS, which git consults only
//     when the server asks, for that server: never on the command line and
//     never in a URL or a config file;
//   - TLS material in files of a private temporary directory, removed by
//     close: the CA as GIT_SSL_CAINFO, a client certificate as
//     GIT_SSL_CERT/GIT_SSL_KEY, and GIT_SSL_NO_VERIFY for InsecureSkipVerify.
func (r *Renderer) session(repo *repository) (*gitSession, error) {
	s := &gitSession{r: r, repo: repo}
	for _, k := range passEnv {
		if v, ok := os.LookupEnv(k); ok {
			s.env = append(s.env, k+"="+v)
		}
	}
	s.env = append(s.env,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_TERMINAL_PROMPT=0",
		"GCM_INTERACTIVE=never",
		"GIT_ALLOW_PROTOCOL=http:https:ssh:git:file",
		// git looks for a repository from its working directory upwards
		// and would read that repository's configuration: never above
		// the cache, whatever directory the cache sits in.
		"GIT_CEILING_DIRECTORIES="+r.opts.CacheDir,
		"LC_ALL=C",
	)
	c := repo.creds
	if c == nil {
		return s, nil
	}
	if c.Username != "" || c.Password != "" {
		s.env = append(s.env,
			"GIT_ASKPASS="+r.askpass,
			envUsername+"="+c.Username,
			envPassword+"="+c.Password,
		)
		s.secrets = append(s.secrets, c.Password)
	}
	if c.InsecureSkipVerify {
		s.env = append(s.env, "GIT_SSL_NO_VERIFY=true")
	}
	files := []struct {
		data []byte
		name string
		env  string
	}{
		{c.CAData, "ca.crt", "GIT_SSL_CAINFO"},
		{c.CertData, "tls.crt", "GIT_SSL_CERT"},
		{c.KeyData, "tls.key", "GIT_SSL_KEY"},
	}
	for _, f := range files {
		if len(f.data) == 0 {
			continue
		}
		if s.tmp == "" {
			dir, err := os.MkdirTemp(r.tmpDir(), "creds-")
			if err != nil {
				return nil, err
			}
			s.tmp = dir
		}
		p := s.tmp + string(os.PathSeparator) + f.name
		if err := os.WriteFile(p, f.data, 0o600); err != nil {
			s.close()
			return nil, err
		}
		s.env = append(s.env, f.env+"="+p)
	}
	return s, nil
}

func (s *gitSession) close() {
	if s.tmp != "" {
		os.RemoveAll(s.tmp)
	}
}

// run runs git in dir (the cache's scratch directory when empty, never the
// process's working directory) with the session's environment and the
// renderer's per-command timeout, and returns stdout.
func (s *gitSession) run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	timeout := s.r.opts.GitTimeout
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errGitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.r.opts.Git, args...)
	cmd.Dir = dir
	if dir == "" {
		cmd.Dir = s.r.tmpDir()
	}
	cmd.Env = s.env
	// git runs helpers (git-remote-https, ssh) as children; on timeout the
	// whole process group goes, and Wait does not hang on their pipes.
	killProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	ge := &gitError{args: args, stderr: s.scrub(stderr.String()), err: err}
	switch cause := context.Cause(ctx); {
	case cause == nil:
	case errors.Is(cause, errGitTimeout):
		ge.timeout = timeout
	default:
		// The caller gave up (the manager is shutting down, the
		// reconcile was cancelled): say so rather than blame the server.
		ge.err, ge.stderr = cause, ""
	}
	return nil, ge
}

// scrub removes secrets from git's stderr and keeps its last meaningful
// lines: "hint:" lines are advice for people at a terminal.
func (s *gitSession) scrub(stderr string) string {
	for _, secret := range s.secrets {
		if secret != "" {
			stderr = strings.ReplaceAll(stderr, secret, "<redacted>")
		}
	}
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "hint:") {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) > 4 {
		lines = lines[len(lines)-4:]
	}
	out := strings.Join(lines, "; ")
	const max = 1024
	if len(out) > max {
		out = "..." + out[len(out)-max:]
	}
	return out
}

// unreachable is the error for a repository git could not talk to.
func unreachable(repo *repository, err error) error {
	return render.Errorf(render.ReasonRepositoryUnreachable, "git repository %s: %w", repo.display, err)
}
