package dns

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Endpoint is one weighted target of a record set: a load balancer of one
// release in one cluster.
type Endpoint struct {
	Cluster   string       // for metrics labels and logs
	Release   string       // for metrics labels and logs
	Addresses []netip.Addr // A / AAAA targets (a load balancer's IPs)
	Hostname  string       // CNAME target instead of Addresses (a load balancer with a hostname); exactly one of the two is set
	Weight    uint32
}

// RecordSet is a published hostname and the endpoints its answers are drawn
// from.
type RecordSet struct {
	Hostname  string // FQDN, case-insensitive, trailing dot optional
	TTL       uint32 // seconds
	Endpoints []Endpoint
	// HealthChecked says the endpoints' addresses are health checked: the
	// server answers only the addresses its Config.Health calls healthy,
	// unless no endpoint has one (see Health).
	HealthChecked bool
	// Invalid refuses the record set with this error, as if it had failed
	// validation: for a caller whose own conversion of it failed, so that
	// the hostname keeps the records served before, like any refused set.
	Invalid error
	// Fallback, when set, is the name answered with a CNAME when no
	// endpoint can answer: there is none, or none has a healthy address
	// (instead of answering all of them, or SERVFAIL while their health is
	// unknown). A regional name falls back to the global one this way.
	Fallback string
}

// Health tells which addresses pass their health checks.
type Health interface {
	// Health says whether addr, an address of an endpoint of hostname
	// (lower case, without the trailing dot), passes its health checks.
	// Addresses nobody checks are Healthy.
	Health(hostname string, addr netip.Addr) HealthState
}

// HealthState is an address's verdict.
type HealthState int

const (
	// HealthUnknown: its first check has not finished (a server that just
	// started, an address just published).
	HealthUnknown HealthState = iota
	Healthy
	Unhealthy
)

// Result is what Update did with the record sets it was not able to serve
// as given; every other set is served.
type Result struct {
	// Ignored are the hostnames in none of the zones; their endpoints are
	// not validated.
	Ignored []string
	// Refused are the invalid record sets. Each is refused alone: its
	// hostname keeps the records it was served with before, if any, and
	// every other hostname is served.
	Refused []Refusal
}

// Refusal is a record set Update refused.
type Refusal struct {
	Index    int    // in Update's argument
	Hostname string // as given
	Err      error
}

const (
	// maxTTL is the largest TTL RFC 2181 section 8 allows.
	maxTTL = 1<<31 - 1
	// maxAddresses is about how many A records fit a 64 KiB TCP message.
	maxAddresses = 4000
)

// snapshot is everything a query reads. It is never modified after Update
// publishes it, so queries read it without locks.
type snapshot struct {
	// loaded is false for the empty snapshot a server starts with, until
	// its first Update: a name in the zones is then unknown, not absent.
	loaded bool
	serial uint32
	digest [sha256.Size]byte // of the served content, to skip no-op updates
	nodes  map[string]*node  // canonical name -> node: apexes, published names, empty non-terminals
	zones  []zoneRecords     // indexed by zone.index
	labels map[answerLabels]struct{}
	// checked are the endpoints whose health is exported.
	checked map[answerLabels]struct{}
}

// zoneRecords are a zone's apex records for one snapshot's serial.
type zoneRecords struct {
	zone    *zone
	soa     []byte // SOA record without its owner name
	ns      []byte // NS records owned by the question's name
	nsCount uint16
}

// node is a name that exists in a zone. An empty non-terminal has neither
// apex nor set.
type node struct {
	zone *zoneRecords
	apex bool
	set  *recordSet
}

// Update validates sets and atomically replaces the served records with
// them. It refuses each invalid set alone (see Result); the SOA serial
// increases whenever the served records change.
func (s *Server) Update(sets []RecordSet) Result {
	s.updateMu.Lock()
	defer s.updateMu.Unlock()

	served, res := s.validate(sets, s.served)
	s.served = served
	s.publish()
	return res
}

// Refresh applies the current health of the addresses (Config.Health) to
// the record sets last given to Update: a health checker calls it when an
// address changes state, so that answers change with no other round trip.
func (s *Server) Refresh() {
	s.updateMu.Lock()
	defer s.updateMu.Unlock()
	s.publish()
}

// publish swaps in a snapshot of s.served as health has it now, unless it
// would serve the same as the current one. updateMu must be held.
func (s *Server) publish() {
	effective := s.withHealth(s.served)
	old := s.snap.Load()
	if old.loaded && digest(effective) == old.digest {
		return
	}
	snap := s.build(effective, nextSerial(old.serial))
	snap.loaded = true
	s.snap.Store(snap)
	s.metrics.forget(old, snap)
}

