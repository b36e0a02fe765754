package clusters

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Identity is who convoy acts as in an application cluster: a tenant's
// ServiceAccount, impersonated, so that the cluster's own RBAC and
// admission decide what a tenant's release may do there. The zero Identity
// is convoy's agent itself, which only reads.
type Identity struct {
	Namespace      string
	ServiceAccount string
}

// Username is the identity's user name as the API server knows it.
func (id Identity) Username() string {
	return fmt.Sprintf("system:serviceaccount:%s:%s", id.Namespace, id.ServiceAccount)
}

func (id Identity) String() string {
	if id.ServiceAccount == "" {
		return "convoy's agent"
	}
	return "service account " + id.Namespace + "/" + id.ServiceAccount
}

// ReasonServiceAccountRequired says an object names no ServiceAccount while
// the manager has no default and requires one.
const ReasonServiceAccountRequired = "ServiceAccountRequired"

// Tenancy is the manager's policy of identities, as Flux's multi-tenancy
// lockdown: every write in an application cluster impersonates a
// ServiceAccount of the release's namespace.
type Tenancy struct {
	// DefaultServiceAccount is impersonated when a release names none.
	DefaultServiceAccount string
	// RequireServiceAccount refuses a release that names no ServiceAccount
	// when there is no default, instead of acting as the agent (which
	// clusters joined by convoy since tenant isolation cannot write with).
	RequireServiceAccount bool
}

// DefaultTenancy is the manager's default: impersonate convoy-tenant, and
// never write as the agent.
var DefaultTenancy = Tenancy{DefaultServiceAccount: "convoy-tenant", RequireServiceAccount: true}

// Identity is who to act as for an object of namespace that names
// serviceAccount (possibly empty).
func (t Tenancy) Identity(namespace, serviceAccount string) (Identity, error) {
	if serviceAccount == "" {
		serviceAccount = t.DefaultServiceAccount
	}
	if serviceAccount == "" && t.RequireServiceAccount {
		return Identity{}, fmt.Errorf("namespace %s: no serviceAccountName is set and the manager has no --default-service-account, while --require-service-account is on", namespace)
	}
	if serviceAccount == "" {
		return Identity{}, nil
	}
	return Identity{Namespace: namespace, ServiceAccount: serviceAccount}, nil
}

// maxImpersonating bounds the impersonating clients the Store keeps: one per
// cluster, namespace and service account in use; the least recently used
// goes first.
const maxImpersonating = 512

type impersonatingKey struct {
	cluster string
	id      Identity
}

type impersonating struct {
	version string
	client  client.Client
	used    time.Time
}

// impersonatingClients are the Store's clients that act as a tenant.
type impersonatingClients struct {
	mu    sync.Mutex
	byKey map[impersonatingKey]*impersonating
}

// ClientAs returns a client of the named application cluster that acts as
// id: its requests carry convoy's credentials and impersonate id's
// ServiceAccount, so the cluster authorizes and admits them as that
// account's. The zero Identity gives the agent's own Client.
func (s *Store) ClientAs(ctx context.Context, name string, id Identity) (client.Client, error) {
	if id.ServiceAccount == "" {
		return s.Client(ctx, name)
	}
	cfg, version, err := s.config(ctx, name)
	if err != nil {
		return nil, err
	}
	// The agent's client discovers the cluster's kinds for all tenants:
	// one discovery per cluster, not per tenant, and a tenant the agent
	// may not impersonate gets the API server's refusal of the request,
	// not of discovery.
	agent, err := s.Client(ctx, name)
	if err != nil {
		return nil, err
	}
	key := impersonatingKey{cluster: name, id: id}
	cs := &s.impersonating
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c, ok := cs.byKey[key]; ok && c.version == version {
		c.used = time.Now()
		return c.client, nil
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: id.Username()}
	wc, err := client.NewWithWatch(cfg, client.Options{Scheme: s.Scheme, Mapper: agent.RESTMapper()})
	if err != nil {
		return nil, &Error{name, ReasonClusterUnreachable, err}
	}
	var c client.Client = wc
	if s.Wrap != nil {
		c = s.Wrap(wc)
	}
	if cs.byKey == nil {
		cs.byKey = map[impersonatingKey]*impersonating{}
	}
	if _, ok := cs.byKey[key]; !ok && len(cs.byKey) >= maxImpersonating {
		cs.evictOldest()
	}
	cs.byKey[key] = &impersonating{version: version, client: c, used: time.Now()}
	return c, nil
}

// evictOldest forgets the least recently used client; callers hold mu.
func (cs *impersonatingClients) evictOldest() {
	var oldest impersonatingKey
	var at time.Time
	for k, c := range cs.byKey {
		if at.IsZero() || c.used.Before(at) {
			oldest, at = k, c.used
		}
	}
	delete(cs.byKey, oldest)
}
