{{/* Labels of one component (a service, the exporter, the simulator). */}}
{{- define "cm.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/part-of: channel-manager
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ .root.Chart.Name }}-{{ .root.Chart.Version }}
{{- end }}

{{- define "cm.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{- define "cm.secretName" -}}
{{- .Values.existingSecret | default (printf "%s-env" .Release.Name) -}}
{{- end }}

{{/* A service's whole plain environment: shared env, then its own, then its ports. */}}
{{- define "cm.serviceEnv" -}}
{{- $env := deepCopy .root.Values.env -}}
{{- /* A service's own values may name other services of the release ("http://{{ .Release.Name }}-ingest:9411"). */ -}}
{{- range $key, $value := (.svc.env | default dict) }}
{{- $_ := set $env $key (tpl (toString $value) $.root) -}}
{{- end }}
{{- $_ := set $env "OPS_PORT" (toString .svc.opsPort) -}}
{{- with .svc.http }}
{{- $_ := set $env .portVariable (toString .port) -}}
{{- $_ := set $env .hostVariable "0.0.0.0" -}}
{{- end }}
{{- with .svc.console }}
{{- $_ := set $env .portVariable (toString .port) -}}
{{- with .hostVariable }}
{{- $_ := set $env . "0.0.0.0" -}}
{{- end }}
{{- end }}
{{- toYaml $env -}}
{{- end }}

{{/* The credentials every service reads from the Secret. */}}
{{- define "cm.requiredSecretKeys" -}}
{{- list "DATABASE_URL" "REDIS_URL" "SECRETS_KEYS" | toJson -}}
{{- end }}

{{/*
Refuses to render a chart-made Secret that lacks a credential: there is no default password or key
to fall back on, and a service started without one would exit 78 in a crash loop.
*/}}
{{- define "cm.checkSecrets" -}}
{{- if not .Values.existingSecret }}
{{- range (include "cm.requiredSecretKeys" . | fromJsonArray) }}
{{- if not (get $.Values.secretEnv .) }}
{{- fail (printf "secretEnv.%s is required (or set existingSecret to a Secret holding %s): the chart has no default credentials" . .) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* A container's environment variables read from the Secret: the shared credentials, then the service's own (optional) ones. */}}
{{- define "cm.secretEnv" -}}
{{- $secret := include "cm.secretName" .root -}}
{{- range (include "cm.requiredSecretKeys" .root | fromJsonArray) }}
- name: {{ . }}
  valueFrom: { secretKeyRef: { name: {{ $secret }}, key: {{ . }} } }
{{- end }}
{{- range (.svc.secretEnv | default list) }}
- name: {{ . }}
  valueFrom: { secretKeyRef: { name: {{ $secret }}, key: {{ . }}, optional: true } }
{{- end }}
{{- end }}

{{/* The restricted Pod Security Standard's pod fields (values podSecurityContext), with a component's own user when it has one. */}}
{{- define "cm.podSecurityContext" -}}
{{- $context := deepCopy .root.Values.podSecurityContext -}}
{{- with .runAsUser }}{{ $_ := set $context "runAsUser" . }}{{ $_ := set $context "runAsGroup" . }}{{ end -}}
{{- toYaml $context -}}
{{- end }}

{{/* A writable /tmp on a read-only root filesystem. */}}
{{- define "cm.tmpVolumeMount" -}}
- { name: tmp, mountPath: /tmp }
{{- end }}
{{- define "cm.tmpVolume" -}}
- { name: tmp, emptyDir: { sizeLimit: 64Mi } }
{{- end }}
