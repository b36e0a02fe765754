package rolloutmetrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/render"
)

// The work the controllers do, counted where it happens, so that "idle
// means idle" is checked against what the controllers did rather than
// against every request of the process (the DNS server's lease renewals,
// leader election).
var (
	writes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "convoy_controller_writes_total",
		Help: "Writes (create, update, patch, apply, delete, including status) the controllers made to the management cluster.",
	}, []string{"verb"})
	renders = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "convoy_renders_total",
		Help: "Sources rendered (Render) and resolved (Resolve) by the controllers' renderer, cache misses only.",
	}, []string{"operation"})
)

func init() {
	metrics.Registry.MustRegister(writes, renders)
	// Every series from the start: a counter that appears only once it
	// counts cannot be told from a manager without it.
	for _, verb := range []string{"create", "update", "patch", "apply", "delete"} {
		writes.WithLabelValues(verb)
	}
	renders.WithLabelValues("render")
	renders.WithLabelValues("resolve")
}

// CountWrites wraps the controllers' management client so that each write
// counts in convoy_controller_writes_total.
func CountWrites(c client.Client) client.Client { return &countingClient{Client: c} }

type countingClient struct{ client.Client }

func (c *countingClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	writes.WithLabelValues("create").Inc()
	return c.Client.Create(ctx, obj, opts...)
}

func (c *countingClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	writes.WithLabelValues("update").Inc()
	return c.Client.Update(ctx, obj, opts...)
}

func (c *countingClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	writes.WithLabelValues("patch").Inc()
	return c.Client.Patch(ctx, obj, patch, opts...)
}

func (c *countingClient) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
	writes.WithLabelValues("apply").Inc()
	return c.Client.Apply(ctx, obj, opts...)
}

func (c *countingClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	writes.WithLabelValues("delete").Inc()
	return c.Client.Delete(ctx, obj, opts...)
}

func (c *countingClient) DeleteAllOf(ctx context.Context, obj client.Object, opts ...client.DeleteAllOfOption) error {
	writes.WithLabelValues("delete").Inc()
	return c.Client.DeleteAllOf(ctx, obj, opts...)
}

func (c *countingClient) Status() client.SubResourceWriter { return c.SubResource("status") }

func (c *countingClient) SubResource(name string) client.SubResourceClient {
	return &countingSubResource{SubResourceClient: c.Client.SubResource(name)}
}

type countingSubResource struct{ client.SubResourceClient }

func (c *countingSubResource) Create(ctx context.Context, obj, sub client.Object, opts ...client.SubResourceCreateOption) error {
	writes.WithLabelValues("create").Inc()
	return c.SubResourceClient.Create(ctx, obj, sub, opts...)
}

func (c *countingSubResource) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	writes.WithLabelValues("update").Inc()
	return c.SubResourceClient.Update(ctx, obj, opts...)
}

func (c *countingSubResource) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	writes.WithLabelValues("patch").Inc()
	return c.SubResourceClient.Patch(ctx, obj, patch, opts...)
}

func (c *countingSubResource) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
	writes.WithLabelValues("apply").Inc()
	return c.SubResourceClient.Apply(ctx, obj, opts...)
}

// CountRenders wraps a renderer so that each render and resolve counts in
// convoy_renders_total.
func CountRenders(r render.Renderer) render.Renderer { return countingRenderer{r} }

type countingRenderer struct{ render.Renderer }

func (r countingRenderer) Resolve(ctx context.Context, src convoyv1alpha1.Source, creds *render.Credentials) (convoyv1alpha1.Source, error) {
	renders.WithLabelValues("resolve").Inc()
	return r.Renderer.Resolve(ctx, src, creds)
}

func (r countingRenderer) Render(ctx context.Context, req render.Request) (*render.Output, error) {
	renders.WithLabelValues("render").Inc()
	return r.Renderer.Render(ctx, req)
}
