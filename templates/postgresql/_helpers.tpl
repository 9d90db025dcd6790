{{/* PostgreSQL: the Bitnami postgresql chart's names, the database host, the migrations and seeds. */}}

{{/*
The Bitnami postgresql chart's base name (its common.names.fullname), which names its Service.
Usage: {{ include "learnflow.postgresql.fullname" . }}
*/}}
{{- define "learnflow.postgresql.fullname" -}}
{{- include "learnflow.names.fullname" (dict "chart" "postgresql" "values" .Values.postgresql "context" .) -}}
{{- end -}}

{{/*
The postgresqlSchema values, with the keys of their name before 0.2.0 (database.*: name, user)
laid over them, so that those keep working until 0.3.0. As JSON.
Usage: {{ $schema := include "learnflow.postgresql.schema" . | fromJson }}
*/}}
{{- define "learnflow.postgresql.schema" -}}
{{- $schema := deepCopy .Values.postgresqlSchema -}}
{{- with .Values.database -}}
{{- $renamed := dict "name" "database" "user" "username" -}}
{{- range $key, $value := omit . "testUsers" -}}
{{- $_ := set $schema (get $renamed $key | default $key) $value -}}
{{- end -}}
{{- range $key, $value := .testUsers -}}
{{- $_ := set $schema.testUsers $key $value -}}
{{- end -}}
{{- end -}}
{{- toJson $schema -}}
{{- end -}}

{{/*
Whether the migration and seed hooks run (postgresqlSchema.enabled): "true" or empty.
Usage: {{ if include "learnflow.postgresql.schemaEnabled" . }}
*/}}
{{- define "learnflow.postgresql.schemaEnabled" -}}
{{- if (include "learnflow.postgresql.schema" . | fromJson).enabled -}}true{{- end -}}
{{- end -}}

{{/*
Whether the test users are seeded (postgresqlSchema.testUsers.enabled): "true" or empty.
Usage: {{ if include "learnflow.postgresql.testUsersEnabled" . }}
*/}}
{{- define "learnflow.postgresql.testUsersEnabled" -}}
{{- if (include "learnflow.postgresql.schema" . | fromJson).testUsers.enabled -}}true{{- end -}}
{{- end -}}

{{/*
Whether the hooks use this release's PostgreSQL (postgresql.enabled, no postgresqlSchema.host): "true" or empty.
Usage: {{ if include "learnflow.postgresql.inRelease" . }}
*/}}
{{- define "learnflow.postgresql.inRelease" -}}
{{- if and .Values.postgresql.enabled (not (include "learnflow.postgresql.schema" . | fromJson).host) -}}true{{- end -}}
{{- end -}}

{{/*
Whether the hook can make the services' and the Dapr state store's roles itself: this release's
PostgreSQL, whose superuser postgres has the credentials Secret's postgres-password. With an
existing PostgreSQL whoever runs it makes them, and the hook checks them (docs/postgresql.md, docs/dapr.md).
Usage: {{ if include "learnflow.postgresql.rolesMadeByHook" . }}
*/}}
{{- define "learnflow.postgresql.rolesMadeByHook" -}}
{{- if and (include "learnflow.postgresql.inRelease" .) (ne .Values.postgresql.auth.enablePostgresUser false) -}}true{{- end -}}
{{- end -}}

{{/*
The PostgreSQL host: postgresqlSchema.host, or this release's PostgreSQL Service (empty when
neither: learnflow.postgresql.validateValues says so).
Usage: {{ include "learnflow.postgresql.host" . }}
*/}}
{{- define "learnflow.postgresql.host" -}}
{{- if include "learnflow.postgresql.inRelease" . -}}
{{- printf "%s.%s.svc.%s" (include "learnflow.postgresql.fullname" .) .Release.Namespace .Values.clusterDomain -}}
{{- else -}}
{{- (include "learnflow.postgresql.schema" . | fromJson).host -}}
{{- end -}}
{{- end -}}

{{/*
Its port: this release's PostgreSQL Service port, else postgresqlSchema.port.
Usage: {{ include "learnflow.postgresql.port" . }}
*/}}
{{- define "learnflow.postgresql.port" -}}
{{- if include "learnflow.postgresql.inRelease" . -}}
{{- .Values.postgresql.primary.service.ports.postgresql -}}
{{- else -}}
{{- (include "learnflow.postgresql.schema" . | fromJson).port | int -}}
{{- end -}}
{{- end -}}

