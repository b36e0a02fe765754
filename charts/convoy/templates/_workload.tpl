{{/*
The objects the manager and the DNS server both have, rendered from one
definition each. Every template here takes a dict:
  root:      the chart's top-level context
  component: "manager" or "dns", which also names its values section

What differs between the two is in the component hooks, named templates
defined in _manager.tpl and _dns.tpl, each given the root context:
  convoy.<component>.args       the container's arguments (a YAML list)
  convoy.<component>.ports      container ports besides http-metrics
  convoy.<component>.container  more container fields: probes, env, mounts
  convoy.<component>.volumes    pod volumes (a YAML list; may be empty)
  convoy.<component>.podLabels  more pod labels (may be empty)
*/}}

{{/*
The Deployments this release runs, as a JSON list of dicts: the component
and, for a sharded manager (manager.shards > 1), the shard and the shard
count. One shard renders the manager Deployment unchanged, without shard
names, labels or flags.
*/}}
{{- define "convoy.workloads" -}}
{{- $workloads := list }}
{{- range (include "convoy.components" . | fromJsonArray) }}
{{- $shards := int (ternary $.Values.manager.shards 1 (eq . "manager")) }}
{{- if gt $shards 1 }}
{{- range $i := until $shards }}
{{- $workloads = append $workloads (dict "component" "manager" "shard" $i "shards" $shards) }}
{{- end }}
{{- else }}
{{- $workloads = append $workloads (dict "component" .) }}
{{- end }}
{{- end }}
{{- toJson $workloads }}
{{- end }}

{{/*
A workload's name and selector labels (dict root, component, and shard and
shards when sharded): a shard's Deployment is <component name>-shard-<i>
and its pods carry convoy.dev/shard, so each shard's Deployment and
PodDisruptionBudget select its own pods only.
*/}}
{{- define "convoy.workloadName" -}}
{{- include "convoy.componentName" . }}{{ if hasKey . "shard" }}-shard-{{ int .shard }}{{ end }}
{{- end }}

{{- define "convoy.workloadSelectorLabels" -}}
{{ include "convoy.componentSelectorLabels" . }}
{{- with include "convoy.shardLabel" . }}
{{ . }}
{{- end }}
{{- end }}

{{/* A shard's label; empty when not sharded. */}}
{{- define "convoy.shardLabel" -}}
{{- if hasKey . "shard" }}convoy.dev/shard: {{ int .shard | quote }}{{ end }}
{{- end }}

{{/* The components this release runs, as a JSON list. */}}
{{- define "convoy.components" -}}
{{- $components := list "manager" }}
{{- if .Values.dns.enabled }}
{{- $components = append $components "dns" }}
{{- end }}
{{- toJson $components }}
{{- end }}

{{- define "convoy.deployment" -}}
{{- $root := .root }}
{{- $values := index $root.Values .component }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "convoy.workloadName" . }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "convoy.componentLabels" . | nindent 4 }}
    {{- with include "convoy.shardLabel" . }}
    {{- . | nindent 4 }}
    {{- end }}
