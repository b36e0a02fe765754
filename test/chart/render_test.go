package chart

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/diff"

	"github.com/convoy-rollouts/convoy/apis/crds"
	"github.com/convoy-rollouts/convoy/pkg/render"
)

const keepAnnotation = "helm.sh/resource-policy"

// The objects a release named "convoy" has with crds.enabled=false.
var (
	managerObjects = []string{
		"ServiceAccount/convoy-manager", "ClusterRole/convoy-manager", "ClusterRoleBinding/convoy-manager",
		"Role/convoy-manager", "RoleBinding/convoy-manager", "Deployment/convoy-manager",
		"Service/convoy-manager-metrics", "PodDisruptionBudget/convoy-manager",
	}
	dnsObjects = []string{
		"ServiceAccount/convoy-dns", "ClusterRole/convoy-dns", "ClusterRoleBinding/convoy-dns",
		"Role/convoy-dns", "RoleBinding/convoy-dns", "Deployment/convoy-dns",
		"Service/convoy-dns", "Service/convoy-dns-metrics", "PodDisruptionBudget/convoy-dns",
	}
	rbacObjects = []string{
		"ClusterRole/convoy-manager", "ClusterRoleBinding/convoy-manager", "Role/convoy-manager", "RoleBinding/convoy-manager",
		"ClusterRole/convoy-dns", "ClusterRoleBinding/convoy-dns", "Role/convoy-dns", "RoleBinding/convoy-dns",
	}
)

func crdObjects(t testing.TB) []string {
	t.Helper()
	all, err := crds.All()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, crd := range all {
		out = append(out, "CustomResourceDefinition/"+crd.Name)
	}
	return out
}

func concat(lists ...[]string) []string { return slices.Concat(lists...) }

func minus(list []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return slices.Contains(drop, s) })
}

