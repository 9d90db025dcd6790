{{/* PostgreSQL: the Bitnami postgresql chart's names, the database host, the migrations and seeds. */}}

{{/* The Bitnami postgresql chart's base name (its common.names.fullname), which names its Service. */}}
{{- define "learnflow.postgresql.fullname" -}}
{{- include "learnflow.names.fullname" (dict "chart" "postgresql" "values" .Values.postgresql "context" .) -}}
{{- end -}}

{{/* The database host: database.host, or this release's PostgreSQL Service. */}}
{{- define "learnflow.database.host" -}}
{{- if .Values.database.host -}}
{{- .Values.database.host -}}
{{- else if .Values.postgresql.enabled -}}
{{- printf "%s.%s.svc.%s" (include "learnflow.postgresql.fullname" .) .Release.Namespace .Values.clusterDomain -}}
{{- else -}}
{{- fail "postgresql.enabled is false and database.host is empty: set database.host to your PostgreSQL's host name, or set database.enabled=false" -}}
{{- end -}}
{{- end -}}

{{/* The migrations and seeds ConfigMaps as volumes, and their mounts. */}}
{{- define "learnflow.database.volumes" -}}
- name: migrations
  configMap:
    name: {{ include "learnflow.componentName" (dict "context" . "component" "migrations") }}
- name: seeds
  configMap:
    name: {{ include "learnflow.componentName" (dict "context" . "component" "seeds") }}
{{ include "learnflow.credentials.volume" . }}
{{- end -}}

{{- define "learnflow.database.mounts" -}}
- name: migrations
  mountPath: /etc/learnflow/migrations
  readOnly: true
- name: seeds
  mountPath: /etc/learnflow/seeds
  readOnly: true
{{ include "learnflow.credentials.mount" . }}
{{- end -}}
