package devenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/convoy-rollouts/convoy/pkg/clusterjoin"
)

// Options configure an environment.
type Options struct {
	// Name prefixes every cluster and kubeconfig context ("convoy").
	Name string
	// Clusters are the application clusters, from ParseTopology.
	Clusters []AppCluster
	// Dir holds the environment's state; default DefaultDir(Name).
	Dir string
	// ToolsDir holds the tools built by hack/tools.sh.
	ToolsDir string
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
}

// Environment is a running local environment, as recorded in its directory.
type Environment struct {
	Name string `json:"name"`
	// Dir is the environment's state directory.
	Dir string `json:"dir"`
	// Kubeconfig has one context per cluster.
	Kubeconfig string `json:"kubeconfig"`
	// ManagementContext is the management cluster's context.
	ManagementContext string `json:"managementContext"`
	// Clusters are the application clusters.
	Clusters []AppCluster `json:"clusters"`
	// APIProxies are the loopback addresses (host:port) of each application
	// cluster's API proxy, by cluster name: convoy's path to its API server,
	// which CutAPI can cut. Their Cluster objects point there.
	APIProxies map[string]string `json:"apiProxies,omitempty"`
}

// Context is the kubeconfig context of the application cluster named name.
func (e *Environment) Context(name string) string { return e.Name + "-" + name }

// LoadBalancerPIDFile is where the loopback load balancer stand-in records
// its process, when it runs as one.
func (e *Environment) LoadBalancerPIDFile() string { return filepath.Join(e.Dir, "loadbalancer.pid") }

// DefaultDir is where an environment named name keeps its state, unless
// CONVOY_DEV_DIR names a base directory.
func DefaultDir(name string) string {
	base := os.Getenv("CONVOY_DEV_DIR")
	if base == "" {
		base = filepath.Join(cacheDir(), "convoy", "dev")
	}
	return filepath.Join(base, name)
}

func (o *Options) defaults() {
	if o.Name == "" {
		o.Name = "convoy"
	}
	if o.Dir == "" {
		o.Dir = DefaultDir(o.Name)
	}
	if o.ToolsDir == "" {
		o.ToolsDir = DefaultToolsDir()
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

const stateFile = "environment.json"

// Load reads the environment recorded in dir.
func Load(dir string) (*Environment, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, fmt.Errorf("no local environment in %s (run 'convoy dev up'): %w", dir, err)
	}
	env := &Environment{}
	if err := json.Unmarshal(data, env); err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, stateFile), err)
	}
	return env, nil
}

