package devenv

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/convoy-rollouts/convoy/pkg/ssa"
)

// apply server-side applies typed objects as convoy dev, so running Up
// again converges instead of failing on what exists.
func apply(ctx context.Context, c client.Client, objs ...client.Object) error {
	return ssa.Apply(ctx, c, "convoy-dev", objs...)
}
