package rolloutblock

import (
	"reflect"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

func rb(ns, name string) convoyv1alpha1.RolloutBlock {
	return convoyv1alpha1.RolloutBlock{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

func TestActive(t *testing.T) {
	blocks := []convoyv1alpha1.RolloutBlock{rb("shop", "freeze"), rb("convoy-system", "incident"), rb("other", "theirs")}
	tests := []struct {
		name        string
		annotations map[string]string
		want        []string
	}{
		{"namespace and global blocks apply", nil, []string{"convoy-system/incident", "shop/freeze"}},
		{"override by qualified name", map[string]string{convoyv1alpha1.AnnotationOverrideRolloutBlocks: "convoy-system/incident"}, []string{"shop/freeze"}},
		{"bare name means own namespace", map[string]string{convoyv1alpha1.AnnotationOverrideRolloutBlocks: " freeze ,convoy-system/incident"}, nil},
		{"overriding an unknown block changes nothing", map[string]string{convoyv1alpha1.AnnotationOverrideRolloutBlocks: "gone"}, []string{"convoy-system/incident", "shop/freeze"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Active(blocks, "shop", DefaultGlobalNamespace, Overrides(tt.annotations, "shop"))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOverriders(t *testing.T) {
	app := func(ns, name, overrides string) convoyv1alpha1.Application {
		a := convoyv1alpha1.Application{}
		a.Namespace, a.Name = ns, name
		if overrides != "" {
			a.Annotations = map[string]string{convoyv1alpha1.AnnotationOverrideRolloutBlocks: overrides}
		}
		return a
	}
	apps := []convoyv1alpha1.Application{
		app("team-a", "web", "freeze"),                     // bare name: its own namespace
		app("team-a", "api", "convoy-system/holiday"),      // the global block
		app("team-b", "web", "team-a/freeze"),              // another namespace's block does not apply to it
		app("team-b", "db", "convoy-system/holiday,other"), // global, with another entry
		app("team-a", "idle", ""),                          // overrides nothing
	}
	block := func(ns, name string) *convoyv1alpha1.RolloutBlock {
		b := &convoyv1alpha1.RolloutBlock{}
		b.Namespace, b.Name = ns, name
		return b
	}
	if got, want := Overriders(block("team-a", "freeze"), "convoy-system", apps), []string{"team-a/web"}; !slices.Equal(got, want) {
		t.Errorf("namespaced block: got %v, want %v", got, want)
	}
	if got, want := Overriders(block("convoy-system", "holiday"), "convoy-system", apps), []string{"team-a/api", "team-b/db"}; !slices.Equal(got, want) {
		t.Errorf("global block: got %v, want %v", got, want)
	}
	if got := Overriders(block("team-b", "freeze"), "convoy-system", apps); len(got) != 0 {
		t.Errorf("block nobody overrides: got %v", got)
	}
}
