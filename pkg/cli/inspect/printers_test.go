package inspect

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
)

func TestGetPrinters(t *testing.T) {
	for _, f := range fixtures() {
		v := BuildRolloutView(f.rollout(t))
		for _, format := range []string{formatTree, formatWide, formatJSON, formatYAML} {
			t.Run(f.name+"/"+format, func(t *testing.T) {
				var out bytes.Buffer
				if err := rolloutPrinter(&out, format, false, false)(v); err != nil {
					t.Fatal(err)
				}
				golden(t, "get-"+f.name+"."+format, out.Bytes())
			})
		}
	}
}

// The tree of a three-cluster rollout fits 100 columns, cutting the long
// health message rather than wrapping it.
func TestTreeFits100Columns(t *testing.T) {
	var out bytes.Buffer
	if err := writeTree(&out, BuildRolloutView(midStep().rollout(t)), false); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if n := utf8.RuneCountInString(line); n > 100 {
			t.Errorf("%d columns: %q", n, line)
		}
	}
	if !strings.Contains(out.String(), "PodsNotReady: 1/2 pods available") {
		t.Errorf("the unhealthy cluster's reason and message are missing:\n%s", &out)
	}
}

func TestListPrinters(t *testing.T) {
	apps := []convoyv1alpha1.Application{}
	for _, f := range distinctApplications() {
		for _, o := range f.objects {
			if a, ok := o.(*convoyv1alpha1.Application); ok {
				apps = append(apps, *a)
			}
		}
	}
	// One not reconciled yet, in another namespace.
	fresh := convoyv1alpha1.Application{}
	fresh.Namespace, fresh.Name, fresh.CreationTimestamp = "tools", "docs", ago(40*time.Second)
	v := BuildListView(append(apps, fresh))
	for _, tc := range []struct {
		name, format  string
		allNamespaces bool
	}{
		{"table", formatTable, false},
		{"table-all", formatTable, true},
		{"wide-all", formatWide, true},
		{"json", formatJSON, true},
		{"yaml", formatYAML, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			view := v
			if !tc.allNamespaces {
				view.Applications = view.Applications[:3] // shop's
			}
			var out bytes.Buffer
			var err error
			switch tc.format {
			case formatJSON, formatYAML:
				err = writeDocument(&out, tc.format, view)
			default:
				err = writeList(&out, view, tc.allNamespaces, tc.format == formatWide, now)
			}
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "list-"+tc.name, out.Bytes())
		})
	}
}

func TestHistoryPrinters(t *testing.T) {
	for _, f := range fixtures() {
		v := BuildHistoryView(f.rollout(t))
		for _, format := range []string{formatTable, formatJSON} {
			t.Run(f.name+"/"+format, func(t *testing.T) {
				var out bytes.Buffer
				var err error
				if format == formatTable {
					err = writeHistory(&out, v, now)
				} else {
					err = writeDocument(&out, format, v)
				}
				if err != nil {
					t.Fatal(err)
				}
				golden(t, "history-"+f.name+"."+format, out.Bytes())
			})
		}
	}
}

// Trees of rollouts the fixtures do not cover: an application not rolled
// out yet, and one whose phase the releases do not explain.
func TestTreeEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		name string
		view RolloutView
		want string
	}{
		{
			name: "no release yet",
			view: BuildRolloutView(&kube.Rollout{Application: &convoyv1alpha1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}}),
			want: `Application web (namespace shop)   phase Pending
├─ contender none yet
├─ incumbent none
└─ clusters  none yet
`,
		},
		{
			name: "blocked",
			view: RolloutView{Namespace: "shop", Application: "web", Phase: "Blocked", Message: "RolloutBlock shop/freeze applies: holiday freeze"},
			want: `Application web (namespace shop)   phase Blocked
├─ RolloutBlock shop/freeze applies: holiday freeze
├─ contender none yet
├─ incumbent none
└─ clusters  none yet
`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := writeTree(&out, tc.view, false); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", &out, tc.want)
			}
		})
	}
}