func TestRender(t *testing.T) {
	r := newRenderer(t, minKubeVersion)
	crdKeys := crdObjects(t)
	for _, tc := range []struct {
		name   string
		values map[string]any
		want   []string // every object, as Kind/name
		check  func(t *testing.T, objs []*unstructured.Unstructured)
	}{{
		name:   "defaults",
		values: zones(),
		want:   concat(crdKeys, managerObjects, dnsObjects),
		check: func(t *testing.T, objs []*unstructured.Unstructured) {
			checkCRDsKept(t, objs)
			checkManager(t, objs)
			checkDNSServer(t, objs)
			checkDNSService(t, objs, "Deployment/convoy-dns", "Deployment/convoy-manager")
			checkMetricsServices(t, objs)
			checkPodSecurity(t, objs)
			checkPDB(t, objs, "convoy-manager")
			// One shard is no sharding: today's Deployment, Lease and flags.
			forbidArgPrefix(t, find(t, objs, "Deployment/convoy-manager"), "--shard")
		},
	}, {
		name:   "manager shards",
		values: with(zones(), "manager.shards", 3),
		want: concat(minus(concat(crdKeys, managerObjects, dnsObjects), "Deployment/convoy-manager", "PodDisruptionBudget/convoy-manager"),
			shardObjects(3)),
		check: func(t *testing.T, objs []*unstructured.Unstructured) {
			checkShards(t, objs, 3)
			checkPodSecurity(t, objs)
			checkDNSService(t, objs, "Deployment/convoy-dns", "Deployment/convoy-manager-shard-0")
		},
	}, {
		name:   "CRDs off",
		values: with(zones(), "crds.enabled", false),
		want:   concat(managerObjects, dnsObjects),
	}, {
		name:   "ServiceMonitors",
		values: with(zones(), "metrics.serviceMonitor.enabled", true),
		want:   concat(crdKeys, managerObjects, dnsObjects, []string{"ServiceMonitor/convoy-manager", "ServiceMonitor/convoy-dns"}),
		check:  checkServiceMonitors,
	}, {
		name:   "one manager replica has no PodDisruptionBudget",
		values: with(zones(), "manager.replicas", 1),
		want:   minus(concat(crdKeys, managerObjects, dnsObjects), "PodDisruptionBudget/convoy-manager"),
	}, {
		name:   "DNS off",
		values: with(map[string]any{}, "dns.enabled", false),
		want:   concat(crdKeys, managerObjects),
		check: func(t *testing.T, objs []*unstructured.Unstructured) {
			forbidArgPrefix(t, find(t, objs, "Deployment/convoy-manager"), "--dns-")
		},
	}, {
		name:   "DNS in the manager",
		values: with(with(zones(), "dns.enabled", false), "manager.dns.enabled", true),
		want:   concat(crdKeys, managerObjects, []string{"Service/convoy-dns"}),
		check: func(t *testing.T, objs []*unstructured.Unstructured) {
			requireArgs(t, find(t, objs, "Deployment/convoy-manager"),
				"--dns-listen=:5353", "--dns-zone=apps.example.com", "--dns-lease-namespace=convoy-system")
			checkDNSService(t, objs, "Deployment/convoy-manager", "")
		},
	}, {
		name:   "RBAC off",
		values: with(zones(), "rbac.create", false),
		want:   minus(concat(crdKeys, managerObjects, dnsObjects), rbacObjects...),
	}, {
		name:   "Grafana dashboard",
		values: with(zones(), "grafana.dashboard.enabled", true),
		want:   concat(crdKeys, managerObjects, dnsObjects, []string{"ConfigMap/convoy-dashboard"}),
		check:  checkDashboardConfigMap,
	}, {
		name: "values reach the pods",
		values: map[string]any{
			"manager": map[string]any{
				"image":              map[string]any{"repository": "registry.example/manager", "tag": "dev"},
				"logFormat":          "console",
				"watchNamespace":     "team-a",
				"disableControllers": []any{"installation", "traffic"},
				"extraArgs":          []any{"--log-level=debug"},
			},
			"dns": map[string]any{
				"zones":       []any{"apps.example.com", "apps.example.org"},
				"nameservers": []any{"ns1.example.net"},
				"image":       map[string]any{"repository": "registry.example/convoy", "tag": "dev"},
				"service":     map[string]any{"type": "LoadBalancer", "loadBalancerClass": "example.com/lb"},
			},
		},
		want: concat(crdKeys, managerObjects, dnsObjects),
		check: func(t *testing.T, objs []*unstructured.Unstructured) {
			manager, dns := find(t, objs, "Deployment/convoy-manager"), find(t, objs, "Deployment/convoy-dns")
			requireArgs(t, manager, "--log-format=console", "--namespace=team-a",
				"--disable-controllers=installation,traffic", "--log-level=debug")
			requireArgs(t, dns, "--zone=apps.example.com", "--zone=apps.example.org", "--nameserver=ns1.example.net")
			for deploy, want := range map[*unstructured.Unstructured]string{manager: "registry.example/manager:dev", dns: "registry.example/convoy:dev"} {
				if got := nested[string](t, container(t, deploy), "image"); got != want {
					t.Errorf("%s: image %s, want %s", key(deploy), got, want)
				}
			}
			svc := find(t, objs, "Service/convoy-dns")
			if got := nested[string](t, svc.Object, "spec", "type"); got != "LoadBalancer" {
				t.Errorf("DNS Service type %s, want LoadBalancer", got)
			}
			if got := nested[string](t, svc.Object, "spec", "loadBalancerClass"); got != "example.com/lb" {
				t.Errorf("DNS Service loadBalancerClass %s", got)
			}
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := r.render(t, releaseName, namespace, tc.values)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(tc.want)
			sort.Strings(want)
			if got := keys(objs); !slices.Equal(got, want) {
				t.Fatalf("objects:\n  got  %v\n  want %v", got, want)
			}
			for _, o := range objs {
				if o.GetNamespace() != "" && o.GetNamespace() != namespace {
					t.Errorf("%s in namespace %s, want %s", key(o), o.GetNamespace(), namespace)
				}
			}
			if tc.check != nil {
				tc.check(t, objs)
			}
		})
	}
}

