// Package clusters connects convoy to its application clusters: one client
// per Cluster object, built from the Cluster's URL and credentials Secret,
// cached, and rebuilt when either changes. Every call through these clients
// has a timeout, so one slow or dead cluster never holds up the others.
package clusters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Field managers of convoy's writes in application clusters.
const (
	// InstallerFieldManager applies a release's objects.
	InstallerFieldManager = "convoy"
	// CapacityFieldManager alone owns a Deployment's spec.replicas: the
	// installer creates Deployments at 0 replicas under it and never
	// applies replicas again, so installer and capacity never fight.
	CapacityFieldManager = "convoy-capacity"
	// TrafficFieldManager applies an application's HTTPRoutes
	// (traffic.gateway).
	TrafficFieldManager = "convoy-traffic"
)

// RequestTimeout bounds every request to an application cluster.
const RequestTimeout = 15 * time.Second

// Reason says why a cluster cannot be used, for conditions.
type Reason string

const (
	ReasonClusterNotFound     Reason = "ClusterNotFound"
	ReasonCredentialsNotFound Reason = "ClusterCredentialsNotFound"
	ReasonClusterUnreachable  Reason = "ClusterUnreachable"
)

// Error is a cluster that cannot be used.
type Error struct {
	Cluster string
	Reason  Reason
	Err     error
}

func (e *Error) Error() string { return fmt.Sprintf("cluster %s: %v", e.Cluster, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Store hands out clients of application clusters.
type Store struct {
	// Management reads credentials Secrets (uncached: the manager caches
	// no Secrets), and Cluster objects unless Clusters is set.
	Management client.Reader
	// Clusters, when set, reads Cluster objects: the manager's cache, which
	// watches them anyway, so that asking for a client costs no request.
	Clusters client.Reader
	Scheme   *runtime.Scheme
	// Wrap, when set, wraps every cluster client, to instrument it.
	Wrap func(client.WithWatch) client.Client

	mu      sync.Mutex
	clients map[string]cached
	configs map[string]clusterConfig
	caches  caches
	// impersonating are the clients that act as tenants (ClientAs).
	impersonating impersonatingClients
}

type cached struct {
	// version identifies the Cluster and Secret the client was built from.
	version string
	client  client.Client
}

// clusterConfig is a cluster's REST config as last read, for the Cluster
// object's resourceVersion it was read with.
type clusterConfig struct {
	config          *rest.Config
	version         string
	clusterVersion  string
	credentialsRead time.Time
}

// CredentialsRecheck is how often a cluster's credentials Secret is read
// again while its Cluster object is unchanged: every client and cache is
// asked for on every reconcile, and reading the Secret each time was two
// requests per cluster per reconcile. A rotated Secret is picked up within
// it; changing the Cluster object picks it up at once.
const CredentialsRecheck = 30 * time.Second

// config reads the named cluster's REST config, and a version that changes
// whenever its URL or credentials do.
func (s *Store) config(ctx context.Context, name string) (*rest.Config, string, error) {
	reader := s.Clusters
	if reader == nil {
		reader = s.Management
	}
	cluster := &convoyv1alpha1.Cluster{}
	if err := reader.Get(ctx, client.ObjectKey{Name: name}, cluster); err != nil {
		return nil, "", &Error{name, ReasonClusterNotFound, fmt.Errorf("reading Cluster %s: %w", name, err)}
	}
	s.mu.Lock()
	known, ok := s.configs[name]
	s.mu.Unlock()
	if ok && known.clusterVersion == cluster.ResourceVersion && time.Since(known.credentialsRead) < CredentialsRecheck {
		return known.config, known.version, nil
	}
	ref := cluster.Spec.CredentialsSecretRef
	secret := &corev1.Secret{}
	if err := s.Management.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, secret); err != nil {
		return nil, "", &Error{name, ReasonCredentialsNotFound, fmt.Errorf("reading credentials Secret %s/%s: %w", ref.Namespace, ref.Name, err)}
	}
	known = clusterConfig{config: RESTConfig(cluster, secret), version: cluster.Spec.APIServerURL + "|" + secret.ResourceVersion,
		clusterVersion: cluster.ResourceVersion, credentialsRead: time.Now()}
	s.mu.Lock()
	if s.configs == nil {
		s.configs = map[string]clusterConfig{}
	}
	s.configs[name] = known
	s.mu.Unlock()
	return known.config, known.version, nil
}

// ServerVersion asks the named cluster's API server for its version, with
// convoy's own credentials for it, within ctx and RequestTimeout.
func (s *Store) ServerVersion(ctx context.Context, name string) (string, error) {
	cfg, _, err := s.config(ctx, name)
	if err != nil {
		return "", err
	}
	rc, err := rest.UnversionedRESTClientFor(withCodecs(cfg))
	if err != nil {
		return "", &Error{name, ReasonClusterUnreachable, err}
	}
	body, err := rc.Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return "", &Error{name, ReasonClusterUnreachable, err}
	}
	var v version.Info
	if err := json.Unmarshal(body, &v); err != nil {
		return "", &Error{name, ReasonClusterUnreachable, fmt.Errorf("decoding /version: %w", err)}
	}
	return v.GitVersion, nil
}

