{{/*
The DNS server's component hooks (see _workload.tpl): `convoy dns` on :5353
(an unprivileged port; the Service maps 53 to it), metrics on :8080, probes
on :8081, its Lease in the release namespace.
*/}}

{{- define "convoy.dns.args" -}}
- dns
- --listen=:5353
- --lease-namespace={{ .Release.Namespace }}
- --metrics-bind-address=:8080
- --health-probe-bind-address=:8081
{{- include "convoy.dnsZoneArgs" (dict "root" . "flag" "zone" "nameserverFlag" "nameserver") }}
{{- end }}

{{- define "convoy.dns.ports" -}}
{{ include "convoy.dnsPorts" . }}
- name: http-health
  containerPort: 8081
  protocol: TCP
{{- end }}

{{/*
Liveness is a TCP connect to the DNS port: the server is listening.
Readiness is /readyz, which fails while the replica cannot renew its Lease
(cut off from the management cluster for longer than the lease duration):
the Service then stops sending it queries it would answer from stale
records. Whether the traffic controller counts a replica is decided by the
same Lease, which it renews only once it serves the records it has read.
*/}}
{{- define "convoy.dns.container" -}}
livenessProbe:
  tcpSocket:
    port: dns-tcp
  initialDelaySeconds: 5
  periodSeconds: 20
readinessProbe:
  httpGet:
    path: /readyz
    port: http-health
  periodSeconds: 5
{{- end }}

{{- define "convoy.dns.volumes" -}}
{{- end }}

{{- define "convoy.dns.podLabels" -}}
{{- include "convoy.dnsServingLabel" . }}
{{- end }}

{{/* The container ports of a DNS server, UDP and TCP. */}}
{{- define "convoy.dnsPorts" -}}
- name: dns-udp
  containerPort: 5353
  protocol: UDP
- name: dns-tcp
  containerPort: 5353
  protocol: TCP
{{- end }}
