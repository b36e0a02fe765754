package inspect

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// apiServer answers just enough of the Kubernetes API, discovery and a list
// of Applications in namespace shop, for the client a completion makes
// from a kubeconfig.
func apiServer(t *testing.T, apps ...string) string {
	gv := convoyv1alpha1.GroupVersion.String()
	list := convoyv1alpha1.ApplicationList{TypeMeta: metav1.TypeMeta{APIVersion: gv, Kind: "ApplicationList"}}
	for _, name := range apps {
		list.Items = append(list.Items, convoyv1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}})
	}
	replies := map[string]any{
		"/api": metav1.APIVersions{Versions: []string{"v1"}},
		"/apis": metav1.APIGroupList{Groups: []metav1.APIGroup{{
			Name:             convoyv1alpha1.GroupVersion.Group,
			Versions:         []metav1.GroupVersionForDiscovery{{GroupVersion: gv, Version: "v1alpha1"}},
			PreferredVersion: metav1.GroupVersionForDiscovery{GroupVersion: gv, Version: "v1alpha1"},
		}}},
		"/apis/" + gv: metav1.APIResourceList{GroupVersion: gv, APIResources: []metav1.APIResource{
			{Name: "applications", Namespaced: true, Kind: "Application", Verbs: metav1.Verbs{"get", "list", "watch"}},
		}},
		"/apis/" + gv + "/namespaces/shop/applications": list,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply, ok := replies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(reply)
	}))
	t.Cleanup(srv.Close)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	config := `apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "` + srv.URL + `"}}]
users: [{name: test, user: {}}]
contexts: [{name: test, context: {cluster: test, user: test}}]
current-context: test
`
	if err := os.WriteFile(kubeconfig, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return kubeconfig
}

// get and history complete their APP argument with the Applications of
// the namespace -n names, and nothing after it.
func TestCompleteApplicationNames(t *testing.T) {
	kubeconfig := apiServer(t, "web", "worker", "api")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"get", "-n", "shop", "w"}, []string{"web", "worker"}},
		{[]string{"history", "-n", "shop", ""}, []string{"web", "worker", "api"}},
		{[]string{"get", "-n", "shop", "web", ""}, nil},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			root := &cobra.Command{Use: "convoy"}
			root.AddCommand(NewCommands(&out, &out)...)
			root.SetOut(&out)
			root.SetErr(&bytes.Buffer{})
			root.SetArgs(append([]string{cobra.ShellCompRequestCmd, "--kubeconfig", kubeconfig}, tc.args...))
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			got, directive := lines[:len(lines)-1], lines[len(lines)-1]
			if strings.Join(got, ",") != strings.Join(tc.want, ",") || directive != ":4" {
				t.Errorf("completions %q, directive %s; want %q and :4 (no file completion)", got, directive, tc.want)
			}
		})
	}
}