// servedSet is a validated record set in canonical form.
type servedSet struct {
	name      string
	zone      *zone
	ttl       uint32
	checked   bool
	endpoints []Endpoint // addresses unmapped, hostnames canonical
	fallback  string     // canonical, "" for none

	// Set by withHealth: answering are the endpoints answers are drawn
	// from, with their healthy addresses; unhealthy, parallel to
	// endpoints, says which have none (nil when the set is not checked).
	answering []Endpoint
	unhealthy []bool
	// pending: no endpoint is healthy and some are not checked yet.
	pending bool
}

// validate canonicalises sets. A set that fails is refused alone: its
// hostname keeps its version in previous, if any.
func (s *Server) validate(sets []RecordSet, previous []servedSet) ([]servedSet, Result) {
	var res Result
	refuse := func(i int, err error) {
		res.Refused = append(res.Refused, Refusal{Index: i, Hostname: sets[i].Hostname, Err: err})
	}
	seen := make(map[string]int, len(sets))
	byName := make(map[string]servedSet, len(sets))
	var refusedNames []string
	for i, rs := range sets {
		name, err := canonicalName(rs.Hostname)
		if err != nil {
			refuse(i, fmt.Errorf("dns: record set %d: invalid hostname %q: %w", i, rs.Hostname, err))
			continue
		}
		z := s.zoneOf([]byte(name))
		if z == nil {
			res.Ignored = append(res.Ignored, rs.Hostname)
			continue
		}
		if j, dup := seen[name]; dup {
			// The first keeps the name: a later set cannot take it over.
			refuse(i, fmt.Errorf("dns: record sets %d and %d both publish hostname %q", j, i, name))
			continue
		}
		seen[name] = i
		set, err := canonicalSet(rs, name, z)
		if err != nil {
			refuse(i, err)
			refusedNames = append(refusedNames, name)
			continue
		}
		byName[name] = set
	}
	for _, name := range refusedNames {
		if i := slices.IndexFunc(previous, func(p servedSet) bool { return p.name == name }); i >= 0 {
			byName[name] = previous[i]
		}
	}
	served := make([]servedSet, 0, len(byName))
	for _, set := range byName {
		served = append(served, set)
	}
	slices.SortFunc(served, func(a, b servedSet) int { return strings.Compare(a.name, b.name) })
	return served, res
}

// canonicalSet validates one record set of zone z, named name.
func canonicalSet(rs RecordSet, name string, z *zone) (servedSet, error) {
	if rs.Invalid != nil {
		return servedSet{}, fmt.Errorf("dns: record set %q: %w", name, rs.Invalid)
	}
	if rs.TTL > maxTTL {
		return servedSet{}, fmt.Errorf("dns: record set %q: TTL %d is above the maximum %d", name, rs.TTL, maxTTL)
	}
	set := servedSet{name: name, zone: z, ttl: rs.TTL, checked: rs.HealthChecked, endpoints: make([]Endpoint, len(rs.Endpoints))}
	if rs.Fallback != "" {
		fallback, err := canonicalName(rs.Fallback)
		switch {
		case err != nil:
			return servedSet{}, fmt.Errorf("dns: record set %q: invalid fallback %q: %w", name, rs.Fallback, err)
		case fallback == name:
			return servedSet{}, fmt.Errorf("dns: record set %q: falls back to itself", name)
		case name == z.name:
			return servedSet{}, fmt.Errorf("dns: record set %q: a fallback CNAME at a zone apex; an apex can only publish addresses", name)
		}
		set.fallback = fallback
	}
	for j, ep := range rs.Endpoints {
		ep, err := canonicalEndpoint(ep, name == z.name)
		if err != nil {
			return servedSet{}, fmt.Errorf("dns: record set %q: endpoint %d (cluster %q, release %q): %w", name, j, ep.Cluster, ep.Release, err)
		}
		set.endpoints[j] = ep
	}
	return set, nil
}

