package dns

import (
	"math/rand/v2"
	"slices"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// recordSet holds the precomputed answers of a published hostname, one
// picker per query type.
type recordSet struct {
	a, aaaa, cname picker
	other          *picker // for other types: &cname when the name is only a CNAME, else nil
	// pending: the health checks have no verdict yet (withHealth).
	pending bool
}

func (rs *recordSet) picker(qtype uint16) *picker {
	switch qtype {
	case dns.TypeA:
		return &rs.a
	case dns.TypeAAAA:
		return &rs.aaaa
	case dns.TypeCNAME:
		return &rs.cname
	}
	return rs.other
}

// choice is one endpoint's answer to one query type, ready to copy into a
// response.
type choice struct {
	rrs     []byte // answer records, owners pointing at the question
	count   uint16
	counter prometheus.Counter // answers served; nil without metrics
}

type candidate struct {
	weight uint32
	choice *choice
}

// picker chooses a choice at random in proportion to the weights, with
// Route53's weighted semantics: zero weights are never chosen while any
// weight is non-zero, and all-zero weights mean equal chances.
type picker struct {
	choices []*choice
	cum     []uint64 // cumulative weights, parallel to choices; nil for equal chances
}

func newPicker(cands []candidate) picker {
	var p picker
	var total uint64
	for _, c := range cands {
		if c.weight > 0 {
			total += uint64(c.weight)
			p.choices = append(p.choices, c.choice)
			p.cum = append(p.cum, total)
		}
	}
	if total == 0 {
		p.cum = nil
		for _, c := range cands {
			p.choices = append(p.choices, c.choice)
		}
	}
	return p
}

// pick returns nil when there is no candidate.
func (p *picker) pick() *choice {
	switch {
	case len(p.choices) <= 1:
		if len(p.choices) == 0 {
			return nil
		}
		return p.choices[0]
	case p.cum == nil:
		return p.choices[rand.IntN(len(p.choices))]
	}
	// The first cumulative weight above x: choice i owns [cum[i-1], cum[i]).
	x := rand.Uint64N(p.cum[len(p.cum)-1])
	i, _ := slices.BinarySearch(p.cum, x+1)
	return p.choices[i]
}
