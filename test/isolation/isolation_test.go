package isolation

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/clusterjoin"
	"github.com/convoy-rollouts/convoy/pkg/controller/traffic"
	"github.com/convoy-rollouts/convoy/pkg/hostgrant"
	"github.com/convoy-rollouts/convoy/pkg/render"
	"github.com/convoy-rollouts/convoy/pkg/tenancy"
	"github.com/convoy-rollouts/convoy/test/chartrepo"
)

const helloChart = "../../examples/charts/hello"

// stage is the object whose condition refuses an input: the earliest that
// can tell.
type stage int

const (
	// atApplication: the Application is Stalled and makes no Release.
	atApplication stage = iota
	// atRelease: the Release is not Scheduled and has no
	// InstallationTarget (tenancy.Confine).
	atRelease
	// atInstallation: an application cluster, where convoy acts as the
	// tenant, refuses the apply.
	atInstallation
	// atTraffic: the TrafficTarget is Stalled and publishes nothing.
	atTraffic
)

// hostile is one hostile input: an Application built by app in the
// suite's namespaces, and the refusal it must get.
type hostile struct {
	name   string
	app    func(t *testing.T, s *suite) *convoyv1alpha1.Application
	stage  stage
	reason string
	// fragments must all be in the condition's message; a function of the
	// suite, since they name its namespaces.
	fragments func(s *suite) []string
	// object is the hostile object (kind, namespace, name), which must
	// exist in no application cluster.
	object func(s *suite) objectRef
}

type objectRef struct {
	gvk             schema.GroupVersionKind
	namespace, name string
}

// TestIsolation starts a well-behaved tenant, throws every hostile input at
// convoy at once beside it, and then checks the tenant was not disturbed.
func TestIsolation(t *testing.T) {
	s := start(t)
	// One repository for both tenants' web, so that their releases have
	// the same name.
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: helloChart}}})
	var good goodTenant
	t.Run("good tenant rolls out", func(t *testing.T) { good = s.startGoodTenant(t, repo.URL) })
	if t.Failed() {
		return
	}
	t.Run("hostile", func(t *testing.T) {
		for _, h := range hostiles() {
			t.Run(h.name, func(t *testing.T) {
				t.Parallel()
				s.expectRefused(t, h)
			})
		}
		t.Run("secretRef-other-namespace", func(t *testing.T) { t.Parallel(); s.secretRefInOtherNamespace(t) })
		t.Run("same-application-name-and-impostor", func(t *testing.T) { t.Parallel(); s.sameNameAndImpostor(t, good, repo.URL) })
	})
	t.Run("good tenant undisturbed", func(t *testing.T) { s.checkGoodTenant(t, good) })
}