{{/*
The database and the application user: postgresqlSchema.database and .username, else the
postgresql chart's postgresql.auth.database and .username.
Usage: {{ include "learnflow.postgresql.database" . }}, {{ include "learnflow.postgresql.username" . }}
*/}}
{{- define "learnflow.postgresql.database" -}}
{{- (include "learnflow.postgresql.schema" . | fromJson).database | default .Values.postgresql.auth.database -}}
{{- end -}}

{{- define "learnflow.postgresql.username" -}}
{{- (include "learnflow.postgresql.schema" . | fromJson).username | default .Values.postgresql.auth.username -}}
{{- end -}}

{{/*
A libpq connection string in keyword/value form, from (keyword value) pairs. Each value is
single-quoted with \ and ' escaped, as libpq reads them, so that no value can add a keyword of
its own, whatever the schema let through.
Usage: {{ include "learnflow.postgresql.connectionString" (list (list "host" $host) (list "port" $port)) }}
*/}}
{{- define "learnflow.postgresql.connectionString" -}}
{{- $settings := list -}}
{{- range . -}}
{{- $value := index . 1 | toString | replace "\\" "\\\\" | replace "'" "\\'" -}}
{{- $settings = append $settings (printf "%s='%s'" (index . 0) $value) -}}
{{- end -}}
{{- join " " $settings -}}
{{- end -}}

{{/*
Problems with the PostgreSQL values, one per line (learnflow.validateValues reports them).
Usage: {{ include "learnflow.postgresql.validateValues" . }}
*/}}
{{- define "learnflow.postgresql.validateValues" -}}
{{- $schema := include "learnflow.postgresql.schema" . | fromJson -}}
{{- if and (not .Values.postgresql.enabled) (not $schema.host) (or $schema.enabled .Values.daprComponents.enabled) }}
postgresql.enabled is false and postgresqlSchema.host is empty: set postgresqlSchema.host to your PostgreSQL's host name, or set postgresqlSchema.enabled=false and daprComponents.enabled=false
{{- end -}}
{{- $services := .Values.postgresqlSchema.servicesUsername -}}
{{- if and $schema.enabled (has $services (list (include "learnflow.postgresql.username" .) .Values.daprComponents.statestore.username)) }}
postgresqlSchema.servicesUsername is {{ $services | quote }}, the name of the schema's owner or of the Dapr state store's role: the services need a role of their own, with rows and nothing else; choose another name
{{- end -}}
{{- if include "learnflow.postgresql.inRelease" . -}}
{{- range $key := list "database" "username" -}}
{{- $value := get $schema $key -}}
{{- $created := get $.Values.postgresql.auth $key -}}
{{- if and $value (ne $value $created) }}
postgresqlSchema.{{ $key }} is {{ $value | quote }} but this release's PostgreSQL creates postgresql.auth.{{ $key }} {{ $created | quote }}: set postgresql.auth.{{ $key }} instead and leave postgresqlSchema.{{ $key }} empty (it follows)
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The migrations and seeds ConfigMaps and the credentials Secret's given keys as volumes, and their mounts.
Usage: {{ include "learnflow.postgresql.volumes" (dict "context" . "keys" (list "password")) }}, {{ include "learnflow.postgresql.mounts" . }}
*/}}
{{- define "learnflow.postgresql.volumes" -}}
- name: migrations
  configMap:
    name: {{ include "learnflow.componentName" (dict "context" .context "component" "migrations") | quote }}
- name: seeds
  configMap:
    name: {{ include "learnflow.componentName" (dict "context" .context "component" "seeds") | quote }}
{{ include "learnflow.credentials.volume" . }}
{{- end -}}

{{- define "learnflow.postgresql.mounts" -}}
- name: migrations
  mountPath: /etc/learnflow/migrations
  readOnly: true
- name: seeds
  mountPath: /etc/learnflow/seeds
  readOnly: true
{{ include "learnflow.credentials.mount" . }}
{{- end -}}
