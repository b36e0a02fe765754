package dns

import (
	"errors"
	"sync/atomic"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the server's Prometheus counters. A nil *metrics (no
// Registerer) turns every method into a no-op.
type metrics struct {
	queries *prometheus.CounterVec
	answers *prometheus.CounterVec
	healthy *prometheus.GaugeVec

	// byType caches the queries counters, so the hot path indexes an array
	// instead of hashing label values on every query.
	byType [len(typeLabels)][len(rcodeLabels)]atomic.Pointer[prometheus.Counter]
}

// The label values of convoy_dns_queries_total are a fixed list, so a
// client cannot blow up the series count by asking for every type.
var (
	typeLabels = [...]string{
		"A", "AAAA", "CNAME", "SOA", "NS", "MX", "TXT", "SRV", "PTR", "CAA",
		"HTTPS", "SVCB", "DS", "DNSKEY", "ANY", "AXFR", "IXFR", "other", "none",
	}
	rcodeLabels = [...]string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "BADVERS", "other"}
)

func typeIndex(qtype uint16, hasQuestion bool) int {
	if !hasQuestion {
		return len(typeLabels) - 1
	}
	switch qtype {
	case dns.TypeA:
		return 0
	case dns.TypeAAAA:
		return 1
	case dns.TypeCNAME:
		return 2
	case dns.TypeSOA:
		return 3
	case dns.TypeNS:
		return 4
	case dns.TypeMX:
		return 5
	case dns.TypeTXT:
		return 6
	case dns.TypeSRV:
		return 7
	case dns.TypePTR:
		return 8
	case dns.TypeCAA:
		return 9
	case dns.TypeHTTPS:
		return 10
	case dns.TypeSVCB:
		return 11
	case dns.TypeDS:
		return 12
	case dns.TypeDNSKEY:
		return 13
	case dns.TypeANY:
		return 14
	case dns.TypeAXFR:
		return 15
	case dns.TypeIXFR:
		return 16
	}
	return len(typeLabels) - 2
}

func rcodeIndex(rcode int) int {
	switch rcode {
	case dns.RcodeSuccess:
		return 0
	case dns.RcodeFormatError:
		return 1
	case dns.RcodeServerFailure:
		return 2
	case dns.RcodeNameError:
		return 3
	case dns.RcodeNotImplemented:
		return 4
	case dns.RcodeRefused:
		return 5
	case dns.RcodeBadVers:
		return 6
	}
	return len(rcodeLabels) - 1
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	queries, err := register(reg, "convoy_dns_queries_total", prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "convoy_dns_queries_total",
		Help: "DNS queries answered by convoy's authoritative server, by query type and response code.",
	}, []string{"type", "rcode"}))
	if err != nil {
		return nil, err
	}
	answers, err := register(reg, "convoy_dns_answers_total", prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "convoy_dns_answers_total",
		Help: "Weighted answers served per published hostname and endpoint (cluster, release).",
	}, []string{"hostname", "cluster", "release"}))
	if err != nil {
		return nil, err
	}
	healthy, err := register(reg, "convoy_dns_endpoint_healthy", prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "convoy_dns_endpoint_healthy",
		Help: "1 while a health-checked endpoint (cluster, release) of a hostname has an address that passes its health checks, else 0.",
	}, []string{"hostname", "cluster", "release"}))
	if err != nil {
		return nil, err
	}
	return &metrics{queries: queries, answers: answers, healthy: healthy}, nil
}

// register reuses a collector that is already registered, so that several
// servers (tests, a restart in the same process) can share a registry.
func register[C prometheus.Collector](reg prometheus.Registerer, name string, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c, nil
	case errors.As(err, &are):
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, errors.Join(errors.New("dns: register metric "+name), err)
}

func (m *metrics) query(qtype uint16, hasQuestion bool, rcode int) {
	if m == nil {
		return
	}
	slot := &m.byType[typeIndex(qtype, hasQuestion)][rcodeIndex(rcode)]
	c := slot.Load()
	if c == nil {
		// Racing first uses resolve the same child; either store is fine.
		counter := m.queries.WithLabelValues(typeLabels[typeIndex(qtype, hasQuestion)], rcodeLabels[rcodeIndex(rcode)])
		c = &counter
		slot.Store(c)
	}
	(*c).Inc()
}

// answerLabels identify one convoy_dns_answers_total series.
type answerLabels struct {
	hostname, cluster, release string
}

// answerCounter resolves the counter of an endpoint of a snapshot being
// built and records its labels in the snapshot, so that a later Update can
// delete the series of endpoints it no longer serves.
func (m *metrics) answerCounter(snap *snapshot, hostname, cluster, release string) prometheus.Counter {
	if m == nil {
		return nil
	}
	l := answerLabels{trimDot(hostname), cluster, release}
	snap.labels[l] = struct{}{}
	return m.answers.WithLabelValues(l.hostname, l.cluster, l.release)
}

// endpointHealth exports whether a health-checked endpoint of a snapshot
// being built is healthy, and records its labels in the snapshot.
func (m *metrics) endpointHealth(snap *snapshot, hostname, cluster, release string, healthy bool) {
	if m == nil {
		return
	}
	l := answerLabels{trimDot(hostname), cluster, release}
	snap.checked[l] = struct{}{}
	v := 0.0
	if healthy {
		v = 1
	}
	m.healthy.WithLabelValues(l.hostname, l.cluster, l.release).Set(v)
}

// forget deletes the series of endpoints that old served (or checked) and
// current does not, which keeps the metrics bounded by what is published.
func (m *metrics) forget(old, current *snapshot) {
	if m == nil {
		return
	}
	for l := range old.labels {
		if _, ok := current.labels[l]; !ok {
			m.answers.DeleteLabelValues(l.hostname, l.cluster, l.release)
		}
	}
	for l := range old.checked {
		if _, ok := current.checked[l]; !ok {
			m.healthy.DeleteLabelValues(l.hostname, l.cluster, l.release)
		}
	}
}
