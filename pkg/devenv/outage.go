package devenv

import (
	"context"
	"path/filepath"
)

// StopCluster stops every process of the named application cluster, its
// state kept: to convoy the cluster is gone, as after a network partition
// or a control plane outage. The end-to-end tests use it.
func (e *Environment) StopCluster(ctx context.Context, name string) error {
	k, err := e.kwokctl()
	if err != nil {
		return err
	}
	return k.stop(ctx, e.Context(name))
}

// StartCluster starts a stopped application cluster again and waits until
// it serves.
func (e *Environment) StartCluster(ctx context.Context, name string) error {
	k, err := e.kwokctl()
	if err != nil {
		return err
	}
	return k.start(ctx, e.Context(name))
}

func (e *Environment) kwokctl() (kwokctl, error) {
	tools, err := FindTools(DefaultToolsDir())
	if err != nil {
		return kwokctl{}, err
	}
	return kwokctl{tools: tools, workDir: filepath.Join(e.Dir, "kwok")}, nil
}
