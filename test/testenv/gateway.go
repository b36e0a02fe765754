package testenv

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/convoy-rollouts/convoy/pkg/devenv"
)

var gatewayOnce struct {
	sync.Once
	err error
}

// GatewayAPI makes every application cluster serve the Gateway API CRDs
// and have its HTTPRoutes' status written, as a fresh environment does
// (devenv.Up installs the CRDs; the stand-ins' process writes route
// status). An environment started before either existed gets them now:
// the CRDs are applied (idempotent), and the route status stand-in runs
// in this test process until it exits. Where the environment's own
// stand-in runs too, both write the same status.
func (e *Env) GatewayAPI(t testing.TB) {
	t.Helper()
	gatewayOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		for _, c := range e.Clusters {
			if err := devenv.InstallGatewayAPICRDs(ctx, e.ClusterClient(t, c.Name)); err != nil {
				gatewayOnce.err = fmt.Errorf("cluster %s: %w", c.Name, err)
				return
			}
		}
		if own {
			return // runOwn runs every stand-in already
		}
		go func() {
			if err := e.RunGatewayStandIn(context.Background(), os.Stderr); err != nil {
				fmt.Fprintln(os.Stderr, "testenv: gateway stand-in:", err)
			}
		}()
	})
	if gatewayOnce.err != nil {
		t.Fatal(gatewayOnce.err)
	}
}
