package offline

import (
	"strings"
	"testing"

	"github.com/convoy-rollouts/convoy/test/gitserver"
)

// A kustomization that puts objects outside the Application's namespace,
// or cluster-wide, fails convoy render and convoy lint with the refusal
// the controllers give (tenancy.Confine), and render prints nothing.
func TestRenderAndLintRefuseObjectsOutsideTheNamespace(t *testing.T) {
	const dir = "deploy/overlays/production/"
	cm := func(name, ns string) string {
		s := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n"
		if ns != "" {
			s += "  namespace: " + ns + "\n"
		}
		return s + "data: {a: b}\n"
	}
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"kustomization namespace kube-system", map[string]string{
			dir + "kustomization.yaml": "namespace: kube-system\nresources: [cm.yaml]\n", dir + "cm.yaml": cm("escape", ""),
		}, `NamespaceNotAllowed: refused, nothing installed: ConfigMap "escape" asks for namespace "kube-system", but a release installs only into its Application's namespace "team-a"`},
		{"object in convoy-system", map[string]string{
			dir + "kustomization.yaml": "resources: [cm.yaml, secret.yaml]\n", dir + "cm.yaml": cm("fine", ""),
			dir + "secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: steal\n  namespace: convoy-system\nstringData: {a: b}\n",
		}, `NamespaceNotAllowed: refused, nothing installed: Secret "steal" asks for namespace "convoy-system"`},
		{"object in another tenant's namespace", map[string]string{
			dir + "kustomization.yaml": "resources: [cm.yaml]\n", dir + "cm.yaml": cm("poison", "team-b"),
		}, `ConfigMap "poison" asks for namespace "team-b"`},
		{"ClusterRoleBinding", map[string]string{
			dir + "kustomization.yaml": "resources: [crb.yaml]\n",
			dir + "crb.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: admin-me\n" +
				"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: ServiceAccount, name: default, namespace: team-a}]\n",
		}, `ClusterScopedObject: refused, nothing installed: ClusterRoleBinding "admin-me" is cluster-scoped`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repo := gitserver.New(t).NewRepo("hostile")
			repo.Commit("hostile", tc.files)
			path := fixture(t, "hello-kustomize.yaml", map[string]string{"GIT_REPO": repo.FileURL()})
			r := run(t, "", "render", "-f", path)
			wantError(t, r.err, path+": Application team-a/kz: rendering spec.template.source.kustomize", tc.want)
			if r.out != "" {
				t.Errorf("render printed objects: %q", r.out)
			}
			l := run(t, "", "lint", "-f", path)
			wantError(t, l.err, tc.want, "the Application is valid, but its next release does not render")
			// One rule, one message: lint says what render says.
			if !strings.HasPrefix(l.err.Error(), r.err.Error()) {
				t.Errorf("lint and render disagree:\nrender: %v\nlint:   %v", r.err, l.err)
			}
		})
	}
}
