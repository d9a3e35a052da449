{{- define "tapbot.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tapbot.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tapbot.labels" -}}
{{ include "tapbot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "tapbot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "tapbot.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "tapbot.postgres" -}}
{{- if or .Values.database.url .Values.database.urlFromSecret }}true{{ end -}}
{{- end -}}

{{/* The chart's refusals: settings that cannot work, said before anything is applied. */}}
{{- define "tapbot.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not (include "tapbot.postgres" .)) -}}
{{- fail "replicaCount > 1 needs PostgreSQL (database.url or database.urlFromSecret): SQLite on a ReadWriteOnce volume serves one replica" -}}
{{- end -}}
{{- if and (not .Values.secrets.existingSecret) (not .Values.secrets.keyVault.enabled) -}}
{{- fail "secrets: set secrets.existingSecret or enable secrets.keyVault (the seal key and audit key are required outside local mode)" -}}
{{- end -}}
{{- if and .Values.secrets.keyVault.enabled (or (not .Values.secrets.keyVault.name) (not .Values.secrets.keyVault.tenantId) (not .Values.secrets.keyVault.objects)) -}}
{{- fail "secrets.keyVault: name, tenantId and objects are required when enabled" -}}
{{- end -}}
{{- if and .Values.workloadIdentity.enabled (not .Values.workloadIdentity.clientId) -}}
{{- fail "workloadIdentity.clientId is required when workloadIdentity.enabled" -}}
{{- end -}}
{{- end -}}
