package manager

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// cgroupMemoryMax is where cgroup v2 puts the container's memory limit.
const cgroupMemoryMax = "/sys/fs/cgroup/memory.max"

// memoryLimitShare is the part of the container's limit the Go heap may
// grow to before the garbage collector works harder: the rest is for
// stacks, the binary and the runtime's own, so that the kernel never
// kills the manager for a heap that a collection would have shrunk.
const memoryLimitShare = 0.9

// SetMemoryLimit gives the Go runtime a soft memory limit of 90% of the
// container's cgroup limit, unless GOMEMLIMIT sets one: without it, the
// heap grows to twice what is live before a collection, and caches of a
// thousand applications' objects would take the container to its limit.
// It returns the limit set, 0 when none.
func SetMemoryLimit() int64 {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return 0
	}
	data, err := os.ReadFile(cgroupMemoryMax)
	if err != nil {
		return 0 // not in a cgroup v2 container
	}
	limit := softLimitOf(string(data))
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	return limit
}

// softLimitOf reads a memory.max value ("max" or a number of bytes) and
// returns the share of it to give the runtime, 0 for none.
func softLimitOf(memoryMax string) int64 {
	bytes, err := strconv.ParseInt(strings.TrimSpace(memoryMax), 10, 64)
	if err != nil || bytes <= 0 {
		return 0 // "max": no limit
	}
	return int64(float64(bytes) * memoryLimitShare)
}
