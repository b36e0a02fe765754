package integration

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

func jsonValues(v map[string]any) *apiextensionsv1.JSON {
	raw, _ := json.Marshal(v)
	return &apiextensionsv1.JSON{Raw: raw}
}

// Values overrides land in their clusters only: us-east greets otherwise,
// and one eu-west cluster runs more replicas (its full capacity follows its
// own render); the others keep the Application's values. The release
// renders once per distinct set of values: the InstallationTarget lists two
// sets beside its own values.
func TestOverridesLandInTheirClustersOnly(t *testing.T) {
	env, ctx, mgmt, ns := begin(t)
	repo := helloRepo(t)
	app := helloApplication(ns, "regional", repo.URL, "", map[string]any{"greeting": "hello", "replicas": 1})
	app.Spec.Template.ClusterRequirements.Regions = []convoyv1alpha1.RegionRequirement{{Name: "eu-west", Clusters: one(2)}, {Name: "us-east"}}
	app.Spec.Template.Overrides = []convoyv1alpha1.ValuesOverride{
		{Regions: []string{"us-east"}, Values: jsonValues(map[string]any{"greeting": "howdy"})},
		{Clusters: []string{"eu-west-2"}, Values: jsonValues(map[string]any{"replicas": 3})},
	}
	rel, clusters := completeFirstRelease(t, mgmt, app)
	want := map[string][2]any{"eu-west-1": {"hello", int32(1)}, "eu-west-2": {"hello", int32(3)}, "us-east-1": {"howdy", int32(1)}}
	for _, cl := range clusters {
		eventually(t, time.Minute, func() error {
			cms := &corev1.ConfigMapList{}
			if err := env.ClusterClient(t, cl).List(ctx, cms, client.InNamespace(ns), client.MatchingLabels{convoyv1alpha1.LabelRelease: rel.Name}); err != nil {
				return err
			}
			greetings := map[string]string{}
			for _, cm := range cms.Items {
				if g, ok := cm.Data["greeting"]; ok {
					greetings[cm.Name] = g
				}
			}
			if len(greetings) != 1 || greetings[rel.Name+"-hello"] != want[cl][0] {
				return fmt.Errorf("cluster %s: greetings %v, want %q", cl, greetings, want[cl][0])
			}
			if spec, available := replicasIn(t, env, cl, ns, rel.Name); spec != want[cl][1] || available != spec {
				return fmt.Errorf("cluster %s runs %d replicas (%d available), want %d", cl, spec, available, want[cl][1])
			}
			return nil
		})
	}
	it := &convoyv1alpha1.InstallationTarget{}
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(&rel), it); err != nil {
		t.Fatal(err)
	}
	if len(it.Spec.ClusterValues) != 2 {
		t.Errorf("the InstallationTarget has %d value sets besides its own values, want 2: %+v", len(it.Spec.ClusterValues), it.Spec.ClusterValues)
	}
}
