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
{{- $env := merge (dict) (.svc.env | default dict) .root.Values.env -}}
{{- $_ := set $env "OPS_PORT" (toString .svc.opsPort) -}}
{{- with .svc.http }}
{{- $_ := set $env .portVariable (toString .port) -}}
{{- $_ := set $env .hostVariable "0.0.0.0" -}}
{{- end }}
{{- with .svc.console }}
{{- $_ := set $env .portVariable (toString .port) -}}
{{- end }}
{{- toYaml $env -}}
{{- end }}