// checkCRDsKept: helm uninstall must leave the CRDs, and the Applications
// in them.
func checkCRDsKept(t *testing.T, objs []*unstructured.Unstructured) {
	for _, crd := range ofKind(objs, "CustomResourceDefinition") {
		if got := crd.GetAnnotations()[keepAnnotation]; got != "keep" {
			t.Errorf("%s: %s=%q, want keep", key(crd), keepAnnotation, got)
		}
	}
}

func checkManager(t *testing.T, objs []*unstructured.Unstructured) {
	manager := find(t, objs, "Deployment/convoy-manager")
	if got := nested[int64](t, manager.Object, "spec", "replicas"); got != 2 {
		t.Errorf("manager replicas %d, want 2", got)
	}
	requireArgs(t, manager, "--leader-elect", "--leader-election-namespace=convoy-system",
		"--metrics-bind-address=:8080", "--health-probe-bind-address=:8081", "--log-format=json",
		"--global-block-namespace=convoy-system", "--cluster-unreachable-threshold=3")
	// The separate DNS Deployment serves DNS by default.
	forbidArgPrefix(t, manager, "--dns-")

	c := container(t, manager)
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		if got := nested[string](t, c, probe, "httpGet", "path"); got != path {
			t.Errorf("%s path %s, want %s", probe, got, path)
		}
		if got := containerPort(t, c, nested[string](t, c, probe, "httpGet", "port"), "TCP"); got != 8081 {
			t.Errorf("%s on port %d, want 8081", probe, got)
		}
	}

	// --cache-dir is an emptyDir: the root filesystem is read-only.
	var cacheDir string
	for _, a := range args(t, manager) {
		if v, ok := strings.CutPrefix(a, "--cache-dir="); ok {
			cacheDir = v
		}
	}
	mounted := map[string]string{}
	for _, m := range nested[[]any](t, c, "volumeMounts") {
		m := m.(map[string]any)
		mounted[m["mountPath"].(string)] = m["name"].(string)
	}
	volume, ok := mounted[cacheDir]
	if cacheDir == "" || !ok {
		t.Fatalf("--cache-dir %q is not a mounted volume (mounts %v)", cacheDir, mounted)
	}
	for _, v := range nested[[]any](t, manager.Object, "spec", "template", "spec", "volumes") {
		v := v.(map[string]any)
		if v["name"] == volume && v["emptyDir"] == nil {
			t.Errorf("cache volume %s is not an emptyDir: %v", volume, v)
		}
	}
}

func checkDNSServer(t *testing.T, objs []*unstructured.Unstructured) {
	dns := find(t, objs, "Deployment/convoy-dns")
	if got := nested[int64](t, dns.Object, "spec", "replicas"); got != 2 {
		t.Errorf("DNS replicas %d, want 2", got)
	}
	if a := args(t, dns); len(a) == 0 || a[0] != "dns" {
		t.Errorf("DNS server arguments %q, want `convoy dns ...`", a)
	}
	requireArgs(t, dns, "--listen=:5353", "--zone=apps.example.com", "--lease-namespace=convoy-system", "--metrics-bind-address=:8080")
}

// checkDNSService: 53 over UDP and TCP, to the DNS ports of the pods of
// serving, and not to the pods of notServing (when set).
func checkDNSService(t *testing.T, objs []*unstructured.Unstructured, serving, notServing string) {
	svc := find(t, objs, "Service/convoy-dns")
	if got := nested[string](t, svc.Object, "spec", "type"); got != "ClusterIP" {
		t.Errorf("DNS Service type %s, want ClusterIP by default", got)
	}
	selector := labels(t, svc.Object, "spec", "selector")
	deploy := find(t, objs, serving)
	if !selects(selector, podLabels(t, deploy)) {
		t.Errorf("DNS Service selector %v does not select the pods of %s", selector, serving)
	}
	if notServing != "" && selects(selector, podLabels(t, find(t, objs, notServing))) {
		t.Errorf("DNS Service selector %v selects the pods of %s", selector, notServing)
	}
	protocols := map[string]bool{}
	for _, p := range nested[[]any](t, svc.Object, "spec", "ports") {
		p := p.(map[string]any)
		proto := p["protocol"].(string)
		protocols[proto] = true
		if p["port"] != int64(53) {
			t.Errorf("DNS Service port %v/%s, want 53", p["port"], proto)
		}
		if got := containerPort(t, container(t, deploy), p["targetPort"], proto); got != 5353 {
			t.Errorf("DNS Service port 53/%s targets container port %d, want 5353", proto, got)
		}
	}
	if !protocols["UDP"] || !protocols["TCP"] || len(protocols) != 2 {
		t.Errorf("DNS Service protocols %v, want UDP and TCP", protocols)
	}
}

