//go:build !unix

package kustomize

import "os/exec"

// killProcessGroup leaves cmd alone: without process groups, cancellation
// kills git itself and WaitDelay bounds the wait for its helpers.
func killProcessGroup(*exec.Cmd) {}
