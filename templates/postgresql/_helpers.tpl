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
TLS to PostgreSQL (postgresqlSchema.tls): the files its clients read, where the Pods mount them,
and whether any is named ("true" or empty). One folder for the hooks, the checks and the Dapr
state store's sidecar, which mounts the same volume (dapr.io/volume-mounts).
Usage: {{ include "learnflow.postgresql.tlsDir" . }}, {{ if include "learnflow.postgresql.tlsFiles" . }}
*/}}
{{- define "learnflow.postgresql.tlsDir" -}}
/etc/learnflow/postgresql-tls
{{- end -}}

{{- define "learnflow.postgresql.tlsFiles" -}}
{{- $tls := .Values.postgresqlSchema.tls -}}
{{- if and (ne $tls.mode "disable") (or $tls.caCertificate.secretName $tls.caCertificate.configMapName $tls.clientCertificate.secretName) -}}true{{- end -}}
{{- end -}}

{{/*
The TLS settings as libpq keywords, for a connection string: (keyword value) pairs, sslmode and a path for each file named.
Usage: {{ include "learnflow.postgresql.tlsKeywords" . | fromJsonArray }}
*/}}
{{- define "learnflow.postgresql.tlsKeywords" -}}
{{- $tls := .Values.postgresqlSchema.tls -}}
{{- $dir := include "learnflow.postgresql.tlsDir" . -}}
{{- $keywords := list (list "sslmode" $tls.mode) -}}
{{- if ne $tls.mode "disable" -}}
{{- if or $tls.caCertificate.secretName $tls.caCertificate.configMapName -}}
{{- $keywords = append $keywords (list "sslrootcert" (printf "%s/ca.crt" $dir)) -}}
{{- end -}}
{{- if $tls.clientCertificate.secretName -}}
{{- $keywords = append $keywords (list "sslcert" (printf "%s/tls.crt" $dir)) -}}
{{- $keywords = append $keywords (list "sslkey" (printf "%s/tls.key" $dir)) -}}
{{- end -}}
{{- end -}}
{{- toJson $keywords -}}
{{- end -}}

{{/*
The TLS files as one projected volume (the CA from its Secret or ConfigMap, the client certificate
from its kubernetes.io/tls Secret), and its mount; nothing when no file is named.
Usage: {{ include "learnflow.postgresql.tlsVolume" . }}, {{ include "learnflow.postgresql.tlsMount" . }}
*/}}
{{- define "learnflow.postgresql.tlsVolume" -}}
{{- if include "learnflow.postgresql.tlsFiles" . -}}
{{- $tls := .Values.postgresqlSchema.tls -}}
- name: postgresql-tls
  projected:
    defaultMode: 0440
    sources:
      {{- with $tls.caCertificate.secretName }}
      - secret:
          name: {{ . | quote }}
          items:
            - key: {{ $tls.caCertificate.key | quote }}
              path: ca.crt
      {{- end }}
      {{- with $tls.caCertificate.configMapName }}
      - configMap:
          name: {{ . | quote }}
          items:
            - key: {{ $tls.caCertificate.key | quote }}
              path: ca.crt
      {{- end }}
      {{- with $tls.clientCertificate.secretName }}
      - secret:
          name: {{ . | quote }}
          items:
            - key: tls.crt
              path: tls.crt
            - key: tls.key
              path: tls.key
      {{- end }}
{{- end -}}
{{- end -}}

{{- define "learnflow.postgresql.tlsMount" -}}
{{- if include "learnflow.postgresql.tlsFiles" . -}}
- name: postgresql-tls
  mountPath: {{ include "learnflow.postgresql.tlsDir" . }}
  readOnly: true
{{- end -}}
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
{{- $tls := .Values.postgresqlSchema.tls -}}
{{- if and $tls.caCertificate.secretName $tls.caCertificate.configMapName }}
postgresqlSchema.tls.caCertificate names both a Secret ({{ $tls.caCertificate.secretName }}) and a ConfigMap ({{ $tls.caCertificate.configMapName }}): keep the one that holds the CA
{{- end -}}
{{- if and (eq $tls.mode "disable") (or $tls.caCertificate.secretName $tls.caCertificate.configMapName $tls.clientCertificate.secretName) }}
postgresqlSchema.tls names a CA or a client certificate but postgresqlSchema.tls.mode is disable, so nothing would use them: set postgresqlSchema.tls.mode=verify-full
{{- end -}}
{{- if and (include "learnflow.postgresql.inRelease" .) (ne $tls.mode "disable") (not (.Values.postgresql.tls | default dict).enabled) }}
postgresqlSchema.tls.mode is {{ $tls.mode }} but this release's PostgreSQL has no TLS: set postgresql.tls.enabled=true with a certificate that names {{ include "learnflow.postgresql.host" . }} (postgresql.tls.certificatesSecret), or leave postgresqlSchema.tls.mode=disable
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
The migrations and seeds ConfigMaps, the credentials Secret's given keys and the TLS files as volumes, and their mounts.
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
{{- with include "learnflow.postgresql.tlsVolume" .context }}
{{ . }}
{{- end }}
{{- end -}}

{{- define "learnflow.postgresql.mounts" -}}
- name: migrations
  mountPath: /etc/learnflow/migrations
  readOnly: true
- name: seeds
  mountPath: /etc/learnflow/seeds
  readOnly: true
{{ include "learnflow.credentials.mount" . }}
{{- with include "learnflow.postgresql.tlsMount" . }}
{{ . }}
{{- end }}
{{- end -}}
