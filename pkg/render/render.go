// Package render turns a Release's source into the Kubernetes objects it
// installs. The engines live in subpackages, each the only importer of its
// library: render/helm (helm.sh/helm/v3) and render/kustomize
// (sigs.k8s.io/kustomize/api). Everything else sees the Renderer interface.
//
// The manager's controllers use a Detached renderer, which fetches in the
// background so that a slow repository never holds a controller's worker:
// see detached.go for why.
package render

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// Renderer resolves and renders one kind of source.
type Renderer interface {
	// Resolve pins a source: a chart version constraint becomes the exact
	// version it matches now, a git ref the commit it points at.
	Resolve(ctx context.Context, src convoyv1alpha1.Source, creds *Credentials) (convoyv1alpha1.Source, error)

	// Render returns the objects of a pinned source, in install order.
	Render(ctx context.Context, req Request) (*Output, error)
}

// Request is one render.
type Request struct {
	// ReleaseName names the Helm release; charts derive object names from it.
	ReleaseName string
	// Namespace is the Application's namespace, the default for objects.
	Namespace string
	// Source is pinned (see Renderer.Resolve).
	Source convoyv1alpha1.Source
	// Values are merged over a chart's defaults.
	Values map[string]any
	// Credentials for the repository, from the source's secretRef.
	Credentials *Credentials
}

// Output is what a render produced.
type Output struct {
	// Objects in install order.
	Objects []*unstructured.Unstructured
	// Digest identifies the source artifact (chart digest, git commit).
	Digest string
}

// Credentials reach a private repository. The controller reads them from
// the Secret a source's secretRef names.
type Credentials struct {
	Username string
	Password string
	// CAData, CertData and KeyData are PEM: the server's CA and a client
	// certificate.
	CAData, CertData, KeyData []byte
	// InsecureSkipVerify turns off TLS verification.
	InsecureSkipVerify bool
}

// Reason classifies render failures for a condition's reason.
type Reason string

const (
	ReasonRepositoryUnreachable Reason = "RepositoryUnreachable"
	ReasonRepositoryNotFound    Reason = "RepositoryNotFound"
	ReasonInvalidIndex          Reason = "InvalidRepositoryIndex"
	ReasonChartNotFound         Reason = "ChartNotFound"
	ReasonVersionNotFound       Reason = "ChartVersionNotFound"
	ReasonTemplateError         Reason = "TemplateError"
	ReasonInvalidManifest       Reason = "InvalidManifest"
	ReasonGitRefNotFound        Reason = "GitRefNotFound"
	ReasonKustomizeError        Reason = "KustomizeError"
	ReasonUnsupportedSource     Reason = "UnsupportedSource"
	ReasonCredentialsNotFound   Reason = "CredentialsNotFound"
)

// Error is a render failure with its reason.
type Error struct {
	Reason Reason
	Err    error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error.
func Errorf(reason Reason, format string, args ...any) error {
	return &Error{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// ReasonOf returns the Reason of a render error, or "RenderFailed" for any
// other error.
func ReasonOf(err error) Reason {
	var rerr *Error
	if errors.As(err, &rerr) {
		return rerr.Reason
	}
	return "RenderFailed"
}
