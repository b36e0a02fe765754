{{/*
The DNS server's component hooks (see _workload.tpl): `convoy dns` on :5353
(an unprivileged port; the Service maps 53 to it), metrics on :8080, its
Lease in the release namespace.
*/}}

{{- define "convoy.dns.args" -}}
- dns
- --listen=:5353
- --lease-namespace={{ .Release.Namespace }}
- --metrics-bind-address=:8080
{{- include "convoy.dnsZoneArgs" (dict "root" . "flag" "zone" "nameserverFlag" "nameserver") }}
{{- end }}

{{- define "convoy.dns.ports" -}}
{{ include "convoy.dnsPorts" . }}
{{- end }}

{{/*
`convoy dns` has no HTTP probe endpoint; a TCP connect to its DNS port shows
the server is listening. Readiness only decides whether the Service sends it
queries: whether the traffic controller counts a replica is decided by its
Lease, which it renews only once it serves the records it has read.
*/}}
{{- define "convoy.dns.container" -}}
livenessProbe:
  tcpSocket:
    port: dns-tcp
  initialDelaySeconds: 5
  periodSeconds: 20
readinessProbe:
  tcpSocket:
    port: dns-tcp
  periodSeconds: 10
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