// withHealth is what sets serve as the addresses' health is now, with
// Route53's semantics: an endpoint answers only its healthy addresses and
// leaves the answers when it has none, unless no endpoint of the hostname
// has one: then every endpoint answers as if all were healthy, because an
// empty answer is an outage for sure and the checks may be what is wrong.
// That rule waits for the verdicts, though: while no endpoint is healthy
// and some are not checked yet, the name answers SERVFAIL (pending), so
// that an address known to fail is never answered because the others are
// merely unknown, as right after a server starts.
// CNAME endpoints are not checked (there is no address to probe).
//
// A set with a fallback answers a CNAME to it instead whenever no endpoint
// answers: it has none, or none is healthy (known or not yet).
func (s *Server) withHealth(sets []servedSet) []servedSet {
	out := make([]servedSet, len(sets))
	for i, set := range sets {
		out[i] = set
		out[i].answering = set.endpoints
		if set.checked && s.health != nil {
			s.checkHealth(&out[i])
		}
		if set.fallback != "" && (len(out[i].answering) == 0 || out[i].pending || out[i].allUnhealthy()) {
			out[i].answering = []Endpoint{{Hostname: set.fallback, Weight: 1}}
			out[i].pending = false
		}
	}
	return out
}

// allUnhealthy reports that every endpoint of a checked set is unhealthy.
func (set *servedSet) allUnhealthy() bool {
	if set.unhealthy == nil {
		return false
	}
	for _, bad := range set.unhealthy {
		if !bad {
			return false
		}
	}
	return true
}

// checkHealth sets a checked set's answering endpoints by their health.
func (s *Server) checkHealth(set *servedSet) {
	host := trimDot(set.name)
	healthy := make([]Endpoint, 0, len(set.endpoints))
	set.unhealthy = make([]bool, len(set.endpoints))
	unknown := false
	for j, ep := range set.endpoints {
		if ep.Hostname != "" {
			healthy = append(healthy, ep)
			continue
		}
		var up []netip.Addr
		for _, a := range ep.Addresses {
			switch s.health.Health(host, a) {
			case Healthy:
				up = append(up, a)
			case HealthUnknown:
				unknown = true
			}
		}
		if len(up) == 0 {
			set.unhealthy[j] = true
			continue
		}
		ep.Addresses = up
		healthy = append(healthy, ep)
	}
	switch {
	case len(healthy) > 0:
		set.answering = healthy
	case unknown:
		set.answering, set.pending = nil, true
	}
}

func canonicalEndpoint(ep Endpoint, atApex bool) (Endpoint, error) {
	switch {
	case len(ep.Addresses) > 0 && ep.Hostname != "":
		return ep, fmt.Errorf("both Addresses and Hostname %q are set; an endpoint is either addresses or a CNAME target", ep.Hostname)
	case len(ep.Addresses) == 0 && ep.Hostname == "":
		return ep, fmt.Errorf("neither Addresses nor Hostname is set")
	case ep.Hostname != "":
		if atApex {
			// RFC 1034: a CNAME cannot live beside the apex's SOA and NS.
			return ep, fmt.Errorf("CNAME target %q at a zone apex; an apex can only publish addresses", ep.Hostname)
		}
		target, err := canonicalName(ep.Hostname)
		if err != nil {
			return ep, fmt.Errorf("invalid Hostname %q: %w", ep.Hostname, err)
		}
		ep.Hostname = target
		return ep, nil
	}
	if len(ep.Addresses) > maxAddresses {
		return ep, fmt.Errorf("%d addresses, more than the %d a DNS message can carry", len(ep.Addresses), maxAddresses)
	}
	addrs := make([]netip.Addr, len(ep.Addresses))
	for i, a := range ep.Addresses {
		switch {
		case !a.IsValid():
			return ep, fmt.Errorf("address %d is the zero netip.Addr", i)
		case a.Zone() != "":
			return ep, fmt.Errorf("address %s has an IPv6 zone, which DNS cannot carry", a)
		}
		// An IPv4-mapped IPv6 address is an IPv4 address; serve it as A.
		addrs[i] = a.Unmap()
	}
	ep.Addresses = addrs
	return ep, nil
}

// digest identifies the served content, independent of the order of sets
// and endpoints, which does not change answers. It covers the endpoints'
// health, which the metrics export.
func digest(sets []servedSet) [sha256.Size]byte {
	h := sha256.New()
	var b []byte
	for _, set := range sets { // sorted by validate
		b = fmt.Appendf(b[:0], "%s\x00%d\x00%d\x00%v\x00%t\x00", set.name, set.ttl, len(set.answering), set.unhealthy, set.pending)
		h.Write(b)
		eps := make([]string, len(set.answering))
		for i, ep := range set.answering {
			eps[i] = fmt.Sprintf("%q %q %q %d %v", ep.Cluster, ep.Release, ep.Hostname, ep.Weight, ep.Addresses)
		}
		slices.Sort(eps)
		for _, ep := range eps {
			h.Write([]byte(ep))
			h.Write([]byte{0})
		}
	}
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}

