package rolloutblock

import (
	"reflect"
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
