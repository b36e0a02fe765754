package traffic

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/dnsrecords"
)

// externalDNS is the name external-dns is known by in a record set's
// status.servers: the traffic controller reports for it once the
// DNSEndpoint's observedGeneration caught up.
const externalDNS = "external-dns"

// DNSEndpointKind is external-dns's DNSEndpoint, written as unstructured
// objects: convoy needs four fields of it, not external-dns's module.
var DNSEndpointKind = schema.GroupVersionKind{Group: "externaldns.k8s.io", Version: "v1alpha1", Kind: "DNSEndpoint"}

// syncDNSEndpoint writes the record set as a DNSEndpoint of the same name,
// one endpoint per (cluster, release) and record type, each with its
// set identifier and aws/weight, and reports the record set served by
// external-dns once the DNSEndpoint's observedGeneration caught up.
func (r *Reconciler) syncDNSEndpoint(ctx context.Context, app string, rs *convoyv1alpha1.DNSRecordSet) error {
	want := dnsEndpointSpec(rs)
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(DNSEndpointKind)
	err := r.Get(ctx, client.ObjectKeyFromObject(rs), live)
	switch {
	case client.IgnoreNotFound(err) != nil:
		return fmt.Errorf("reading DNSEndpoint %s/%s: %w", rs.Namespace, rs.Name, err)
	case err != nil:
		live.SetName(rs.Name)
		live.SetNamespace(rs.Namespace)
		live.SetLabels(map[string]string{convoyv1alpha1.LabelApplication: app, convoyv1alpha1.LabelManagedBy: convoyv1alpha1.ManagedByConvoy})
		live.Object["spec"] = want
		if err := controllerutil.SetControllerReference(rs, live, r.Scheme()); err != nil {
			return err
		}
		if err := r.Create(ctx, live); err != nil {
			return fmt.Errorf("creating DNSEndpoint %s/%s: %w", rs.Namespace, rs.Name, err)
		}
		return nil
	case !equality.Semantic.DeepEqual(live.Object["spec"], want):
		live.Object["spec"] = want
		if err := r.Update(ctx, live); err != nil {
			return fmt.Errorf("updating DNSEndpoint %s/%s: %w", rs.Namespace, rs.Name, err)
		}
		return nil
	}
	observed, _, _ := unstructured.NestedInt64(live.Object, "status", "observedGeneration")
	if observed < live.GetGeneration() || dnsrecords.Serving(rs, externalDNS) {
		return nil
	}
	return dnsrecords.ReportServed(ctx, r.Client, rs, externalDNS, r.now())
}

// dnsEndpointSpec is the DNSEndpoint spec of a record set, in the JSON
// form an unstructured object holds. Route53 keeps A, AAAA and CNAME
// records in separate weighted groups, so an endpoint with IPv4 and IPv6
// addresses becomes two records with one set identifier.
func dnsEndpointSpec(rs *convoyv1alpha1.DNSRecordSet) map[string]any {
	var endpoints []any
	add := func(rec convoyv1alpha1.DNSRecord, recordType string, targets []any) {
		endpoints = append(endpoints, map[string]any{
			"dnsName":       rs.Spec.Hostname,
			"recordType":    recordType,
			"recordTTL":     int64(rs.Spec.TTLSeconds),
			"setIdentifier": rec.SetIdentifier,
			"targets":       targets,
			"providerSpecific": []any{
				map[string]any{"name": "aws/weight", "value": strconv.Itoa(int(rec.Weight))},
			},
		})
	}
	for _, rec := range rs.Spec.Records {
		if rec.Target != "" {
			add(rec, "CNAME", []any{rec.Target})
			continue
		}
		var v4, v6 []any
		for _, a := range rec.Addresses {
			if addr, err := netip.ParseAddr(a); err == nil && addr.Is4() {
				v4 = append(v4, a)
			} else {
				v6 = append(v6, a)
			}
		}
		if len(v4) > 0 {
			add(rec, "A", v4)
		}
		if len(v6) > 0 {
			add(rec, "AAAA", v6)
		}
	}
	return map[string]any{"endpoints": endpoints}
}
