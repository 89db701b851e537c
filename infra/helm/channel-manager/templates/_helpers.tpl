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
{{- with .hostVariable }}{{- $_ := set $env . "0.0.0.0" -}}{{- end }}
{{- end }}
{{- toYaml $env -}}
{{- end }}
