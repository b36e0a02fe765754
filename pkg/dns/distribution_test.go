package dns

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestWeightedDistribution sends 20,000 real UDP queries for a name split
// 1:9 and checks the light side's share is 10% ± 1.5 points. One standard
// deviation of the share is sqrt(0.1*0.9/20000) ≈ 0.21 points, so the bound
// is about 7σ: it fails on a wrong split, not on bad luck.
func TestWeightedDistribution(t *testing.T) {
	const (
		queries = 20000
		workers = 4
	)
	s, err := NewServer(Config{Zones: []string{"convoy.test."}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update([]RecordSet{{Hostname: "split.convoy.test", TTL: 30, Endpoints: []Endpoint{
		{Cluster: "eu-1", Release: "canary", Addresses: addrs("192.0.2.1"), Weight: 1},
		{Cluster: "eu-1", Release: "stable", Addresses: addrs("192.0.2.9"), Weight: 9},
	}}}).Err(); err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, s)

	var (
		mu     sync.Mutex
		counts = map[string]int{}
		wg     sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
			conn, err := c.Dial(addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			local := map[string]int{}
			q := newQuery("split.convoy.test.", dns.TypeA)
			for range queries / workers {
				q.Id = dns.Id()
				r, _, err := c.ExchangeWithConn(q, conn)
				if err != nil {
					t.Error(err)
					return
				}
				if len(r.Answer) != 1 {
					t.Errorf("%d answers, want 1", len(r.Answer))
					return
				}
				local[r.Answer[0].(*dns.A).A.String()]++
			}
			mu.Lock()
			defer mu.Unlock()
			for k, v := range local {
				counts[k] += v
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if counts["192.0.2.1"]+counts["192.0.2.9"] != queries {
		t.Fatalf("answers %v, want %d from the two endpoints", counts, queries)
	}
	share := 100 * float64(counts["192.0.2.1"]) / queries
	t.Logf("weight 1 of 10 got %.2f%% of %d answers", share, queries)
	if math.Abs(share-10) > 1.5 {
		t.Errorf("weight 1 of 10 got %.2f%% of the answers, want 10%% ± 1.5", share)
	}
}