// withCodecs gives a config the serializers a REST client needs, as the
// discovery client does.
func withCodecs(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	return cfg
}

// ReasonOf is why err makes a cluster unusable: the Reason of a cluster
// Error, else ClusterUnreachable.
func ReasonOf(err error) Reason {
	var cerr *Error
	if errors.As(err, &cerr) {
		return cerr.Reason
	}
	return ReasonClusterUnreachable
}

// Client returns a client of the named application cluster that acts as
// convoy's agent: since tenant isolation it only reads (writes go through
// ClientAs).
func (s *Store) Client(ctx context.Context, name string) (client.Client, error) {
	cfg, version, err := s.config(ctx, name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[name]; ok && c.version == version {
		return c.client, nil
	}
	wc, err := client.NewWithWatch(cfg, client.Options{Scheme: s.Scheme})
	if err != nil {
		return nil, &Error{name, ReasonClusterUnreachable, err}
	}
	var c client.Client = wc
	if s.Wrap != nil {
		c = s.Wrap(wc)
	}
	if s.clients == nil {
		s.clients = map[string]cached{}
	}
	s.clients[name] = cached{version: version, client: c}
	return c, nil
}

// Rates of convoy's own client of each application cluster (reads, scaling
// and probes; writes as tenants go through their own clients): a thousand
// applications' rollouts start at once, and the cluster's priority and
// fairness, not a client-side trickle, is what should pace them.
const (
	ClusterQPS   = 1000
	ClusterBurst = 2000
)

// RESTConfig builds the config of an application cluster from its Cluster
// object and credentials Secret: a bearer token ("token") or a client
// certificate ("tls.crt", "tls.key"), and the server's CA ("ca.crt").
func RESTConfig(cluster *convoyv1alpha1.Cluster, secret *corev1.Secret) *rest.Config {
	return &rest.Config{
		Host:        cluster.Spec.APIServerURL,
		BearerToken: string(secret.Data["token"]),
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   secret.Data["ca.crt"],
			CertData: secret.Data[corev1.TLSCertKey],
			KeyData:  secret.Data[corev1.TLSPrivateKeyKey],
		},
		Timeout:   RequestTimeout,
		QPS:       ClusterQPS,
		Burst:     ClusterBurst,
		UserAgent: "convoy",
	}
}

// IsUnreachable tells errors of the connection (refused, reset, timed out,
// no route) from answers of the cluster.
func IsUnreachable(err error) bool {
	var netErr net.Error
	var urlErr *url.Error
	return errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) ||
		utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) ||
		errors.As(err, &netErr) || errors.As(err, &urlErr)
}
