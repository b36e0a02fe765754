package devenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"
)

// Breaking a cluster's data plane on purpose: the load balancer stand-in
// (RunLoadBalancer, a detached process) reads a state file in the
// environment's directory, and while it names a cluster, that cluster's
// load balancers refuse connections, as when its nodes or network are down.
// Pods, Services and the control plane are untouched, so only data-plane
// evidence (health checks) can notice.

// endpointFailuresFile holds, per cluster, until when its endpoints fail.
const endpointFailuresFile = "endpoint-failures.json"

// endpointFailures is the state file's content: cluster -> until (the zero
// time: until restored).
type endpointFailures map[string]time.Time

func (e *Environment) endpointFailuresPath() string {
	return filepath.Join(e.Dir, endpointFailuresFile)
}

// FailEndpoints breaks (on) or restores the data plane of an application
// cluster: while broken, its load balancers refuse connections. It takes
// effect in the load balancer stand-in within a fraction of a second.
func (e *Environment) FailEndpoints(cluster string, on bool) error {
	return e.updateEndpointFailures(cluster, func(f endpointFailures) {
		if on {
			f[cluster] = time.Time{}
		} else {
			delete(f, cluster)
		}
	})
}

// FailEndpointsFor breaks a cluster's data plane for d, after which it
// comes back by itself.
func (e *Environment) FailEndpointsFor(cluster string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("failing the endpoints of cluster %s for %s: the duration must be positive", cluster, d)
	}
	return e.updateEndpointFailures(cluster, func(f endpointFailures) { f[cluster] = time.Now().Add(d) })
}

// EndpointsFailed reports whether a cluster's data plane is broken now.
func (e *Environment) EndpointsFailed(cluster string) (bool, error) {
	f, err := readEndpointFailures(e.endpointFailuresPath())
	if err != nil {
		return false, err
	}
	return f.failed(cluster, time.Now()), nil
}

func (f endpointFailures) failed(cluster string, now time.Time) bool {
	until, ok := f[cluster]
	return ok && (until.IsZero() || now.Before(until))
}

// updateEndpointFailures changes the state file under an exclusive lock,
// so that concurrent tests do not lose each other's changes.
func (e *Environment) updateEndpointFailures(cluster string, change func(endpointFailures)) error {
	if !slices.ContainsFunc(e.Clusters, func(c AppCluster) bool { return c.Name == cluster }) {
		var names []string
		for _, c := range e.Clusters {
			names = append(names, c.Name)
		}
		return fmt.Errorf("failing endpoints: %q is not an application cluster of the environment in %s (it has %v)", cluster, e.Dir, names)
	}
	path := e.endpointFailuresPath()
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("locking %s: %w", lock.Name(), err)
	}
	f, err := readEndpointFailures(path)
	if err != nil {
		return err
	}
	change(f)
	now := time.Now()
	for c, until := range f { // drop lapsed entries
		if !f.failed(c, now) && !until.IsZero() {
			delete(f, c)
		}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path) // readers see the old file or the new one
}

func readEndpointFailures(path string) (endpointFailures, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return endpointFailures{}, nil
	}
	if err != nil {
		return nil, err
	}
	f := endpointFailures{}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// failureWatcher reads the state file for the load balancer stand-in, again
// only when it changed.
type failureWatcher struct {
	path string
	log  func(error)

	mu       sync.Mutex
	modified time.Time
	size     int64
	state    endpointFailures
}

// failed reports whether cluster's endpoints fail now. A file that cannot
// be read keeps the last state read.
func (w *failureWatcher) failed(cluster string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	fi, err := os.Stat(w.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		w.state, w.modified, w.size = nil, time.Time{}, 0
	case err != nil:
		w.log(err)
	case !fi.ModTime().Equal(w.modified) || fi.Size() != w.size:
		f, err := readEndpointFailures(w.path)
		if err != nil {
			w.log(err)
			break
		}
		w.state, w.modified, w.size = f, fi.ModTime(), fi.Size()
	}
	return w.state.failed(cluster, time.Now())
}

// failureWatcher returns, per cluster, the loopbacklb.Cluster.Failed of the
// load balancer stand-in, reading the state file FailEndpoints writes.
func (e *Environment) failureWatcher(log io.Writer) func(cluster string) func() bool {
	last := ""
	w := &failureWatcher{path: e.endpointFailuresPath(), log: func(err error) {
		if err.Error() != last { // it is polled: say each problem once
			last = err.Error()
			fmt.Fprintf(log, "endpoint failures: %v\n", err)
		}
	}}
	return func(cluster string) func() bool { return func() bool { return w.failed(cluster) } }
}
