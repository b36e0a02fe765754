package kustomize

import (
	"os"
	"path/filepath"
)

// The askpass helper reads the credentials from these variables of the git
// process's environment, which only that process and its children see.
const (
	envUsername = "CONVOY_GIT_USERNAME"
	envPassword = "CONVOY_GIT_PASSWORD"
)

// askpassScript answers git's "Username for ...:" and "Password for ...:"
// prompts. It holds no secret, so one copy serves every repository. It is a
// /bin/sh script: the image the manager runs in needs a shell, as it needs
// git.
const askpassScript = `#!/bin/sh
# Written by convoy: answers git's credential prompts from the environment.
case "$1" in
Username*) printf '%s\n' "$` + envUsername + `" ;;
*) printf '%s\n' "$` + envPassword + `" ;;
esac
`

// writeAskpass installs the helper in dir and returns its path.
func writeAskpass(dir string) (string, error) {
	p := filepath.Join(dir, "askpass.sh")
	tmp, err := os.CreateTemp(dir, ".askpass-")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(askpassScript); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Chmod(0o700); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	// Rename so that a concurrent git never runs a half-written script.
	return p, os.Rename(tmp.Name(), p)
}
