{{/*
Names and labels. Every object name starts with convoy.fullname, so two
releases never collide, not even in cluster-scoped ClusterRoles.
*/}}

{{- define "convoy.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release name, with the chart name appended unless it already contains
it. Truncated so that "<fullname>-manager-metrics" (the longest suffix)
stays a valid 63-character name.
*/}}
{{- define "convoy.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 47 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 47 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 47 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "convoy.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "convoy.labels" -}}
helm.sh/chart: {{ include "convoy.chart" . }}
{{ include "convoy.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: convoy
{{- end }}

{{- define "convoy.selectorLabels" -}}
app.kubernetes.io/name: {{ include "convoy.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
A component's name, labels and selector labels. The argument is a dict:
  root:      the chart's top-level context
  component: "manager" or "dns"
*/}}
{{- define "convoy.componentName" -}}
{{- printf "%s-%s" (include "convoy.fullname" .root) .component }}
{{- end }}

{{- define "convoy.componentLabels" -}}
{{ include "convoy.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "convoy.componentSelectorLabels" -}}
{{ include "convoy.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Pods that answer DNS carry this label, and the DNS Service selects it: the
DNS Deployment's always, the manager's when manager.dns.enabled.
*/}}
{{- define "convoy.dnsServingLabel" -}}
convoy.dev/serves-dns: "true"
{{- end }}

{{/* The ServiceAccount a component runs as (dict root, component). */}}
{{- define "convoy.serviceAccountName" -}}
{{- $sa := (index .root.Values .component).serviceAccount }}
{{- if $sa.create }}
{{- default (include "convoy.componentName" .) $sa.name }}
{{- else }}
{{- default "default" $sa.name }}
{{- end }}
{{- end }}

{{/* An image reference; the tag defaults to the chart's appVersion. */}}
{{- define "convoy.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}

{{/*
Whether anything serves DNS: the DNS Deployment or the manager's embedded
server. Either needs dns.zones. Returns "true" or "".
*/}}
{{- define "convoy.servesDNS" -}}
{{- if or .Values.dns.enabled .Values.manager.dns.enabled }}true{{ end }}
{{- end }}

{{/*
The DNS zones as repeated flags (dict root, flag). Fails, naming the value,
when DNS is served and no zone is set: a server without zones cannot start,
and the pods would crash-loop instead.
*/}}
{{- define "convoy.dnsZoneArgs" -}}
{{- $dns := .root.Values.dns }}
{{- if not $dns.zones }}
{{- fail "dns.zones is required when dns.enabled or manager.dns.enabled: the zones convoy's DNS server is authoritative for, such as --set dns.zones={apps.example.com}" }}
{{- end }}
{{- range $dns.zones }}
- {{ printf "--%s=%s" $.flag . | quote }}
{{- end }}
{{- range $dns.nameservers }}
- {{ printf "--%s=%s" $.nameserverFlag . | quote }}
{{- end }}
{{- end }}
