//go:build scale

package scale

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// envCPU is the CPU time, in ticks, of the environment's processes (each
// cluster's API server, etcd, controller manager, scheduler and kwok) and
// of the manager, by "cluster/program", at a moment. On a 2-core machine
// running a dozen servers, the reaction times follow the CPU everything
// spends: comparing the floor's with convoy's says where convoy's
// overhead lands.
type envCPU struct {
	ticks map[string]uint64
	at    time.Time
}

// sampleEnvCPU reads /proc for the processes whose executable lies under
// the environment's directory, and the managers'.
func sampleEnvCPU(envDir string, managerPIDs []int) envCPU {
	s := envCPU{ticks: map[string]uint64{}, at: time.Now()}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		name := ""
		if slices.Contains(managerPIDs, pid) {
			name = "convoy-manager"
		} else if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && strings.HasPrefix(string(cmdline), envDir) {
			// argv[0], not /proc/PID/exe: the environment's binaries
			// link to the tools cache.
			exe, _, _ := strings.Cut(string(cmdline), "\x00")
			// .../clusters/<cluster>/bin/<program>
			cluster := filepath.Base(filepath.Dir(filepath.Dir(exe)))
			name = cluster + "/" + filepath.Base(exe)
		}
		if name == "" {
			continue
		}
		if t, ok := procTicks(pid); ok {
			s.ticks[name] += t
		}
	}
	return s
}

func procTicks(pid int) (uint64, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	str := string(data)
	fields := strings.Fields(str[strings.LastIndexByte(str, ')')+1:])
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	return utime + stime, err1 == nil && err2 == nil
}

// since sums the CPU seconds spent since the earlier sample, in total and
// by role: the management cluster's processes, the application clusters'
// API servers, their etcds, the rest of theirs, and the manager.
func (s envCPU) since(earlier envCPU) (total float64, byRole string) {
	roles := map[string]float64{}
	for name, t := range s.ticks {
		secs := float64(t-earlier.ticks[name]) / userHz
		total += secs
		roles[roleOf(name)] += secs
	}
	var keys []string
	for k := range roles {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return roles[keys[i]] > roles[keys[j]] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.0fs", k, roles[k]))
	}
	return total, strings.Join(parts, ", ")
}

func roleOf(name string) string {
	cluster, program, ok := strings.Cut(name, "/")
	switch {
	case !ok:
		return name
	case strings.HasSuffix(cluster, "-management"):
		return "management " + program
	}
	return "app " + program
}
