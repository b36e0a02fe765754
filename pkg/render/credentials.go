package render

import (
	"context"

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