// nextSerial is the current Unix time, or one more than prev when the clock
// has not moved past it (several updates in a second, or a clock step back),
// so serials increase within a process and usually across restarts.
func nextSerial(prev uint32) uint32 {
	now := uint32(time.Now().Unix())
	if int32(now-prev) > 0 { // RFC 1982 serial arithmetic
		return now
	}
	return prev + 1
}

// build makes the snapshot serving sets, which validate and withHealth
// produced.
func (s *Server) build(sets []servedSet, serial uint32) *snapshot {
	snap := &snapshot{
		serial:  serial,
		digest:  digest(sets),
		nodes:   make(map[string]*node, len(s.zones)+2*len(sets)),
		zones:   make([]zoneRecords, len(s.zones)),
		labels:  make(map[answerLabels]struct{}),
		checked: make(map[answerLabels]struct{}),
	}
	for _, z := range s.zones {
		zr := &snap.zones[z.index]
		zr.zone = z
		zr.soa = soaRecord(z, serial)
		for _, ns := range z.nameservers {
			zr.ns = appendNameRR(zr.ns, dns.TypeNS, nsTTL, ns)
			zr.nsCount++
		}
		snap.nodes[z.name] = &node{zone: zr, apex: true}
	}
	for _, set := range sets {
		for j, ep := range set.endpoints {
			if set.unhealthy != nil {
				s.metrics.endpointHealth(snap, set.name, ep.Cluster, ep.Release, !set.unhealthy[j])
			}
		}
		rs := s.buildSet(snap, set)
		if n := snap.nodes[set.name]; n != nil && n.apex {
			n.set = rs
			continue
		}
		snap.nodes[set.name] = &node{zone: &snap.zones[set.zone.index], set: rs}
	}
	// Names between a published name (or a nested zone's apex) and the
	// apex above it exist (RFC 8020): they answer NODATA, not NXDOMAIN, or
	// resolvers doing QNAME minimisation would conclude the names below
	// cannot exist.
	for _, set := range sets {
		snap.addEmptyNonTerminals(set.name, set.zone)
	}
	for _, z := range s.zones {
		if up := s.zoneOf([]byte(parent(z.name))); up != nil {
			snap.addEmptyNonTerminals(z.name, up)
		}
	}
	return snap
}

// addEmptyNonTerminals adds the names strictly between name and the apex
// of z, its zone, that do not exist yet.
func (snap *snapshot) addEmptyNonTerminals(name string, z *zone) {
	for name := parent(name); len(name) > len(z.name); name = parent(name) {
		if snap.nodes[name] == nil {
			snap.nodes[name] = &node{zone: &snap.zones[z.index]}
		}
	}
}

// buildSet precomputes the answers of one record set.
func (s *Server) buildSet(snap *snapshot, set servedSet) *recordSet {
	var a, aaaa, cname []candidate
	for _, ep := range set.answering {
		counter := s.metrics.answerCounter(snap, set.name, ep.Cluster, ep.Release)
		if ep.Hostname != "" {
			c := candidate{weight: ep.Weight, choice: &choice{
				rrs:     appendNameRR(nil, dns.TypeCNAME, set.ttl, ep.Hostname),
				count:   1,
				counter: counter,
			}}
			a, aaaa, cname = append(a, c), append(aaaa, c), append(cname, c)
			continue
		}
		v4, v6 := &choice{counter: counter}, &choice{counter: counter}
		for _, addr := range ep.Addresses {
			c := v6
			if addr.Is4() {
				c = v4
			}
			c.rrs = appendAddrRR(c.rrs, set.ttl, addr)
			c.count++
		}
		if v4.count > 0 {
			a = append(a, candidate{weight: ep.Weight, choice: v4})
		}
		if v6.count > 0 {
			aaaa = append(aaaa, candidate{weight: ep.Weight, choice: v6})
		}
	}
	rs := &recordSet{a: newPicker(a), aaaa: newPicker(aaaa), cname: newPicker(cname), pending: set.pending}
	if len(cname) > 0 && len(cname) == len(set.answering) {
		// A name that is only ever a CNAME answers every type with it
		// (RFC 1034 section 3.6.2); a mixed set has no consistent answer for
		// other types and gives NODATA.
		rs.other = &rs.cname
	}
	return rs
}

// Err joins the refusals' errors; nil when every set given was served.
func (r Result) Err() error {
	errs := make([]error, len(r.Refused))
	for i, ref := range r.Refused {
		errs[i] = ref.Err
	}
	return errors.Join(errs...)
}
