package tenancy

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/convoy-rollouts/convoy/pkg/render"
)

func object(apiVersion, kind, namespace, name string) *unstructured.Unstructured {
	o := &unstructured.Unstructured{}
	o.SetAPIVersion(apiVersion)
	o.SetKind(kind)
	o.SetName(name)
	o.SetNamespace(namespace)
	return o
}

func TestConfineKeepsTheApplicationsNamespace(t *testing.T) {
	objs := []*unstructured.Unstructured{
		object("v1", "Namespace", "", "team-a"),
		object("apps/v1", "Deployment", "", "web"),
		object("v1", "ConfigMap", "team-a", "config"),
	}
	kept, err := Confine(objs, "team-a")
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 {
		t.Fatalf("kept %d objects, want the Deployment and the ConfigMap (the own Namespace dropped)", len(kept))
	}
	for _, o := range kept {
		if o.GetNamespace() != "team-a" {
			t.Errorf("%s %s in namespace %q, want team-a", o.GetKind(), o.GetName(), o.GetNamespace())
		}
	}
}

// TestConfineRefusesHostileObjects runs each hostile object beside a
// harmless one: the whole release is refused, and the message names the
// object, the namespace it asked for, the Application's and the cause.
func TestConfineRefusesHostileObjects(t *testing.T) {
	cases := []struct {
		name   string
		obj    *unstructured.Unstructured
		reason render.Reason
		want   []string
	}{
		{"privileged Deployment in kube-system", object("apps/v1", "Deployment", "kube-system", "miner"), ReasonNamespaceNotAllowed,
			[]string{`Deployment "miner" asks for namespace "kube-system"`, `its Application's namespace "team-a"`}},
		{"Secret in convoy-system", object("v1", "Secret", "convoy-system", "steal"), ReasonNamespaceNotAllowed,
			[]string{`Secret "steal" asks for namespace "convoy-system"`}},
		{"ConfigMap in another tenant's namespace", object("v1", "ConfigMap", "team-b", "poison"), ReasonNamespaceNotAllowed,
			[]string{`ConfigMap "poison" asks for namespace "team-b"`}},
		{"Namespace for another namespace", object("v1", "Namespace", "", "team-c"), ReasonNamespaceNotAllowed,
			[]string{`Namespace "team-c": a release may create no namespace but its Application's own, "team-a"`}},
		{"ClusterRoleBinding", object("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "", "admin-me"), ReasonClusterScoped,
			[]string{`ClusterRoleBinding "admin-me" is cluster-scoped`}},
		{"ClusterRoleBinding given the namespace", object("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "team-a", "admin-me"), ReasonClusterScoped,
			[]string{`ClusterRoleBinding "admin-me" is cluster-scoped`}},
		{"CustomResourceDefinition", object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "widgets.example.com"), ReasonClusterScoped,
			[]string{`CustomResourceDefinition "widgets.example.com" is cluster-scoped`}},
		{"ValidatingWebhookConfiguration", object("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "", "intercept"), ReasonClusterScoped,
			[]string{`ValidatingWebhookConfiguration "intercept" is cluster-scoped`}},
		{"MutatingWebhookConfiguration", object("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "", "inject"), ReasonClusterScoped,
			[]string{`MutatingWebhookConfiguration "inject" is cluster-scoped`}},
		{"PriorityClass", object("scheduling.k8s.io/v1", "PriorityClass", "", "above-all"), ReasonClusterScoped,
			[]string{`PriorityClass "above-all" is cluster-scoped`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := []*unstructured.Unstructured{object("apps/v1", "Deployment", "", "web"), tc.obj}
			kept, err := Confine(objs, "team-a")
			if err == nil {
				t.Fatalf("accepted: %d objects", len(kept))
			}
			if kept != nil {
				t.Errorf("returned %d objects with the refusal, want none", len(kept))
			}
			if got := render.ReasonOf(err); got != tc.reason {
				t.Errorf("reason %s, want %s", got, tc.reason)
			}
			for _, w := range append(tc.want, "refused, nothing installed") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestConfineListsEveryOffender(t *testing.T) {
	_, err := Confine([]*unstructured.Unstructured{
		object("v1", "Secret", "kube-system", "a"),
		object("rbac.authorization.k8s.io/v1", "ClusterRole", "", "b"),
	}, "team-a")
	if err == nil || !strings.Contains(err.Error(), `Secret "a"`) || !strings.Contains(err.Error(), `ClusterRole "b"`) {
		t.Fatalf("error %v does not name both objects", err)
	}
	if render.ReasonOf(err) != ReasonNamespaceNotAllowed {
		t.Errorf("reason %s, want the first offender's, %s", render.ReasonOf(err), ReasonNamespaceNotAllowed)
	}
}
