package installation

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func object(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
		t.Fatal(err)
	}
	return obj
}

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
  annotations: {convoy.dev/applied-digest: abc}
spec:
  template:
    metadata:
      creationTimestamp: null
      labels: {app: web}
    spec:
      serviceAccountName: ""
      containers:
      - name: web
        image: web:1
        ports: [{containerPort: 8080}]
        resources:
          limits: {cpu: 0.5, memory: 1Gi}
          requests: {cpu: 1}
`

// The live object as the API server keeps it: defaults added, empty
// fields dropped, quantities in canonical form, fields of other managers.
const deploymentLive = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  resourceVersion: "7"
  labels: {app: web, team: x}
  annotations: {convoy.dev/applied-digest: abc, deployment.kubernetes.io/revision: "1"}
spec:
  replicas: 3
  strategy: {type: RollingUpdate}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: web:1
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 8080, protocol: TCP}]
        resources:
          limits: {cpu: 500m, memory: 1Gi}
          requests: {cpu: "1"}
status: {replicas: 3}
`

func firstContainer(obj *unstructured.Unstructured) map[string]any {
	containers, _, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", "template", "spec", "containers")
	return containers.([]any)[0].(map[string]any)
}

func TestInSync(t *testing.T) {
	want := object(t, deployment)
	if !inSync(object(t, deploymentLive), want) {
		t.Fatal("the live object as the API server keeps it reads as drifted")
	}
	for name, edit := range map[string]func(live *unstructured.Unstructured){
		"image set by hand": func(l *unstructured.Unstructured) {
			c := firstContainer(l)
			c["image"] = "web:2"
		},
		"label changed":   func(l *unstructured.Unstructured) { l.SetLabels(map[string]string{"app": "other"}) },
		"annotation gone": func(l *unstructured.Unstructured) { l.SetAnnotations(nil) },
		"container added": func(l *unstructured.Unstructured) {
			spec := l.Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
			spec["containers"] = append(spec["containers"].([]any), map[string]any{"name": "sidecar"})
		},
		"limit raised": func(l *unstructured.Unstructured) {
			c := firstContainer(l)
			c["resources"].(map[string]any)["limits"].(map[string]any)["cpu"] = "600m"
		},
		"port removed": func(l *unstructured.Unstructured) {
			c := firstContainer(l)
			delete(c, "ports")
		},
	} {
		live := object(t, deploymentLive)
		edit(live)
		if inSync(live, want) {
			t.Errorf("%s: reads as in sync", name)
		}
	}
}

func TestInSyncConfigMapAndSecret(t *testing.T) {
	cm := object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {greeting: hello}\n")
	if !inSync(object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {greeting: hello, extra: x}\n"), cm) {
		t.Error("a key added by someone else reads as drift; it is theirs")
	}
	if inSync(object(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {greeting: patched}\n"), cm) {
		t.Error("a patched value reads as in sync")
	}
	secret := object(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: hunter2}\n")
	if !inSync(object(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: Opaque\ndata: {password: aHVudGVyMg==}\n"), secret) {
		t.Error("stringData stored as data reads as drift")
	}
	if inSync(object(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: b3RoZXI=}\n"), secret) {
		t.Error("a changed secret reads as in sync")
	}
}

func TestInSyncBooleansAndNumbers(t *testing.T) {
	want := object(t, "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {suspend: false, schedule: '* * * * *', successfulJobsHistoryLimit: 3}\n")
	if !inSync(object(t, "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '* * * * *', successfulJobsHistoryLimit: 3}\n"), want) {
		t.Error("false dropped by the API server reads as drift")
	}
	if inSync(object(t, "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {suspend: true, schedule: '* * * * *', successfulJobsHistoryLimit: 3}\n"), want) {
		t.Error("suspended by hand reads as in sync")
	}
	if inSync(object(t, "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '* * * * *', successfulJobsHistoryLimit: 4}\n"), want) {
		t.Error("a changed number reads as in sync")
	}
}