// Up starts whatever of the environment is not running yet and registers the
// application clusters. Running it again converges; it never recreates a
// running cluster.
func Up(ctx context.Context, opts Options) (*Environment, error) {
	opts.defaults()
	start := time.Now()
	progress := func(format string, args ...any) {
		fmt.Fprintf(opts.Progress, "[%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	tools, err := FindTools(opts.ToolsDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, err
	}
	old, err := Load(opts.Dir)
	if err != nil {
		old = &Environment{}
	}
	if old.Name != "" && !slices.EqualFunc(old.Clusters, opts.Clusters, sameCluster) {
		return nil, fmt.Errorf("environment %q in %s already has clusters %s; run 'convoy dev down' first to change them to %s",
			opts.Name, opts.Dir, clusterNames(old.Clusters), clusterNames(opts.Clusters))
	}
	env := &Environment{
		Name: opts.Name, Dir: opts.Dir, Kubeconfig: filepath.Join(opts.Dir, "kubeconfig"),
		ManagementContext: opts.Name + "-" + ManagementName, Clusters: opts.Clusters,
	}
	kwok := kwokctl{tools: tools, workDir: filepath.Join(opts.Dir, "kwok")}

	names := []string{ManagementName}
	for _, c := range opts.Clusters {
		names = append(names, c.Name)
	}
	if err := startClusters(ctx, kwok, env, names, progress); err != nil {
		return nil, err
	}
	if err := writeKubeconfig(ctx, kwok, env, names); err != nil {
		return nil, err
	}
	if env.APIProxies, err = assignAPIProxies(old.APIProxies, opts.Clusters); err != nil {
		return nil, err
	}

	mgmt, _, err := newClient(env.Kubeconfig, env.ManagementContext)
	if err != nil {
		return nil, err
	}
	if err := InstallCRDs(ctx, mgmt); err != nil {
		return nil, fmt.Errorf("management cluster: %w", err)
	}
	if err := createFakeNodes(ctx, mgmt, "management"); err != nil {
		return nil, fmt.Errorf("management cluster: %w", err)
	}
	progress("management cluster: CRDs installed, %d nodes", nodesPerCluster)

	for _, app := range opts.Clusters {
		// Join reads the cluster directly; convoy reaches it through its
		// API proxy.
		c, cfg, err := newClient(env.Kubeconfig, env.Context(app.Name))
		if err != nil {
			return nil, err
		}
		if err := createFakeNodes(ctx, c, app.Region); err != nil {
			return nil, fmt.Errorf("cluster %s: %w", app.Name, err)
		}
		if err := InstallGatewayAPICRDs(ctx, c); err != nil {
			return nil, fmt.Errorf("cluster %s: %w", app.Name, err)
		}
		err = clusterjoin.Join(ctx, mgmt, c, clusterjoin.Cluster{
			Name: app.Name, Region: app.Region, Capabilities: app.Capabilities, APIServerURL: env.APIProxyURL(app.Name), CAData: cfg.CAData,
		})
		if err != nil {
			return nil, err
		}
		progress("cluster %s (region %s): %d nodes, Gateway API CRDs, registered as Cluster %s through API proxy %s",
			app.Name, app.Region, nodesPerCluster, app.Name, env.APIProxies[app.Name])
	}

	data, _ := json.MarshalIndent(env, "", "  ")
	if err := os.WriteFile(filepath.Join(opts.Dir, stateFile), data, 0o644); err != nil {
		return nil, err
	}
	progress("environment %q ready", env.Name)
	return env, nil
}

// startClusters creates or restarts each cluster, one at a time: kwokctl
// picks each component's port by probing for a free one, so two creations
// at once can pick the same port.
func startClusters(ctx context.Context, kwok kwokctl, env *Environment, names []string, progress func(string, ...any)) error {
	existing, err := kwok.clusters(ctx)
	if err != nil {
		return err
	}
	for _, name := range names {
		err := func() error {
			kwokName := env.Name + "-" + name
			began := time.Now()
			if slices.Contains(existing, kwokName) {
				if err := kwok.start(ctx, kwokName); err != nil {
					return fmt.Errorf("cluster %s: %w", name, err)
				}
				progress("cluster %s: running (%.1fs)", name, time.Since(began).Seconds())
				return nil
			}
			progress("cluster %s: starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok", name)
			if err := kwok.create(ctx, kwokName); err != nil {
				return fmt.Errorf("cluster %s: %w", name, err)
			}
			progress("cluster %s: started (%.1fs)", name, time.Since(began).Seconds())
			return nil
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

func writeKubeconfig(ctx context.Context, kwok kwokctl, env *Environment, names []string) error {
	merged := clientcmdapi.NewConfig()
	for _, name := range names {
		raw, err := kwok.kubeconfig(ctx, env.Name+"-"+name)
		if err != nil {
			return err
		}
		if err := mergeKubeconfig(merged, env.Name+"-"+name, raw); err != nil {
			return err
		}
	}
	merged.CurrentContext = env.ManagementContext
	return clientcmd.WriteToFile(*merged, env.Kubeconfig)
}

// Down stops and deletes every cluster of the environment in dir, the load
// balancer stand-in, the API proxies, and the directory itself.
func Down(ctx context.Context, opts Options) error {
	opts.defaults()
	dirOnly := &Environment{Dir: opts.Dir}
	if err := stopProcess(dirOnly.LoadBalancerPIDFile(), "load balancer stand-in"); err != nil {
		return err
	}
	if err := stopProcess(dirOnly.APIProxyPIDFile(), "API proxies"); err != nil {
		return err
	}
	workDir := filepath.Join(opts.Dir, "kwok")
	if _, err := os.Stat(workDir); err == nil {
		tools, err := FindTools(opts.ToolsDir)
		if err != nil {
			return err
		}
		kwok := kwokctl{tools: tools, workDir: workDir}
		names, err := kwok.clusters(ctx)
		if err != nil {
			return err
		}
		// kwokctl signals the components and returns; wait for them so that
		// nothing is left running when Down returns.
		pids := componentPIDs(workDir)
		var errs []error
		for _, name := range names {
			fmt.Fprintf(opts.Progress, "deleting cluster %s\n", strings.TrimPrefix(name, opts.Name+"-"))
			errs = append(errs, kwok.delete(ctx, name))
		}
		errs = append(errs, waitExited(pids, 15*time.Second))
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	return os.RemoveAll(opts.Dir)
}

// stopProcess ends the detached process a pid file names, if it runs.
func stopProcess(pidFile, what string) error {
	pid, alive := ReadPID(pidFile)
	if !alive {
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stopping %s (pid %d): %w", what, pid, err)
	}
	return waitExited([]int{pid}, 5*time.Second)
}

// componentPIDs lists the live processes kwokctl started under workDir.
func componentPIDs(workDir string) []int {
	files, _ := filepath.Glob(filepath.Join(workDir, "clusters", "*", "pids", "*.pid"))
	var pids []int
	for _, f := range files {
		if pid, alive := ReadPID(f); alive {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitExited waits for processes to exit, killing those still there after
// timeout.
func waitExited(pids []int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var alive []int
		for _, pid := range pids {
			if syscall.Kill(pid, 0) == nil && !isZombie(pid) {
				alive = append(alive, pid)
			}
		}
		if len(alive) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			for _, pid := range alive {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// isZombie tells an exited child that its parent has not reaped yet.
func isZombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	i := strings.LastIndexByte(string(stat), ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// ReadPID reads a pid file and reports whether that process is alive.
func ReadPID(pidFile string) (int, bool) {
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return 0, false
	}
	var pid int
	if _, err := fmt.Sscanf(string(data), "%d", &pid); err != nil || pid <= 0 {
		return 0, false
	}
	return pid, syscall.Kill(pid, 0) == nil
}

func sameCluster(a, b AppCluster) bool { return a.Name == b.Name && a.Region == b.Region }

func clusterNames(cs []AppCluster) string {
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	return "[" + strings.Join(names, " ") + "]"
}
