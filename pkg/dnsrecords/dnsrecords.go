// Package dnsrecords holds what the writer and the readers of
// DNSRecordSets agree on: which record set owns a hostname when several
// claim it, how a server reports the generation it serves, and when a
// generation counts as served.
package dnsrecords

import (
	"context"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// HostnameIndex indexes DNSRecordSets by spec.hostname in a cache.
const HostnameIndex = "spec.hostname"

// IndexHostname is the HostnameIndex's function.
func IndexHostname(o client.Object) []string {
	return []string{Normalize(o.(*convoyv1alpha1.DNSRecordSet).Spec.Hostname)}
}

// Normalize is a hostname as convoy names and compares it: lower case,
// without the trailing dot.
func Normalize(hostname string) string {
	return strings.TrimSuffix(strings.ToLower(hostname), ".")
}

// Owner is the record set that owns its hostname among sets claiming the
// same one: the oldest, then the first by namespace, so every server and
// the traffic controller agree without talking to each other.
func Owner(sets []*convoyv1alpha1.DNSRecordSet) *convoyv1alpha1.DNSRecordSet {
	if len(sets) == 0 {
		return nil
	}
	return slices.MinFunc(sets, func(a, b *convoyv1alpha1.DNSRecordSet) int {
		if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
}

// Served reports whether every required server serves the record set's
// current generation, since when (the latest of them began), and which
// servers it still waits for. A server that refuses the generation does
// not serve it.
func Served(rs *convoyv1alpha1.DNSRecordSet, required []string) (bool, time.Time, []string) {
	var since time.Time
	var missing []string
	for _, name := range required {
		st := entry(rs, name)
		if st == nil || st.ObservedGeneration != rs.Generation || st.Refused != "" {
			missing = append(missing, name)
			continue
		}
		if t := st.Since.Time; t.After(since) {
			since = t
		}
	}
	return len(required) > 0 && len(missing) == 0, since, missing
}

// Refusals are the required servers that refuse the record set's current
// generation, with why, in the order of required.
func Refusals(rs *convoyv1alpha1.DNSRecordSet, required []string) []convoyv1alpha1.DNSServerStatus {
	var out []convoyv1alpha1.DNSServerStatus
	for _, name := range required {
		if st := entry(rs, name); st != nil && st.ObservedGeneration == rs.Generation && st.Refused != "" {
			out = append(out, *st)
		}
	}
	return out
}

func entry(rs *convoyv1alpha1.DNSRecordSet, server string) *convoyv1alpha1.DNSServerStatus {
	i := slices.IndexFunc(rs.Status.Servers, func(s convoyv1alpha1.DNSServerStatus) bool { return s.Name == server })
	if i < 0 {
		return nil
	}
	return &rs.Status.Servers[i]
}

// Serving reports whether server already reported that it serves the
// record set's current generation.
func Serving(rs *convoyv1alpha1.DNSRecordSet, server string) bool {
	return Reported(rs, server, "")
}

// Reported reports whether server's entry already says it serves the
// current generation (refused empty) or refuses it for that reason.
func Reported(rs *convoyv1alpha1.DNSRecordSet, server, refused string) bool {
	st := entry(rs, server)
	return st != nil && st.ObservedGeneration == rs.Generation && st.Refused == refused
}

// ReportServed records that server serves the record set's current
// generation since the given time.
func ReportServed(ctx context.Context, c client.Client, rs *convoyv1alpha1.DNSRecordSet, server string, since time.Time) error {
	return Report(ctx, c, rs, server, since, "")
}

// Report records that server serves the record set's current generation
// since the given time, or, with refused set, refuses it and why. It
// applies the server's own entry of status.servers with server-side
// apply, as the server's field manager, so servers never overwrite each
// other's entries.
func Report(ctx context.Context, c client.Client, rs *convoyv1alpha1.DNSRecordSet, server string, since time.Time, refused string) error {
	st := map[string]any{
		"name":               server,
		"observedGeneration": rs.Generation,
		"since":              metav1.NewTime(since).UTC().Format(time.RFC3339),
	}
	if refused != "" {
		st["refused"] = refused
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": convoyv1alpha1.GroupVersion.String(),
		"kind":       "DNSRecordSet",
		"metadata":   map[string]any{"name": rs.Name, "namespace": rs.Namespace},
		"status":     map[string]any{"servers": []any{st}},
	}}
	return c.Status().Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("convoy-dns/"+server), client.ForceOwnership)
}