spec:
  replicas: {{ $values.replicas }}
  selector:
    matchLabels:
      {{- include "convoy.workloadSelectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "convoy.componentLabels" . | nindent 8 }}
        {{- with include "convoy.shardLabel" . }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with include (printf "convoy.%s.podLabels" .component) $root }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with $values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $values.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "convoy.serviceAccountName" . }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- /* A numeric user, so runAsNonRoot holds whatever USER the image names. */}}
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      terminationGracePeriodSeconds: {{ $values.terminationGracePeriodSeconds }}
      {{- with $values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      affinity:
        {{- if $values.affinity }}
        {{- toYaml $values.affinity | nindent 8 }}
        {{- else }}
        {{- /* Preferred, not required: a single-node cluster still runs every replica. */}}
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    {{- include "convoy.componentSelectorLabels" . | nindent 20 }}
        {{- end }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "convoy.image" (dict "root" $root "image" $values.image) | quote }}
          imagePullPolicy: {{ $values.image.pullPolicy }}
          args:
            {{- include (printf "convoy.%s.args" .component) $root | nindent 12 }}
            {{- if hasKey . "shard" }}
            - --shards={{ int .shards }}
            - --shard={{ int .shard }}
            {{- end }}
            {{- range $values.extraArgs }}
            - {{ . | quote }}
            {{- end }}
          ports:
            - name: http-metrics
              containerPort: 8080
              protocol: TCP
            {{- with include (printf "convoy.%s.ports" .component) $root }}
            {{- . | nindent 12 }}
            {{- end }}
          {{- include (printf "convoy.%s.container" .component) $root | nindent 10 }}
          {{- with $values.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            capabilities:
              drop:
                - ALL
      {{- with include (printf "convoy.%s.volumes" .component) $root }}
      volumes:
        {{- . | nindent 8 }}
      {{- end }}
{{- end }}

{{- define "convoy.serviceAccount" -}}
{{- $sa := (index .root.Values .component).serviceAccount }}
{{- if $sa.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "convoy.serviceAccountName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "convoy.componentLabels" . | nindent 4 }}
  {{- with $sa.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{/*
Metrics get a Service of their own, separate from the DNS Service: that one
is often a public LoadBalancer, and /metrics must not be on it.
*/}}
{{- define "convoy.metricsService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "convoy.componentName" . }}-metrics
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "convoy.componentLabels" . | nindent 4 }}
    {{- include "convoy.metricsLabel" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "convoy.componentSelectorLabels" . | nindent 4 }}
  ports:
    - name: http-metrics
      port: 8080
      targetPort: http-metrics
      protocol: TCP
{{- end }}

{{/* Marks the metrics Services, which the ServiceMonitors select. */}}
{{- define "convoy.metricsLabel" -}}
convoy.dev/metrics: "true"
{{- end }}

{{- define "convoy.serviceMonitor" -}}
{{- $sm := .root.Values.metrics.serviceMonitor }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "convoy.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "convoy.componentLabels" . | nindent 4 }}
    {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "convoy.componentSelectorLabels" . | nindent 6 }}
      {{- include "convoy.metricsLabel" . | nindent 6 }}
  namespaceSelector:
    matchNames:
      - {{ .root.Release.Namespace }}
  endpoints:
    - port: http-metrics
      path: /metrics
      interval: {{ $sm.interval }}
      scrapeTimeout: {{ $sm.scrapeTimeout }}
{{- end }}

{{/* Only with more than one replica: minAvailable 1 of 1 would block every node drain. */}}
{{- define "convoy.podDisruptionBudget" -}}
{{- $values := index .root.Values .component }}
{{- if and $values.podDisruptionBudget.enabled (gt (int $values.replicas) 1) }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "convoy.workloadName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "convoy.componentLabels" . | nindent 4 }}
    {{- with include "convoy.shardLabel" . }}
    {{- . | nindent 4 }}
    {{- end }}
spec:
  minAvailable: {{ $values.podDisruptionBudget.minAvailable }}
  selector:
    matchLabels:
      {{- include "convoy.workloadSelectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{/*
Binds a component's ServiceAccount to its role of the same name. Takes
(dict root, component, kind): kind is ClusterRoleBinding or RoleBinding.
*/}}
{{- define "convoy.roleBinding" -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: {{ .kind }}
metadata:
  name: {{ include "convoy.componentName" . }}
  {{- if eq .kind "RoleBinding" }}
  namespace: {{ .root.Release.Namespace }}
  {{- end }}
  labels:
    {{- include "convoy.componentLabels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: {{ trimSuffix "Binding" .kind }}
  name: {{ include "convoy.componentName" . }}
subjects:
  - kind: ServiceAccount
    name: {{ include "convoy.serviceAccountName" . }}
    namespace: {{ .root.Release.Namespace }}
{{- end }}
