package devenv

import (
	"bufio"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// versionsEnv is the one place tool versions are set; hack/tools.sh builds
// the tools from it.
//
//go:embed versions.env
var versionsEnv string

// Versions of the environment's tools, keyed like versions.env.
var Versions = parseVersions(versionsEnv)

func parseVersions(env string) map[string]string {
	versions := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(env))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			versions[k] = v
		}
	}
	return versions
}

// DefaultToolsDir is where hack/tools.sh builds the tools unless
// CONVOY_TOOLS_DIR says otherwise.
func DefaultToolsDir() string {
	if dir := os.Getenv("CONVOY_TOOLS_DIR"); dir != "" {
		return dir
	}
	return filepath.Join(cacheDir(), "convoy", "tools")
}

func cacheDir() string {
	if dir := os.Getenv("XDG_CACHE_HOME"); dir != "" {
		return dir
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return os.TempDir()
	}
	return filepath.Join(home, ".cache")
}

// Tools are the binaries the environment runs.
type Tools struct {
	KubeAPIServer         string
	KubeControllerManager string
	KubeScheduler         string
	Kubectl               string
	Etcd                  string
	Kwok                  string
	Kwokctl               string
}

// FindTools locates the tools of the pinned versions in dir and reports every
// missing one, with the command that builds them.
func FindTools(dir string) (Tools, error) {
	kube := filepath.Join(dir, "kubernetes-"+Versions["KUBE_VERSION"])
	etcd := filepath.Join(dir, "etcd-"+Versions["ETCD_VERSION"])
	kwok := filepath.Join(dir, "kwok-"+Versions["KWOK_VERSION"])
	t := Tools{
		KubeAPIServer:         filepath.Join(kube, "kube-apiserver"),
		KubeControllerManager: filepath.Join(kube, "kube-controller-manager"),
		KubeScheduler:         filepath.Join(kube, "kube-scheduler"),
		Kubectl:               filepath.Join(kube, "kubectl"),
		Etcd:                  filepath.Join(etcd, "etcd"),
		Kwok:                  filepath.Join(kwok, "kwok"),
		Kwokctl:               filepath.Join(kwok, "kwokctl"),
	}
	var missing []string
	for _, p := range []string{t.KubeAPIServer, t.KubeControllerManager, t.KubeScheduler, t.Kubectl, t.Etcd, t.Kwok, t.Kwokctl} {
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return t, fmt.Errorf("local environment tools missing (%s): run 'make tools' (a cold build takes 15-20 minutes)", strings.Join(missing, ", "))
	}
	return t, nil
}

// FindPrometheus locates the Prometheus server of the pinned version in
// dir, which analysis checks query in the tests and the demo.
func FindPrometheus(dir string) (string, error) {
	p := filepath.Join(dir, "prometheus-"+Versions["PROMETHEUS_VERSION"], "prometheus")
	if _, err := os.Stat(p); err != nil {
		return p, fmt.Errorf("prometheus %s missing (%s): run 'make tools' (a cold build takes about 4 minutes)", Versions["PROMETHEUS_VERSION"], p)
	}
	return p, nil
}