func hostiles() []hostile {
	configMapIn := func(ns func(s *suite) string) hostile {
		return hostile{
			app: func(t *testing.T, s *suite) *convoyv1alpha1.Application {
				return s.chartApp(t, s.tenant, manifest("v1", "ConfigMap", ns(s), "escape", "data: {stolen: \"yes\"}"))
			},
			stage: atRelease, reason: string(tenancy.ReasonNamespaceNotAllowed),
			fragments: func(s *suite) []string {
				return []string{fmt.Sprintf(`ConfigMap "escape" asks for namespace %q, but a release installs only into its Application's namespace %q`, ns(s), s.tenant)}
			},
			object: func(s *suite) objectRef { return objectRef{configMapGVK, ns(s), "escape"} },
		}
	}
	clusterScoped := func(apiVersion, kind, name, body string) hostile {
		gv, _ := schema.ParseGroupVersion(apiVersion)
		return hostile{
			app: func(t *testing.T, s *suite) *convoyv1alpha1.Application {
				return s.chartApp(t, s.tenant, manifest(apiVersion, kind, "", s.unique(name), body))
			},
			stage: atRelease, reason: string(tenancy.ReasonClusterScoped),
			fragments: func(s *suite) []string {
				return []string{fmt.Sprintf(`%s %q is cluster-scoped: a release may only carry namespaced objects, in its Application's namespace %q`, kind, s.unique(name), s.tenant)}
			},
			object: func(s *suite) objectRef { return objectRef{gv.WithKind(kind), "", s.unique(name)} },
		}
	}
	named := func(name string, h hostile) hostile { h.name = name; return h }
	return []hostile{
		named("kube-system", configMapIn(func(*suite) string { return "kube-system" })),
		named("convoy-system", configMapIn(func(*suite) string { return "convoy-system" })),
		named("other-tenants-namespace", configMapIn(func(s *suite) string { return s.good })),
		named("ClusterRoleBinding", clusterScoped("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "iso-admin",
			"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}]")),
		named("CustomResourceDefinition", clusterScoped("apiextensions.k8s.io/v1", "CustomResourceDefinition", "hostiles.iso.example.com",
			"spec: {group: iso.example.com, names: {kind: Hostile, plural: hostiles}, scope: Namespaced, versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]}")),
		named("ValidatingWebhookConfiguration", clusterScoped("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "iso-webhook",
			"webhooks: [{name: deny.iso.example.com, admissionReviewVersions: [v1], sideEffects: None, clientConfig: {url: \"https://127.0.0.1:1/\"}, rules: [{operations: [CREATE], apiGroups: [\"*\"], apiVersions: [\"*\"], resources: [\"*\"]}]}]")),
		named("PriorityClass", clusterScoped("scheduling.k8s.io/v1", "PriorityClass", "iso-top", "value: 1000000000")),
		{
			name: "Namespace-object", stage: atRelease, reason: string(tenancy.ReasonNamespaceNotAllowed),
			app: func(t *testing.T, s *suite) *convoyv1alpha1.Application {
				return s.chartApp(t, s.tenant, manifest("v1", "Namespace", "", s.unique("iso-stolen"), ""))
			},
			fragments: func(s *suite) []string {
				return []string{fmt.Sprintf("Namespace %q: a release may create no namespace but its Application's own, %q", s.unique("iso-stolen"), s.tenant)}
			},
			object: func(s *suite) objectRef {
				return objectRef{corev1.SchemeGroupVersion.WithKind("Namespace"), "", s.unique("iso-stolen")}
			},
		},
		{
			name: "RoleBinding-to-cluster-admin", stage: atInstallation, reason: "ClustersNotReady",
			app: func(t *testing.T, s *suite) *convoyv1alpha1.Application {
				return s.chartApp(t, s.tenant, manifest("rbac.authorization.k8s.io/v1", "RoleBinding", "", "admin",
					"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: ServiceAccount, name: default, namespace: "+s.tenant+"}]"))
			},
			fragments: func(s *suite) []string {
				return []string{"RoleBinding " + s.tenant + "/admin", "as service account " + s.tenant + "/" + clusterjoin.DefaultTenantServiceAccount,
					"is attempting to grant RBAC permissions not currently held"}
			},
			object: func(s *suite) objectRef {
				return objectRef{schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "RoleBinding"}, s.tenant, "admin"}
			},
		},
		{
			name: "privileged-pod-in-restricted-namespace", stage: atInstallation, reason: "ClustersNotReady",
			app: func(t *testing.T, s *suite) *convoyv1alpha1.Application {
				return s.chartApp(t, s.restricted, manifest("v1", "Pod", "", "privileged",
					"spec: {containers: [{name: root, image: busybox, securityContext: {privileged: true}}]}"))
			},
			fragments: func(s *suite) []string {
				return []string{"Pod " + s.restricted + "/privileged", "as service account " + s.restricted + "/" + clusterjoin.DefaultTenantServiceAccount,
					`violates PodSecurity "restricted`, "privileged"}
			},
			object: func(s *suite) objectRef {
				return objectRef{corev1.SchemeGroupVersion.WithKind("Pod"), s.restricted, "privileged"}
			},
		},
		{
			name: "file-source", stage: atApplication, reason: string(render.ReasonLocalSourceRefused),
			app: func(t *testing.T, s *suite) *convoyv1alpha1.Application {
				app := helloApp(s.tenant, "local", "")
				app.Spec.Template.Source = convoyv1alpha1.Source{Kustomize: &convoyv1alpha1.KustomizeSource{RepoURL: "file:///etc", Ref: "main", Path: "."}}
				return app
			},
			fragments: func(*suite) []string {
				return []string{`source.kustomize.repoURL "file:///etc": file:// sources read the manager's own file system and are refused`}
			},
		},
		{
			name: "other-tenants-hostname", stage: atTraffic, reason: hostgrant.ReasonHostnameNotGranted,
			app: func(t *testing.T, s *suite) *convoyv1alpha1.Application {
				return s.dnsApp(t, "squatter", "web."+s.goodZone())
			},
			fragments: func(s *suite) []string {
				return []string{"hostname web." + s.goodZone() + " is not granted by annotation " + convoyv1alpha1.AnnotationAllowedHostnames +
					" of Namespace " + s.tenant + ", which grants " + tenantHostnames}
			},
		},
		{
			name: "lease-outside-the-DNS-lease-namespace", stage: atTraffic, reason: traffic.ReasonOutsideZones,
			app: func(t *testing.T, s *suite) *convoyv1alpha1.Application {
				s.fakeDNSServer(t)
				return s.dnsApp(t, "self-served", "web.tenant.test")
			},
			fragments: func(*suite) []string {
				return []string{"hostname web.tenant.test is in none of the zones convoy's DNS servers serve"}
			},
		},
	}
}

