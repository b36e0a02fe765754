package crds

import "testing"

func TestAllDecodesEveryKind(t *testing.T) {
	crds, err := All()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"applications.convoy.dev": true, "releases.convoy.dev": true, "clusters.convoy.dev": true,
		"installationtargets.convoy.dev": true, "capacitytargets.convoy.dev": true,
		"traffictargets.convoy.dev": true, "rolloutblocks.convoy.dev": true, "dnsrecordsets.convoy.dev": true,
		"analysistemplates.convoy.dev": true, "notifiers.convoy.dev": true,
	}
	for _, crd := range crds {
		if !want[crd.Name] {
			t.Errorf("unexpected CRD %s", crd.Name)
		}
		delete(want, crd.Name)
		if got := crd.Spec.Names.Categories; len(got) != 1 || got[0] != "convoy" {
			t.Errorf("%s: categories = %v, want [convoy]", crd.Name, got)
		}
	}
	for name := range want {
		t.Errorf("missing CRD %s", name)
	}
}