func checkMetricsServices(t *testing.T, objs []*unstructured.Unstructured) {
	for _, component := range []string{"manager", "dns"} {
		svc := find(t, objs, "Service/convoy-"+component+"-metrics")
		deploy := find(t, objs, "Deployment/convoy-"+component)
		if !selects(labels(t, svc.Object, "spec", "selector"), podLabels(t, deploy)) {
			t.Errorf("%s does not select the pods of %s", key(svc), key(deploy))
		}
		ports := nested[[]any](t, svc.Object, "spec", "ports")
		if len(ports) != 1 {
			t.Fatalf("%s has ports %v, want http-metrics only", key(svc), ports)
		}
		p := ports[0].(map[string]any)
		if p["name"] != "http-metrics" || p["port"] != int64(8080) {
			t.Errorf("%s port %v, want 8080 named http-metrics", key(svc), p)
		}
		if got := containerPort(t, container(t, deploy), p["targetPort"], "TCP"); got != 8080 {
			t.Errorf("%s targets container port %d, want 8080", key(svc), got)
		}
	}
}

func checkPodSecurity(t *testing.T, objs []*unstructured.Unstructured) {
	for _, deploy := range ofKind(objs, "Deployment") {
		pod := nested[map[string]any](t, deploy.Object, "spec", "template", "spec")
		if nested[bool](t, pod, "securityContext", "runAsNonRoot") != true {
			t.Errorf("%s: pod may run as root", key(deploy))
		}
		if got := nested[string](t, pod, "securityContext", "seccompProfile", "type"); got != "RuntimeDefault" {
			t.Errorf("%s: seccomp profile %s", key(deploy), got)
		}
		c := container(t, deploy)
		if !nested[bool](t, c, "securityContext", "readOnlyRootFilesystem") || nested[bool](t, c, "securityContext", "allowPrivilegeEscalation") {
			t.Errorf("%s: container security context %v", key(deploy), c["securityContext"])
		}
		if drop := nested[[]any](t, c, "securityContext", "capabilities", "drop"); !slices.Equal(drop, []any{"ALL"}) {
			t.Errorf("%s: drops capabilities %v, want ALL", key(deploy), drop)
		}
		terms := nested[[]any](t, pod, "affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution")
		term := terms[0].(map[string]any)["podAffinityTerm"].(map[string]any)
		if term["topologyKey"] != "kubernetes.io/hostname" ||
			!selects(labels(t, term, "labelSelector", "matchLabels"), podLabels(t, deploy)) {
			t.Errorf("%s: anti-affinity %v does not spread its own pods over hosts", key(deploy), term)
		}
	}
}

// shardObjects are the Deployment and PodDisruptionBudget of each of n
// manager shards.
func shardObjects(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("Deployment/convoy-manager-shard-%d", i), fmt.Sprintf("PodDisruptionBudget/convoy-manager-shard-%d", i))
	}
	return out
}

