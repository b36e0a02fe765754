package devenv

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// nodesPerCluster fake nodes are enough to spread replicas; kwok makes them
// Ready and runs every pod bound to them.
const nodesPerCluster = 2

// createFakeNodes registers kwok-managed nodes. They carry no
// kwok.x-k8s.io/node taint: every node here is fake, so there is no real node
// to keep pods off, and charts need no extra tolerations.
func createFakeNodes(ctx context.Context, c client.Client, region string) error {
	for i := range nodesPerCluster {
		capacity := corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("1000"),
			corev1.ResourceMemory: resource.MustParse("4Ti"),
			// Fake nodes cost nothing per pod: room for scale tests.
			corev1.ResourcePods: resource.MustParse("10000"),
		}
		name := fmt.Sprintf("kwok-node-%d", i)
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        name,
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
				Labels: map[string]string{
					"type":                          "kwok",
					"kubernetes.io/hostname":        name,
					"kubernetes.io/os":              "linux",
					"kubernetes.io/arch":            "amd64",
					"topology.kubernetes.io/region": region,
					"topology.kubernetes.io/zone":   fmt.Sprintf("%s-%c", region, 'a'+rune(i)),
				},
			},
			Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
		}
		if err := c.Create(ctx, node); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating node %s: %w", name, err)
		}
	}
	return nil
}
