// Package dns is convoy's authoritative DNS server: it answers for the zones it
// is configured with, from an immutable snapshot of weighted record sets that
// the caller swaps in, never recursing.
//
// Traffic shifting works like Route53 weighted records: every A or AAAA query
// for a published hostname picks one endpoint at random in proportion to its
// weight and answers only that endpoint's addresses (or its CNAME target).
// Resolvers cache each answer for the record set's TTL, so the split is
// statistical over many resolvers and queries, not exact per client.
//
// What the server answers:
//
//   - inside its zones it is authoritative (AA set) and never recursive (RA
//     never set): SOA and NS at each apex, the published record sets, NODATA
//     for names that exist without records of the asked type (including empty
//     non-terminals), NXDOMAIN for the rest, with the zone's SOA in the
//     authority section for negative caching (RFC 2308);
//   - names outside every zone, zone transfers and classes other than IN are
//     REFUSED; opcodes other than QUERY get NOTIMP; messages without exactly
//     one question (or with more than one OPT record) get FORMERR; EDNS
//     versions other than 0 get BADVERS;
//   - messages with the QR bit set are responses, not queries, and are
//     dropped without an answer: answering them could make two servers
//     bounce packets at each other, or let a spoofed source use us as a
//     reflector;
//   - over UDP, an answer larger than the client's limit (512 bytes without
//     EDNS0, its advertised payload size with it) is truncated with TC set so
//     the client retries over TCP; over TCP answers are complete.
//
// Update validates each record set on its own: an invalid one is refused
// alone (its hostname keeps what it was served with before) and every other
// is served. Health-checked record sets answer only the addresses that
// Config.Health calls healthy, or every address when no endpoint has a
// healthy one (Route53's rule); Refresh applies a change of health without
// new records.
//
// The hot path builds responses directly in wire format from byte strings
// that Update precomputes once per snapshot, with owner names compressed to
// point at the question, so a query costs a map lookup, a weighted pick and a
// copy. github.com/miekg/dns parses the queries and serves TCP; UDP, where
// the volume is, has its own reader loop (udp.go) that reuses its buffers
// instead of starting a goroutine per packet.
package dns
