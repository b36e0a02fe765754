package devenv

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// DefaultTopology is four application clusters in two regions: enough
// for waves to go cluster by cluster and region by region.
const DefaultTopology = "eu-west:2,us-east:2"

// TestTopology is the test suites' three application clusters in two
// regions (hack/test.sh, testenv): a fourth control plane would cost every
// test CPU that two cores do not have.
const TestTopology = "eu-west:2,us-east:1"

// ManagementName is the management cluster's name within an environment.
const ManagementName = "management"

// AppCluster is an application cluster of the environment.
type AppCluster struct {
	// Name of the Cluster object, such as "eu-west-1".
	Name string `json:"name"`
	// Region of the cluster.
	Region string `json:"region"`
	// Capabilities advertised on the Cluster object.
	Capabilities []string `json:"capabilities,omitempty"`
}

var regionName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// ParseTopology reads "region:count,region:count" into application clusters
// named region-1, region-2, ... in order.
func ParseTopology(s string) ([]AppCluster, error) {
	var clusters []AppCluster
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		region, countText, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			countText = "1"
		}
		if !regionName.MatchString(region) || len(region) > 50 {
			return nil, fmt.Errorf("--clusters %q: region %q must be a lowercase DNS label", s, region)
		}
		if seen[region] {
			return nil, fmt.Errorf("--clusters %q: region %q appears twice", s, region)
		}
		seen[region] = true
		count, err := strconv.Atoi(countText)
		if err != nil || count < 1 || count > 10 {
			return nil, fmt.Errorf("--clusters %q: region %q needs a cluster count from 1 to 10, not %q", s, region, countText)
		}
		for i := 1; i <= count; i++ {
			clusters = append(clusters, AppCluster{Name: fmt.Sprintf("%s-%d", region, i), Region: region})
		}
	}
	return clusters, nil
}