// checkShards: each of n shards is a Deployment of manager.replicas
// manager pods run with --shards n --shard i, selecting its own pods only,
// with a PodDisruptionBudget of its own; the metrics Service scrapes them
// all.
func checkShards(t *testing.T, objs []*unstructured.Unstructured, n int) {
	metrics := find(t, objs, "Service/convoy-manager-metrics")
	for i := range n {
		name := fmt.Sprintf("convoy-manager-shard-%d", i)
		deploy := find(t, objs, "Deployment/"+name)
		if got := nested[int64](t, deploy.Object, "spec", "replicas"); got != 2 {
			t.Errorf("%s: %d replicas, want 2 (a leader-elected pair)", key(deploy), got)
		}
		requireArgs(t, deploy, "--leader-elect", "--leader-election-namespace=convoy-system",
			fmt.Sprintf("--shards=%d", n), fmt.Sprintf("--shard=%d", i))
		forbidArgPrefix(t, deploy, "--leader-election-id")
		checkPDB(t, objs, name)
		if !selects(labels(t, metrics.Object, "spec", "selector"), podLabels(t, deploy)) {
			t.Errorf("%s does not scrape the pods of %s", key(metrics), key(deploy))
		}
		for j := range n {
			other := find(t, objs, fmt.Sprintf("Deployment/convoy-manager-shard-%d", j))
			for _, selector := range []*unstructured.Unstructured{deploy, find(t, objs, "PodDisruptionBudget/"+name)} {
				if i != j && selects(labels(t, selector.Object, "spec", "selector", "matchLabels"), podLabels(t, other)) {
					t.Errorf("%s selects the pods of %s", key(selector), key(other))
				}
			}
		}
	}
}

func checkPDB(t *testing.T, objs []*unstructured.Unstructured, name string) {
	pdb := find(t, objs, "PodDisruptionBudget/"+name)
	if got := nested[int64](t, pdb.Object, "spec", "minAvailable"); got != 1 {
		t.Errorf("%s minAvailable %d, want 1", key(pdb), got)
	}
	if !selects(labels(t, pdb.Object, "spec", "selector", "matchLabels"), podLabels(t, find(t, objs, "Deployment/"+name))) {
		t.Errorf("%s does not select the pods of Deployment/%s", key(pdb), name)
	}
}

// checkServiceMonitors: each scrapes its component's metrics Service, and
// nothing else (not the DNS Service, which may be a public LoadBalancer).
func checkServiceMonitors(t *testing.T, objs []*unstructured.Unstructured) {
	services := ofKind(objs, "Service")
	for _, sm := range ofKind(objs, "ServiceMonitor") {
		if sm.GetAPIVersion() != "monitoring.coreos.com/v1" {
			t.Errorf("%s: apiVersion %s", key(sm), sm.GetAPIVersion())
		}
		selector := labels(t, sm.Object, "spec", "selector", "matchLabels")
		var matched []string
		for _, svc := range services {
			if selects(selector, svc.GetLabels()) {
				matched = append(matched, svc.GetName())
			}
		}
		if want := []string{sm.GetName() + "-metrics"}; !slices.Equal(matched, want) {
			t.Errorf("%s selects Services %v, want %v", key(sm), matched, want)
		}
		endpoints := nested[[]any](t, sm.Object, "spec", "endpoints")
		if len(endpoints) != 1 || endpoints[0].(map[string]any)["port"] != "http-metrics" {
			t.Errorf("%s endpoints %v, want port http-metrics", key(sm), endpoints)
		}
	}
}

