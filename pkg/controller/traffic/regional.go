package traffic

import (
	"context"
	"fmt"
	"slices"
	"strings"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/dnsrecords"
)

// Regional names (traffic.dns.regionalHostname): besides the hostname,
// one name per region of the releases' clusters, whose record set holds
// the hostname's records in that region's clusters, with the same
// weights, and falls back to the hostname: convoy's DNS servers answer it
// with a CNAME to the hostname when none of the region's endpoints can
// answer (none carries weight, or none passes its health checks). So a
// client of web.eu-west.apps.example.com is served from eu-west while
// eu-west serves, and from wherever the global name sends it when not.
//
// Each regional name is granted (hostgrant) and owned (no other
// application's record set holds it) exactly like the hostname; a name
// that is not stalls the hostname with the same reasons. The regional sets
// follow the global one: they are written with it and are not waited for
// separately. The external-dns provider publishes no regional names.

// regionPlaceholder is what regionalHostname replaces with each region.
const regionPlaceholder = "{{region}}"

// regionalName is the regional hostname of region.
func regionalName(template, region string) string {
	return dnsrecords.Normalize(strings.ReplaceAll(template, regionPlaceholder, region))
}

// publishRegional writes the hostname's regional record sets from the
// global spec just written, and returns their names (kept by prune). A
// name that is not granted or belongs to another application comes back
// as the problem.
func (r *Reconciler) publishRegional(ctx context.Context, namespace, app string, g *hostGroup, global convoyv1alpha1.DNSRecordSetSpec) ([]string, verdict, error) {
	if g.dns.RegionalHostname == "" || providerOf(g.dns) != convoyv1alpha1.DNSProviderConvoy {
		return nil, verdict{}, nil
	}
	regionOf, err := r.regions(ctx)
	if err != nil {
		return nil, verdict{}, err
	}
	byRegion := map[string][]convoyv1alpha1.DNSRecord{}
	for _, t := range g.targets {
		for _, c := range t.tt.Spec.Clusters {
			if region := regionOf[c.Name]; region != "" {
				if _, seen := byRegion[region]; !seen {
					byRegion[region] = nil // a region without records still falls back
				}
			}
		}
	}
	for _, rec := range global.Records {
		if region := regionOf[rec.Cluster]; region != "" {
			byRegion[region] = append(byRegion[region], rec)
		}
	}
	regions := make([]string, 0, len(byRegion))
	for region := range byRegion {
		regions = append(regions, region)
	}
	slices.Sort(regions)
	var names []string
	for _, region := range regions {
		name := regionalName(g.dns.RegionalHostname, region)
		names = append(names, name)
		if problem, err := r.claim(ctx, namespace, app, name); err != nil || !problem.ok() {
			return names, problem, err
		}
		existing, err := r.recordSet(ctx, namespace, app, name)
		if err != nil {
			return names, verdict{}, err
		}
		spec := global
		spec.Hostname, spec.Records, spec.Fallback = name, byRegion[region], g.hostname
		if _, err := r.writeRecordSet(ctx, namespace, app, existing, spec); err != nil {
			return names, verdict{}, err
		}
	}
	return names, verdict{}, nil
}

// regions maps every registered cluster to its region.
func (r *Reconciler) regions(ctx context.Context) (map[string]string, error) {
	list := &convoyv1alpha1.ClusterList{}
	if err := r.List(ctx, list); err != nil {
		return nil, fmt.Errorf("listing clusters for their regions: %w", err)
	}
	out := make(map[string]string, len(list.Items))
	for _, c := range list.Items {
		out[c.Name] = c.Spec.Region
	}
	return out, nil
}
