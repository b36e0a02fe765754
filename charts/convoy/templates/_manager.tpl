{{/*
The manager's component hooks (see _workload.tpl): convoy-manager with
leader election in the release namespace, metrics on :8080, probes on :8081,
and, with manager.dns.enabled, the embedded DNS server on :5353.
*/}}

{{- define "convoy.manager.args" -}}
{{- $m := .Values.manager -}}
- --leader-elect
- --leader-election-namespace={{ .Release.Namespace }}
- --metrics-bind-address=:8080
- --health-probe-bind-address=:8081
- --log-format={{ $m.logFormat }}
- --cache-dir=/var/cache/convoy
- --global-block-namespace={{ default .Release.Namespace $m.globalBlockNamespace }}
- --cluster-unreachable-threshold={{ $m.clusterUnreachableThreshold }}
{{- with $m.watchNamespace }}
- --namespace={{ . }}
{{- end }}
{{- with $m.disableControllers }}
- --disable-controllers={{ join "," . }}
{{- end }}
{{- if $m.dns.enabled }}
- --dns-listen=:5353
- --dns-lease-namespace={{ .Release.Namespace }}
{{- include "convoy.dnsZoneArgs" (dict "root" . "flag" "dns-zone" "nameserverFlag" "dns-nameserver") }}
{{- end }}
{{- end }}

{{- define "convoy.manager.ports" -}}
- name: http-health
  containerPort: 8081
  protocol: TCP
{{- if .Values.manager.dns.enabled }}
{{ include "convoy.dnsPorts" . }}
{{- end }}
{{- end }}

{{/*
Every replica answers /readyz, leader or not: a stand-by is ready to take
over, and with manager.dns.enabled it serves DNS too.
*/}}
{{- define "convoy.manager.container" -}}
env:
  {{- /* git (kustomize sources) and ssh want a writable home. */}}
  - name: HOME
    value: /tmp
livenessProbe:
  httpGet:
    path: /healthz
    port: http-health
  initialDelaySeconds: 15
  periodSeconds: 20
readinessProbe:
  httpGet:
    path: /readyz
    port: http-health
  initialDelaySeconds: 5
  periodSeconds: 10
volumeMounts:
  - name: cache
    mountPath: /var/cache/convoy
  - name: tmp
    mountPath: /tmp
{{- end }}

{{/*
The root filesystem is read-only: charts and git checkouts are cached in an
emptyDir, rebuilt after a restart from the repositories.
*/}}
{{- define "convoy.manager.volumes" -}}
- name: cache
  emptyDir:
    sizeLimit: {{ .Values.manager.cacheSizeLimit }}
- name: tmp
  emptyDir: {}
{{- end }}

{{- define "convoy.manager.podLabels" -}}
{{- if .Values.manager.dns.enabled }}
{{- include "convoy.dnsServingLabel" . }}
{{- end }}
{{- end }}