func checkDashboardConfigMap(t *testing.T, objs []*unstructured.Unstructured) {
	cm := find(t, objs, "ConfigMap/convoy-dashboard")
	if got := cm.GetLabels()["grafana_dashboard"]; got != "1" {
		t.Errorf("grafana_dashboard label %q, want \"1\"", got)
	}
	want, err := os.ReadFile(filepath.Join(chartDir, "dashboards", dashboardFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := nested[string](t, cm.Object, "data", dashboardFile); got != strings.TrimSuffix(string(want), "\n") {
		t.Errorf("the ConfigMap's %s is not dashboards/%s", dashboardFile, dashboardFile)
	}
}

func podLabels(t testing.TB, deploy *unstructured.Unstructured) map[string]string {
	t.Helper()
	return labels(t, deploy.Object, "spec", "template", "metadata", "labels")
}

// containerPort resolves a Service's targetPort or a probe's port, a
// number or a port name, against a container's ports.
func containerPort(t testing.TB, c map[string]any, target any, protocol string) int64 {
	t.Helper()
	if n, ok := target.(int64); ok {
		return n
	}
	for _, p := range nested[[]any](t, c, "ports") {
		p := p.(map[string]any)
		proto, _ := p["protocol"].(string)
		if proto == "" {
			proto = "TCP"
		}
		if p["name"] == target && proto == protocol {
			return p["containerPort"].(int64)
		}
	}
	t.Errorf("container %s has no port %v/%s", c["name"], target, protocol)
	return 0
}

// values.schema.json rejects what a template would silently ignore or
// misrender, and the error names the value.
func TestValuesSchema(t *testing.T) {
	r := newRenderer(t, minKubeVersion)
	for _, tc := range []struct {
		name   string
		values map[string]any
		want   string
	}{
		{"typo", with(zones(), "manager.replica", 3), "replica"},
		{"typo at the top", with(zones(), "crd", map[string]any{"enabled": false}), "crd"},
		{"wrong type", with(zones(), "manager.replicas", "two"), "/manager/replicas"},
		{"wrong type in a list", with(map[string]any{}, "dns.zones", []any{53}), "/dns/zones/0"},
		{"unknown controller", with(zones(), "manager.disableControllers", []any{"rollout"}), "/manager/disableControllers/0"},
		{"unknown Service type", with(zones(), "dns.service.type", "Loadbalancer"), "/dns/service/type"},
		{"unknown log format", with(zones(), "manager.logFormat", "text"), "/manager/logFormat"},
		{"no unreachability threshold", with(zones(), "manager.clusterUnreachableThreshold", 0), "/manager/clusterUnreachableThreshold"},
		{"no shard", with(zones(), "manager.shards", 0), "/manager/shards"},
		{"shards at the top", with(zones(), "shards", 2), "shards"},
		{"no zones", map[string]any{}, "/dns/zones"},
		{"embedded DNS without zones", with(with(map[string]any{}, "dns.enabled", false), "manager.dns.enabled", true), "/dns/zones"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.render(t, releaseName, namespace, tc.values)
			if err == nil {
				t.Fatal("render passed, want a schema error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not name %q: %v", tc.want, err)
			}
			if got := render.ReasonOf(err); got != render.ReasonTemplateError {
				t.Errorf("reason %s, want %s", got, render.ReasonTemplateError)
			}
		})
	}
}

// The chart's CRDs are apis/crds', the ones the CLI and every test install,
// plus the keep annotation.
func TestChartCRDsMatchAPIs(t *testing.T) {
	objs, err := newRenderer(t, minKubeVersion).render(t, releaseName, namespace, zones())
	if err != nil {
		t.Fatal(err)
	}
	rendered := map[string]*apiextensionsv1.CustomResourceDefinition{}
	for _, obj := range ofKind(objs, "CustomResourceDefinition") {
		obj = obj.DeepCopy()
		annotations := obj.GetAnnotations()
		if annotations[keepAnnotation] != "keep" {
			t.Errorf("%s lacks %s: keep", key(obj), keepAnnotation)
		}
		delete(annotations, keepAnnotation)
		obj.SetAnnotations(annotations)
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(obj.Object, crd, true); err != nil {
			t.Fatalf("%s: %v", key(obj), err)
		}
		rendered[crd.Name] = crd
	}
	want, err := crds.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(rendered) != len(want) {
		t.Errorf("the chart has %d CRDs, apis/crds %d", len(rendered), len(want))
	}
	for _, crd := range want {
		got, ok := rendered[crd.Name]
		if !ok {
			t.Errorf("the chart lacks %s: run make generate", crd.Name)
			continue
		}
		if !equality.Semantic.DeepEqual(got, crd) {
			t.Errorf("the chart's %s differs from apis/crds (run make generate):\n%s", crd.Name, diff.Diff(crd, got))
		}
	}
}

// hack/chart-crds.sh reproduces templates/crds byte for byte: the files
// are generated, not edited (make verify checks the same in git).
func TestChartCRDsAreGenerated(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command("bash", "hack/chart-crds.sh", out)
	cmd.Dir = repoRoot
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hack/chart-crds.sh: %v\n%s", err, b)
	}
	committed := filepath.Join(chartDir, "templates", "crds")
	names := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	if got, want := names(committed), names(out); !slices.Equal(got, want) {
		t.Fatalf("templates/crds has %v, hack/chart-crds.sh makes %v: run make generate", got, want)
	}
	for _, name := range names(out) {
		got, err := os.ReadFile(filepath.Join(committed, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("templates/crds/%s is stale or edited: run make generate", name)
		}
	}
}

// The manager may do everything it does to every convoy.dev kind, so a new
// CRD without a chart change fails here rather than in a cluster.
func TestManagerRBACCoversEveryCRD(t *testing.T) {
	objs, err := newRenderer(t, minKubeVersion).render(t, releaseName, namespace, zones())
	if err != nil {
		t.Fatal(err)
	}
	manager := policyRules(t, find(t, objs, "ClusterRole/convoy-manager"))
	dns := policyRules(t, find(t, objs, "ClusterRole/convoy-dns"))
	all, err := crds.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, crd := range all {
		group, plural := crd.Spec.Group, crd.Spec.Names.Plural
		for resource, verbs := range map[string][]string{
			plural:                 {"get", "list", "watch", "create", "update", "patch", "delete"},
			plural + "/status":     {"get", "update", "patch"},
			plural + "/finalizers": {"update"},
		} {
			for _, verb := range verbs {
				if !allows(manager, group, resource, verb) {
					t.Errorf("the manager may not %s %s.%s", verb, resource, group)
				}
			}
		}
	}
	for _, tc := range []struct {
		rules                 []rbacv1.PolicyRule
		who, group, res, verb string
		want                  bool
	}{
		// Secrets are read one by one, uncached: never listed or watched.
		{manager, "manager", "", "secrets", "get", true},
		{manager, "manager", "", "secrets", "list", false},
		{manager, "manager", "", "secrets", "watch", false},
		{manager, "manager", "", "events", "create", true},
		{manager, "manager", "events.k8s.io", "events", "patch", true},
		{manager, "manager", "coordination.k8s.io", "leases", "watch", true},
		// Lease writes are in the release namespace only (the Role).
		{manager, "manager", "coordination.k8s.io", "leases", "create", false},
		{manager, "manager", "externaldns.k8s.io", "dnsendpoints", "create", true},
		{manager, "manager", "externaldns.k8s.io", "dnsendpoints/status", "get", true},
		{dns, "DNS server", "convoy.dev", "dnsrecordsets", "watch", true},
		{dns, "DNS server", "convoy.dev", "dnsrecordsets/status", "patch", true},
		{dns, "DNS server", "convoy.dev", "dnsrecordsets", "update", false},
		{dns, "DNS server", "", "secrets", "get", false},
	} {
		if got := allows(tc.rules, tc.group, tc.res, tc.verb); got != tc.want {
			t.Errorf("the %s's ClusterRole allows %s %s in group %q: %v, want %v", tc.who, tc.verb, tc.res, tc.group, got, tc.want)
		}
	}
}

func policyRules(t testing.TB, obj *unstructured.Unstructured) []rbacv1.PolicyRule {
	t.Helper()
	role := &rbacv1.ClusterRole{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(obj.Object, role, true); err != nil {
		t.Fatalf("%s: %v", key(obj), err)
	}
	return role.Rules
}

// allows evaluates RBAC rules the way the API server does for a resource
// request, wildcards included.
func allows(rules []rbacv1.PolicyRule, group, resource, verb string) bool {
	match := func(list []string, v string) bool {
		return slices.Contains(list, v) || slices.Contains(list, rbacv1.ResourceAll)
	}
	return slices.ContainsFunc(rules, func(r rbacv1.PolicyRule) bool {
		return len(r.ResourceNames) == 0 && match(r.APIGroups, group) && match(r.Resources, resource) && match(r.Verbs, verb)
	})
}