var configMapGVK = corev1.SchemeGroupVersion.WithKind("ConfigMap")

// manifest is one object's YAML; body is the rest of the object.
func manifest(apiVersion, kind, namespace, name, body string) string {
	m := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n", apiVersion, kind, name)
	if namespace != "" {
		m += "  namespace: " + namespace + "\n"
	}
	return m + body + "\n"
}

// unique is name made unique to the run, for cluster-scoped objects.
func (s *suite) unique(name string) string { return name + "-" + s.suffix }

// chartApp is the hello chart plus one template, manifest, served from a
// repository of its own, as an Application in ns named after the test.
func (s *suite) chartApp(t *testing.T, ns, manifest string) *convoyv1alpha1.Application {
	t.Helper()
	dir := chartrepo.CopyChart(t, helloChart)
	if err := os.WriteFile(filepath.Join(dir, "templates", "hostile.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: dir}}})
	return helloApp(ns, appName(t), repo.URL)
}

// dnsApp is the hello chart in the hostile tenant's namespace, published
// as hostname by convoy's DNS servers.
func (s *suite) dnsApp(t *testing.T, name, hostname string) *convoyv1alpha1.Application {
	t.Helper()
	repo := chartrepo.Start(t, chartrepo.Options{Charts: []chartrepo.Chart{{Dir: helloChart}}})
	app := helloApp(s.tenant, name, repo.URL)
	app.Spec.Template.Traffic = &convoyv1alpha1.TrafficSpec{DNS: &convoyv1alpha1.DNSTraffic{Hostname: hostname, TTLSeconds: 1}}
	return app
}

// fakeDNSServer is the tenant's Lease posing as a DNS server of the zone
// it was granted, in its own namespace.
func (s *suite) fakeDNSServer(t *testing.T) {
	t.Helper()
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.tenant, Name: "dns", Labels: map[string]string{convoyv1alpha1.LabelDNSServer: "true"},
			Annotations: map[string]string{convoyv1alpha1.AnnotationDNSZones: "tenant.test"}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("tenant"), LeaseDurationSeconds: ptr.To(int32(3600)), RenewTime: &metav1.MicroTime{Time: time.Now()}},
	}
	if err := s.mgmt.Create(ctxFor(t), lease); err != nil {
		t.Fatal(err)
	}
}

// appName is an Application name from the test's, lower case.
func appName(t *testing.T) string {
	name := strings.ToLower(t.Name()[strings.LastIndex(t.Name(), "/")+1:])
	// Short: charts make object names of the release name, which is the
	// Application's name and a hash.
	if len(name) > 12 {
		name = name[:12]
	}
	return strings.Trim(name, "-")
}

func helloApp(ns, name, repoURL string) *convoyv1alpha1.Application {
	one := int32(1)
	return &convoyv1alpha1.Application{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: convoyv1alpha1.ApplicationSpec{Template: convoyv1alpha1.ReleaseEnvironment{
			Source:              convoyv1alpha1.Source{Chart: &convoyv1alpha1.ChartSource{RepoURL: repoURL, Name: "hello"}},
			ClusterRequirements: convoyv1alpha1.ClusterRequirements{Regions: []convoyv1alpha1.RegionRequirement{{Name: "eu-west", Clusters: &one}, {Name: "us-east"}}},
			Strategy:            convoyv1alpha1.Strategy{Preset: convoyv1alpha1.PresetVanguard},
		}},
	}
}

