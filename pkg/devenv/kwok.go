package devenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// kwokctl runs kwokctl with the environment's own work directory, so its
// clusters never mix with the user's ~/.kwok or ~/.kube/config.
type kwokctl struct {
	tools   Tools
	workDir string
}

func (k kwokctl) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, k.tools.Kwokctl, args...)
	cmd.Env = append(os.Environ(), "KWOK_WORKDIR="+k.workDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kwokctl %s: %w: %s", strings.Join(args, " "), err, lastLines(stderr.String(), 15))
	}
	return stdout.String(), nil
}

// clusters lists the names of the clusters kwokctl knows.
func (k kwokctl) clusters(ctx context.Context) ([]string, error) {
	out, err := k.run(ctx, "get", "clusters")
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

// kwokConfig makes every component listen on loopback only (kwokctl's
// default is every interface) and gives Services a /16: kube-apiserver's
// default /24 runs out at 254 Services, a few hundred releases. The
// HorizontalPodAutoscaler controller looks every 5 s rather than 15 s, so
// that tests of autoscaled releases see it act within seconds; everything
// else about it (stabilization windows, tolerance) is Kubernetes' default.
const kwokConfig = `apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  bindAddress: 127.0.0.1
componentsPatches:
- name: kube-apiserver
  extraArgs:
  - key: service-cluster-ip-range
    value: 10.0.0.0/16
- name: kube-controller-manager
  extraArgs:
  - key: horizontal-pod-autoscaler-sync-period
    value: 5s
`

func (k kwokctl) create(ctx context.Context, name string) error {
	config := filepath.Join(k.workDir, "kwokctl-config.yaml")
	if err := os.MkdirAll(k.workDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(config, []byte(kwokConfig), 0o644); err != nil {
		return err
	}
	_, err := k.run(ctx, "create", "cluster",
		"--config", config,
		"--name", name,
		"--runtime", "binary",
		"--kubeconfig", filepath.Join(k.workDir, "kwokctl.kubeconfig"),
		"--kube-apiserver-binary", k.tools.KubeAPIServer,
		"--kube-controller-manager-binary", k.tools.KubeControllerManager,
		"--kube-scheduler-binary", k.tools.KubeScheduler,
		"--etcd-binary", k.tools.Etcd,
		"--kwok-controller-binary", k.tools.Kwok,
		"--disable-qps-limits",
		"--wait", "2m",
	)
	return err
}

func (k kwokctl) start(ctx context.Context, name string) error {
	_, err := k.run(ctx, "start", "cluster", "--name", name, "--wait", "2m")
	return err
}

func (k kwokctl) delete(ctx context.Context, name string) error {
	_, err := k.run(ctx, "delete", "cluster", "--name", name,
		"--kubeconfig", filepath.Join(k.workDir, "kwokctl.kubeconfig"))
	return err
}

func (k kwokctl) kubeconfig(ctx context.Context, name string) ([]byte, error) {
	out, err := k.run(ctx, "get", "kubeconfig", "--name", name)
	return []byte(out), err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (k kwokctl) stop(ctx context.Context, name string) error {
	_, err := k.run(ctx, "stop", "cluster", "--name", name)
	return err
}
