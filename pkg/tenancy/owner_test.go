package tenancy

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

func stamped(namespace, name string, o Owner) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	o.Stamp(cm)
	return cm
}

func TestOwnerConflict(t *testing.T) {
	webA := Owner{Namespace: "team-a", Application: "web", Release: "web-1"}
	cases := []struct {
		name   string
		live   *corev1.ConfigMap
		shared bool
		want   string // "" for no conflict
	}{
		{"its own", stamped("team-a", "x", webA), false, ""},
		{"another tenant's application of the same name", stamped("team-b", "x", Owner{"team-b", "web", "web-1"}), false, "belongs to application team-b/web, not team-a/web"},
		{"labelled as the other tenant's, in its namespace", stamped("team-a", "x", Owner{"team-b", "web", "web-1"}), false, "belongs to application team-b/web"},
		{"labelled as its own, in another namespace", stamped("team-b", "x", webA), false, "belongs to application team-a/web, not team-a/web"},
		{"another application", stamped("team-a", "x", Owner{"team-a", "api", "api-1"}), false, "belongs to application team-a/api"},
		{"another release", stamped("team-a", "x", Owner{"team-a", "web", "web-2"}), false, `belongs to release "web-2" of the same application`},
		{"another release, shared", stamped("team-a", "x", Owner{"team-a", "web", "web-2"}), true, ""},
		{"another tenant's, shared", stamped("team-a", "x", Owner{"team-b", "web", "web-2"}), true, "belongs to application team-b/web"},
		{"not convoy's", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "x"}}, false, "was not made by convoy"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := webA.Conflict(tc.live, tc.shared)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("conflict: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestOwnerOfLegacyObject(t *testing.T) {
	// Stamped before convoy recorded the namespace: its own namespace is
	// its owner's.
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "x", Labels: map[string]string{
		convoyv1alpha1.LabelManagedBy: convoyv1alpha1.ManagedByConvoy, convoyv1alpha1.LabelApplication: "web", convoyv1alpha1.LabelRelease: "web-1"}}}
	if got, want := OwnerOf(cm), (Owner{"team-a", "web", "web-1"}); got != want {
		t.Fatalf("owner %+v, want %+v", got, want)
	}
}

func TestSelectorLabelsLeaveTheNamespaceOut(t *testing.T) {
	o := Owner{"team-a", "web", "web-1"}
	if _, ok := o.SelectorLabels()[convoyv1alpha1.LabelNamespace]; ok {
		t.Fatal("selector labels carry the namespace: existing Deployments' immutable selectors would change")
	}
	if o.Labels()[convoyv1alpha1.LabelNamespace] != "team-a" {
		t.Fatal("labels do not carry the namespace")
	}
}

func TestIsAnchor(t *testing.T) {
	o := Owner{"team-a", "web", "web-1"}
	anchor := stamped("team-a", AnchorName("web-1"), o)
	anchor.Labels[convoyv1alpha1.LabelAnchor] = "true"
	anchor.Data = map[string]string{AnchorTargetUIDKey: "uid-1"}
	if !o.IsAnchor(anchor, types.UID("uid-1")) {
		t.Fatal("the release's anchor is not recognised")
	}
	if o.IsAnchor(anchor, types.UID("uid-2")) {
		t.Error("an anchor of another InstallationTarget (an earlier life of the name) is taken")
	}
	other := Owner{"team-b", "web", "web-1"}
	if other.IsAnchor(anchor, types.UID("uid-1")) {
		t.Error("team-a's anchor is taken as team-b's")
	}
	forged := stamped("team-a", AnchorName("web-1"), o)
	forged.Data = anchor.Data
	if o.IsAnchor(forged, types.UID("uid-1")) {
		t.Error("a ConfigMap not labelled as an anchor is taken")
	}
}