// expectRefused creates h's Application, waits for the refusal on the
// object of h's stage, checks its message, and checks that nothing of the
// Application reached any application cluster.
func (s *suite) expectRefused(t *testing.T, h hostile) {
	t.Helper()
	ctx := ctxFor(t)
	app := h.app(t, s)
	if err := s.mgmt.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	fragments := h.fragments(s)
	var obj client.Object
	var conds func() []metav1.Condition
	var typ, release string
	switch h.stage {
	case atApplication:
		obj, conds, typ = app, func() []metav1.Condition { return app.Status.Conditions }, convoyv1alpha1.ConditionStalled
	default:
		rel := s.firstRelease(t, app)
		release = rel.Name
		switch h.stage {
		case atRelease:
			obj, conds, typ = rel, func() []metav1.Condition { return rel.Status.Conditions }, convoyv1alpha1.ConditionScheduled
		case atInstallation:
			it := &convoyv1alpha1.InstallationTarget{ObjectMeta: metav1.ObjectMeta{Namespace: rel.Namespace, Name: rel.Name}}
			obj, conds, typ = it, func() []metav1.Condition { return it.Status.Conditions }, convoyv1alpha1.ConditionReconciling
		case atTraffic:
			tt := &convoyv1alpha1.TrafficTarget{ObjectMeta: metav1.ObjectMeta{Namespace: rel.Namespace, Name: rel.Name}}
			obj, conds, typ = tt, func() []metav1.Condition { return tt.Status.Conditions }, convoyv1alpha1.ConditionStalled
		}
	}
	var message string
	eventually(t, time.Minute, func() error {
		if err := s.mgmt.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(conds(), typ)
		if cond == nil || cond.Reason != h.reason {
			return fmt.Errorf("%T %s: %s condition %+v, want reason %s", obj, obj.GetName(), typ, cond, h.reason)
		}
		for _, f := range fragments {
			if !strings.Contains(cond.Message, f) {
				return fmt.Errorf("%T %s: %s condition %q does not say %q", obj, obj.GetName(), typ, cond.Message, f)
			}
		}
		message = cond.Message
		return nil
	})
	if h.stage == atInstallation {
		// The refusal comes from a cluster: it must name it.
		it := obj.(*convoyv1alpha1.InstallationTarget)
		if !namesOneOf(message, it.Spec.Clusters) {
			t.Errorf("condition %q names none of the clusters %v", message, it.Spec.Clusters)
		}
	}
	t.Logf("%s: %s %s/%s: %s=%s: %s", h.name, kindOf(obj), obj.GetNamespace(), obj.GetName(), typ, h.reason, message)
	s.expectNothingInstalled(t, app, release, h)
}

func namesOneOf(message string, clusters []string) bool {
	for _, c := range clusters {
		if strings.Contains(message, c+": ") {
			return true
		}
	}
	return false
}

func kindOf(obj client.Object) string {
	name := fmt.Sprintf("%T", obj)
	return name[strings.LastIndex(name, ".")+1:]
}

// firstRelease waits for the Application's first Release.
func (s *suite) firstRelease(t *testing.T, app *convoyv1alpha1.Application) *convoyv1alpha1.Release {
	t.Helper()
	rel := &convoyv1alpha1.Release{}
	eventually(t, time.Minute, func() error {
		got := &convoyv1alpha1.Application{}
		if err := s.mgmt.Get(ctxFor(t), client.ObjectKeyFromObject(app), got); err != nil {
			return err
		}
		if len(got.Status.History) == 0 {
			return fmt.Errorf("application %s/%s has no release; conditions %+v", app.Namespace, app.Name, got.Status.Conditions)
		}
		return s.mgmt.Get(ctxFor(t), client.ObjectKey{Namespace: app.Namespace, Name: got.Status.History[0]}, rel)
	})
	return rel
}

