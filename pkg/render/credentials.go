package render

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// LoadCredentials reads the Secret a source's secretRef names, in the
// source owner's namespace; nil when the source names none. Pass an
// uncached reader: the manager does not cache Secrets.
func LoadCredentials(ctx context.Context, reader client.Reader, namespace string, src convoyv1alpha1.Source) (*Credentials, error) {
	var ref *convoyv1alpha1.LocalObjectReference
	switch {
	case src.Chart != nil:
		ref = src.Chart.SecretRef
	case src.Kustomize != nil:
		ref = src.Kustomize.SecretRef
	}
	if ref == nil {
		return nil, nil
	}
	secret := &corev1.Secret{}
	if err := reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, secret); err != nil {
		return nil, Errorf(ReasonCredentialsNotFound, "reading the source's secretRef %s/%s: %v", namespace, ref.Name, err)
	}
	return CredentialsFromSecret(secret), nil
}

// CredentialsFromSecret reads repository credentials from a Secret's keys:
// username, password, ca.crt, tls.crt, tls.key, and insecureSkipVerify
// ("true").
func CredentialsFromSecret(s *corev1.Secret) *Credentials {
	return &Credentials{
		Username:           string(s.Data["username"]),
		Password:           string(s.Data["password"]),
		CAData:             s.Data["ca.crt"],
		CertData:           s.Data[corev1.TLSCertKey],
		KeyData:            s.Data[corev1.TLSPrivateKeyKey],
		InsecureSkipVerify: string(s.Data["insecureSkipVerify"]) == "true",
	}
}

// TLSConfig is the client TLS configuration of the credentials: the
// system's roots plus their CA, their client certificate if any, and
// verification turned off only when they ask for it. Nil credentials give
// the system's roots alone.
func (c *Credentials) TLSConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c == nil {
		return cfg, nil
	}
	if len(c.CAData) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(c.CAData) {
			return nil, errors.New("the CA data (ca.crt) holds no PEM certificate")
		}
		cfg.RootCAs = pool
	}
	switch {
	case len(c.CertData) > 0 && len(c.KeyData) > 0:
		cert, err := tls.X509KeyPair(c.CertData, c.KeyData)
		if err != nil {
			return nil, fmt.Errorf("the client certificate (tls.crt, tls.key) is invalid: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	case len(c.CertData) > 0 || len(c.KeyData) > 0:
		return nil, errors.New("a client certificate needs both tls.crt and tls.key")
	}
	cfg.InsecureSkipVerify = c.InsecureSkipVerify //nolint:gosec // the user asked for it in the source's secret
	return cfg, nil
}
