//go:build scale

package scale

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitSampler samples the manager's goroutines (pprof's goroutine
// profile) every second while a phase runs and counts, for the goroutines
// inside a Reconcile, where they are: the innermost convoy frame and the
// frame they are blocked in. The manager uses a fraction of a core during
// a rollout, so its reconciles wait; this says on what.
type waitSampler struct {
	url     string
	stop    chan struct{}
	done    sync.WaitGroup
	mu      sync.Mutex
	samples int
	counts  map[string]int
}

const pprofGoroutines = "/debug/pprof/goroutine?debug=1"

func (r *run) sampleWaits() *waitSampler {
	s := &waitSampler{url: "http://" + r.m.Metrics + pprofGoroutines, stop: make(chan struct{}), counts: map[string]int{}}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
				s.sample()
			}
		}
	}()
	return s
}

func (s *waitSampler) sample() {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(s.url)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return
	}
	counts := parseGoroutines(resp.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples++
	for k, n := range counts {
		s.counts[k] += n
	}
}

// parseGoroutines reads a debug=1 goroutine profile: records of "N @
// addresses" followed by "#\taddr\tfunction+off\tfile:line" frames,
// innermost first.
func parseGoroutines(r io.Reader) map[string]int {
	counts := map[string]int{}
	var n int
	var frames []string
	flush := func() {
		if n > 0 && len(frames) > 0 {
			if key, ok := waitKey(frames); ok {
				counts[key] += n
			}
		}
		n, frames = 0, nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "#"):
			f := strings.Fields(line)
			if len(f) >= 4 {
				fn := f[2]
				if i := strings.LastIndex(fn, "+0x"); i > 0 {
					fn = fn[:i]
				}
				frames = append(frames, fn+" "+shortFile(f[3]))
			}
		default:
			flush()
			fmt.Sscanf(line, "%d @", &n)
		}
	}
	flush()
	return counts
}

// waitKey names a reconciling goroutine's position: the frame it is
// blocked in (the first frame outside the runtime, sync and internal
// packages' bottom) and the innermost convoy frame.
func waitKey(frames []string) (string, bool) {
	reconciling := false
	for _, f := range frames {
		if strings.Contains(f, ").Reconcile ") && strings.Contains(f, "convoy-rollouts/convoy/pkg/controller") {
			reconciling = true
			break
		}
	}
	if !reconciling {
		return "", false
	}
	leaf := ""
	for _, f := range frames {
		fn := strings.Fields(f)[0]
		if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/") {
			continue
		}
		leaf = fn
		break
	}
	own := ""
	for _, f := range frames {
		if strings.Contains(f, "convoy-rollouts/convoy/") {
			own = strings.TrimPrefix(f, "github.com/convoy-rollouts/convoy/")
			break
		}
	}
	return fmt.Sprintf("%-60s ← %s", own, leaf), true
}

func shortFile(fileLine string) string {
	if i := strings.LastIndex(fileLine, "/"); i >= 0 {
		return fileLine[i+1:]
	}
	return fileLine
}

// report stops the sampler and logs the most frequent positions, as the
// mean number of reconciling goroutines found there per sample.
func (s *waitSampler) report(b *testing.B, phase string) {
	close(s.stop)
	s.done.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.samples == 0 {
		b.Logf("%s: no goroutine samples (is pprof served on the metrics address?)", phase)
		return
	}
	type row struct {
		key string
		n   int
	}
	var rows []row
	total := 0
	for k, n := range s.counts {
		rows = append(rows, row{k, n})
		total += n
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].n > rows[j].n })
	var out strings.Builder
	fmt.Fprintf(&out, "%s: reconciling goroutines, mean %.1f per sample over %d samples, where they are:\n", phase, float64(total)/float64(s.samples), s.samples)
	for i, r := range rows {
		if i == 25 {
			break
		}
		fmt.Fprintf(&out, "  %6.2f  %s\n", float64(r.n)/float64(s.samples), r.key)
	}
	b.Log(out.String())
}
