package devenv

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"sigs.k8s.io/yaml"

	"github.com/convoy-rollouts/convoy/apis/crds"
)

// externalDNSEndpointCRD is external-dns's DNSEndpoint CRD, for the traffic
// controller's external-dns output.
//
//go:embed thirdparty/externaldns.k8s.io_dnsendpoints.yaml
var externalDNSEndpointCRD []byte

// InstallCRDs applies convoy's CRDs, and the third-party CRDs convoy
// writes objects of, and waits until they serve.
func InstallCRDs(ctx context.Context, c client.Client) error {
	all, err := crds.All()
	if err != nil {
		return err
	}
	dnsEndpoint := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(externalDNSEndpointCRD, dnsEndpoint); err != nil {
		return fmt.Errorf("decoding the DNSEndpoint CRD: %w", err)
	}
	all = append(all, dnsEndpoint)
	for _, crd := range all {
		if err := apply(ctx, c, crd); err != nil {
			return err
		}
	}
	for _, crd := range all {
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			got := &apiextensionsv1.CustomResourceDefinition{}
			if err := c.Get(ctx, client.ObjectKeyFromObject(crd), got); err != nil {
				return false, nil
			}
			for _, cond := range got.Status.Conditions {
				if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("CRD %s not established: %w", crd.Name, err)
		}
	}
	return nil
}
