package devenv

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
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

// gatewayAPICRDs are the Gateway API's standard CRDs (see
// thirdparty/gateway-api/README.md), for the traffic controller's
// HTTPRoutes in application clusters.
//
//go:embed thirdparty/gateway-api/*.yaml
var gatewayAPICRDs embed.FS

// InstallCRDs applies convoy's CRDs, and the third-party CRDs convoy
// writes objects of, and waits until they serve.
func InstallCRDs(ctx context.Context, c client.Client) error {
	all, err := crds.All()
	if err != nil {
		return err
	}
	dnsEndpoint, err := decodeCRD(externalDNSEndpointCRD)
	if err != nil {
		return fmt.Errorf("decoding the DNSEndpoint CRD: %w", err)
	}
	return installCRDs(ctx, c, append(all, dnsEndpoint))
}

// GatewayAPICRDs are the Gateway API CRDs an application cluster of the
// environment serves.
func GatewayAPICRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	files, err := fs.Glob(gatewayAPICRDs, "thirdparty/gateway-api/*.yaml")
	if err != nil {
		return nil, err
	}
	var all []*apiextensionsv1.CustomResourceDefinition
	for _, f := range files {
		data, err := gatewayAPICRDs.ReadFile(f)
		if err != nil {
			return nil, err
		}
		crd, err := decodeCRD(data)
		if err != nil {
			return nil, fmt.Errorf("decoding %s: %w", f, err)
		}
		all = append(all, crd)
	}
	return all, nil
}

// InstallGatewayAPICRDs applies the Gateway API CRDs to an application
// cluster and waits until they serve.
func InstallGatewayAPICRDs(ctx context.Context, c client.Client) error {
	all, err := GatewayAPICRDs()
	if err != nil {
		return err
	}
	return installCRDs(ctx, c, all)
}

func decodeCRD(data []byte) (*apiextensionsv1.CustomResourceDefinition, error) {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	return crd, yaml.UnmarshalStrict(data, crd)
}

// installCRDs applies every CRD and waits until each is established.
func installCRDs(ctx context.Context, c client.Client, all []*apiextensionsv1.CustomResourceDefinition) error {
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