// installedKinds are the kinds looked for in every application cluster:
// those of the hello chart and of every hostile input.
var installedKinds = []schema.GroupVersionKind{
	configMapGVK,
	corev1.SchemeGroupVersion.WithKind("Service"),
	corev1.SchemeGroupVersion.WithKind("Pod"),
	corev1.SchemeGroupVersion.WithKind("Namespace"),
	appsv1.SchemeGroupVersion.WithKind("Deployment"),
	{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "RoleBinding"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRoleBinding"},
	{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"},
	{Group: "admissionregistration.k8s.io", Version: "v1", Kind: "ValidatingWebhookConfiguration"},
	{Group: "scheduling.k8s.io", Version: "v1", Kind: "PriorityClass"},
}

// expectNothingInstalled checks every application cluster, in every
// namespace, for objects labelled as the Application's, and for the hostile
// object by name, as the chart names it and as convoy would (suffixed with
// the release's name). A refused hostname refuses publication, not installation:
// then no DNS records may exist for the Application.
func (s *suite) expectNothingInstalled(t *testing.T, app *convoyv1alpha1.Application, release string, h hostile) {
	t.Helper()
	ctx := ctxFor(t)
	if h.stage == atTraffic {
		sets := &convoyv1alpha1.DNSRecordSetList{}
		if err := s.mgmt.List(ctx, sets, client.MatchingLabels{convoyv1alpha1.LabelApplication: app.Name}); err != nil {
			t.Fatal(err)
		}
		for _, set := range sets.Items {
			if set.Namespace == app.Namespace {
				t.Errorf("DNS records published for a refused hostname: %s/%s", set.Namespace, set.Name)
			}
		}
		return
	}
	sel := client.MatchingLabels{convoyv1alpha1.LabelNamespace: app.Namespace, convoyv1alpha1.LabelApplication: app.Name}
	for _, cl := range s.env.Clusters {
		c := s.env.ClusterClient(t, cl.Name)
		for _, gvk := range installedKinds {
			list := &unstructured.UnstructuredList{}
			list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
			if err := c.List(ctx, list, sel); err != nil {
				t.Fatalf("cluster %s: listing %s: %v", cl.Name, gvk.Kind, err)
			}
			for _, item := range list.Items {
				t.Errorf("cluster %s: %s %s/%s of refused application %s/%s is installed", cl.Name, gvk.Kind, item.GetNamespace(), item.GetName(), app.Namespace, app.Name)
			}
		}
		if h.object == nil {
			continue
		}
		ref := h.object(s)
		for _, name := range []string{ref.name, ref.name + "-" + release} {
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(ref.gvk)
			if err := c.Get(ctx, client.ObjectKey{Namespace: ref.namespace, Name: name}, got); !apierrors.IsNotFound(err) {
				t.Errorf("cluster %s: %s %s/%s: %v, want not found", cl.Name, ref.gvk.Kind, ref.namespace, name, err)
			}
		}
	}
}

// secretRefInOtherNamespace: a chart source's secretRef is a local
// reference, so another namespace cannot be expressed. The API server
// refuses the field (strict field validation, as kubectl applies), naming
// it; and leniently, it is pruned, so the reference can only mean the
// Application's own namespace.
func (s *suite) secretRefInOtherNamespace(t *testing.T) {
	ctx := ctxFor(t)
	app := helloApp(s.tenant, "borrower", "https://charts.example.com")
	app.Spec.Template.Source.Chart.SecretRef = &convoyv1alpha1.LocalObjectReference{Name: "registry"}
	raw, err := json.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(raw, &obj.Object); err != nil {
		t.Fatal(err)
	}
	obj.SetGroupVersionKind(convoyv1alpha1.GroupVersion.WithKind("Application"))
	if err := unstructured.SetNestedField(obj.Object, s.good, "spec", "template", "source", "chart", "secretRef", "namespace"); err != nil {
		t.Fatal(err)
	}
	err = s.mgmt.Create(ctx, obj.DeepCopy(), client.FieldValidation(metav1.FieldValidationStrict))
	field := `unknown field "spec.template.source.chart.secretRef.namespace"`
	if err == nil || !strings.Contains(err.Error(), field) {
		t.Fatalf("creating Application %s/%s with secretRef.namespace %s: %v, want an error naming %s", s.tenant, app.Name, s.good, err, field)
	}
	t.Logf("secretRef-other-namespace: Application %s/%s: %v", s.tenant, app.Name, err)
	lenient := obj.DeepCopy()
	if err := s.mgmt.Create(ctx, lenient, client.DryRunAll); err != nil {
		t.Fatal(err)
	}
	ref, _, _ := unstructured.NestedMap(lenient.Object, "spec", "template", "source", "chart", "secretRef")
	if len(ref) != 1 || ref["name"] != "registry" {
		t.Errorf("leniently stored secretRef %v, want only the name", ref)
	}
	if err := s.mgmt.Get(ctx, client.ObjectKeyFromObject(app), &convoyv1alpha1.Application{}); !apierrors.IsNotFound(err) {
		t.Errorf("Application %s/%s: %v, want none", s.tenant, app.Name, err)
	}
}
