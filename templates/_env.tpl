{{/*
The contract between the chart and the hooks program: the environment every template passes it,
one helper per option group of the program (hooks/commands/options.ts, kafka-options.ts,
postgresql-options.ts). Each variable is LEARNFLOW_HOOKS_<OPTION>; nothing of it is written inline.
*/}}

{{/*
The program's own options every hook and test container sets: how long to wait for services,
and the log level; (dict "context" $ "timeout" $.Values.hooks.waitTimeoutSeconds).
Usage: {{ include "learnflow.hooks.env" (dict "context" $ "timeout" $.Values.hooks.waitTimeoutSeconds) }}
*/}}
{{- define "learnflow.hooks.env" -}}
- name: LEARNFLOW_HOOKS_TIMEOUT
  value: {{ .timeout | quote }}
- name: LEARNFLOW_HOOKS_LOG_LEVEL
  value: {{ .context.Values.hooks.logLevel | quote }}
{{- end -}}

{{/*
Environment of the programs that talk to Kafka.
Usage: {{ include "learnflow.kafka.env" . }}
*/}}
{{- define "learnflow.kafka.env" -}}
{{ include "learnflow.kafka.connectionEnv" . }}
- name: LEARNFLOW_HOOKS_TOPICS_FILE
  value: /etc/learnflow/kafka/topics.json
{{- end -}}

{{/*
Where the topic hook keeps its state (the ConfigMap, and the release it labels it with) and what it may delete: the kafka-topics command's state options.
Usage: {{ include "learnflow.kafka.stateEnv" . }}
*/}}
{{- define "learnflow.kafka.stateEnv" -}}
- name: LEARNFLOW_HOOKS_STATE_CONFIGMAP
  value: {{ include "learnflow.kafka.stateConfigMapName" . | quote }}
- name: LEARNFLOW_HOOKS_DELETE_UNMANAGED
  value: {{ join "," .Values.kafkaTopics.deleteUnmanaged | quote }}
- name: LEARNFLOW_HOOKS_RELEASE
  value: {{ .Release.Name | quote }}
{{- end -}}

{{/*
The kafka-topics command's ACL options, when Kafka authorizes.
Usage: {{ include "learnflow.kafka.aclEnv" . }}
*/}}
{{- define "learnflow.kafka.aclEnv" -}}
{{- if include "learnflow.kafka.acls.enabled" . -}}
- name: LEARNFLOW_HOOKS_KAFKA_SERVICES_USER
  value: {{ first .Values.kafka.sasl.client.users | quote }}
- name: LEARNFLOW_HOOKS_KAFKA_SERVICES_GROUPS
  value: {{ prepend .Values.kafkaTopics.acls.consumerGroups (printf "%s*" (include "learnflow.dapr.consumerGroupPrefix" .)) | uniq | join "," | quote }}
{{- end -}}
{{- end -}}

{{/*
How a hook or check reaches Kafka: the brokers, the SASL user and password file when the client
listener uses SASL, and TLS with the CA's file when it speaks TLS.
Usage: {{ include "learnflow.kafka.connectionEnv" . }}
*/}}
{{- define "learnflow.kafka.connectionEnv" -}}
- name: LEARNFLOW_HOOKS_KAFKA_BROKERS
  value: {{ include "learnflow.kafka.bootstrapServers" . | quote }}
{{- if include "learnflow.kafka.sasl.enabled" . }}
- name: LEARNFLOW_HOOKS_KAFKA_SASL_MECHANISM
  value: scram-sha-512
- name: LEARNFLOW_HOOKS_KAFKA_SASL_USERNAME
  value: {{ include "learnflow.kafka.sasl.hooksUser" . | quote }}
- name: LEARNFLOW_HOOKS_KAFKA_SASL_PASSWORD_FILE
  value: /etc/learnflow/kafka-sasl/password
{{- end }}
{{- if include "learnflow.kafka.tls.enabled" . }}
- name: LEARNFLOW_HOOKS_KAFKA_TLS
  value: "true"
{{- if include "learnflow.kafka.tls.caSecret" . }}
- name: LEARNFLOW_HOOKS_KAFKA_TLS_CA_FILE
  value: /etc/learnflow/kafka-tls/ca.crt
{{- end }}
{{- end }}
{{- end -}}

{{/*
Environment of the programs that talk to PostgreSQL: where it is, who to be, where the password
is, and TLS (the same keywords as the state store's connection string; none with TLS off).
Usage: {{ include "learnflow.postgresql.env" . }}
*/}}
{{- define "learnflow.postgresql.env" -}}
- name: LEARNFLOW_HOOKS_POSTGRESQL_HOST
  value: {{ include "learnflow.postgresql.host" . | quote }}
- name: LEARNFLOW_HOOKS_POSTGRESQL_PORT
  value: {{ include "learnflow.postgresql.port" . | quote }}
- name: LEARNFLOW_HOOKS_POSTGRESQL_DATABASE
  value: {{ include "learnflow.postgresql.database" . | quote }}
- name: LEARNFLOW_HOOKS_POSTGRESQL_USER
  value: {{ include "learnflow.postgresql.username" . | quote }}
- name: LEARNFLOW_HOOKS_POSTGRESQL_PASSWORD_FILE
  value: /etc/learnflow/credentials/password
- name: LEARNFLOW_HOOKS_POSTGRESQL_PASSWORD_SECRET
  value: {{ printf "Secret %s, key password" (include "learnflow.credentials.secretName" .) | quote }}
{{- range include "learnflow.postgresql.tlsKeywords" . | fromJsonArray }}
{{- $option := get (dict "sslmode" "MODE" "sslrootcert" "CA_FILE" "sslcert" "CERT_FILE" "sslkey" "KEY_FILE") (index . 0) }}
{{- if ne (index . 1) "disable" }}
- name: LEARNFLOW_HOOKS_POSTGRESQL_TLS_{{ $option }}
  value: {{ index . 1 | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Where the migrations are mounted.
Usage: {{ include "learnflow.postgresql.migrationsEnv" . }}
*/}}
{{- define "learnflow.postgresql.migrationsEnv" -}}
- name: LEARNFLOW_HOOKS_MIGRATIONS_DIR
  value: /etc/learnflow/migrations
{{- end -}}

{{/*
Where the seed files are mounted, and whether test users are seeded.
Usage: {{ include "learnflow.postgresql.seedsEnv" . }}
*/}}
{{- define "learnflow.postgresql.seedsEnv" -}}
- name: LEARNFLOW_HOOKS_SEEDS_DIR
  value: /etc/learnflow/seeds
- name: LEARNFLOW_HOOKS_TEST_USERS
  value: {{ include "learnflow.postgresql.testUsersEnabled" . | eq "true" | quote }}
{{- end -}}

{{/*
The seed's test-user passwords: the mounted credentials Secret (postgresql-seed's --credentials-dir).
Usage: {{ include "learnflow.postgresql.seedCredentialsEnv" . }}
*/}}
{{- define "learnflow.postgresql.seedCredentialsEnv" -}}
- name: LEARNFLOW_HOOKS_CREDENTIALS_DIR
  value: /etc/learnflow/credentials
{{- end -}}

{{/*
The credentials hook's Secret, the release it labels it with, the keys it fills, and the services
namespaces it copies a service's keys into (the credentials command's options).
Usage: {{ include "learnflow.credentials.env" . }}
*/}}
{{- define "learnflow.credentials.env" -}}
- name: LEARNFLOW_HOOKS_SECRET_NAME
  value: {{ include "learnflow.credentials.secretName" . | quote }}
- name: LEARNFLOW_HOOKS_RELEASE
  value: {{ .Release.Name | quote }}
- name: LEARNFLOW_HOOKS_KEYS
  value: {{ include "learnflow.credentials.keys" . | quote }}
{{- with (.Values.global.learnflow | default dict).serviceNamespaces }}
- name: LEARNFLOW_HOOKS_SERVICE_NAMESPACES
  value: {{ join "," . | quote }}
- name: LEARNFLOW_HOOKS_SERVICE_KEYS
  value: {{ include "learnflow.services.secretKeys" $ | quote }}
{{- end }}
{{- end -}}

{{/*
The Dapr check's components and the port its subscriber app listens on (the dapr-check command's
options; the port is the container's app port).
Usage: {{ include "learnflow.dapr.checkEnv" . }}
*/}}
{{- define "learnflow.dapr.checkEnv" -}}
- name: LEARNFLOW_HOOKS_APP_PORT
  value: "8080"
- name: LEARNFLOW_HOOKS_PUBSUB_NAME
  value: {{ .Values.daprComponents.pubsub.name | quote }}
- name: LEARNFLOW_HOOKS_STATESTORE_NAME
  value: {{ .Values.daprComponents.statestore.name | quote }}
{{- end -}}

{{/*
The Dapr state store part's role, schema and tables, and the store's password (the dapr-statestore
command's options; the superuser's comes from learnflow.postgresql.adminEnv).
Usage: {{ include "learnflow.dapr.statestoreEnv" . }}
*/}}
{{- define "learnflow.dapr.statestoreEnv" -}}
{{- $store := .Values.daprComponents.statestore -}}
{{- $secret := include "learnflow.credentials.secretName" . -}}
- name: LEARNFLOW_HOOKS_STATESTORE_USER
  value: {{ $store.username | quote }}
- name: LEARNFLOW_HOOKS_STATESTORE_SCHEMA
  value: {{ $store.schema | quote }}
- name: LEARNFLOW_HOOKS_STATESTORE_TABLES
  value: {{ printf "%s,%s" $store.tableName $store.metadataTableName | quote }}
- name: LEARNFLOW_HOOKS_STATESTORE_PASSWORD_FILE
  value: /etc/learnflow/credentials/dapr-password
- name: LEARNFLOW_HOOKS_STATESTORE_PASSWORD_SECRET
  value: {{ printf "Secret %s, key dapr-password" $secret | quote }}
{{- end -}}

{{/*
The services' role and its password (the postgresql-services-role command's options).
Usage: {{ include "learnflow.postgresql.servicesRoleEnv" . }}
*/}}
{{- define "learnflow.postgresql.servicesRoleEnv" -}}
- name: LEARNFLOW_HOOKS_SERVICES_USER
  value: {{ .Values.postgresqlSchema.servicesUsername | quote }}
- name: LEARNFLOW_HOOKS_SERVICES_PASSWORD_FILE
  value: /etc/learnflow/credentials/services-password
- name: LEARNFLOW_HOOKS_SERVICES_PASSWORD_SECRET
  value: {{ printf "Secret %s, key services-password" (include "learnflow.credentials.secretName" .) | quote }}
{{- end -}}

{{/*
The superuser the parts that make roles connect as, when the hook makes them (this release's
PostgreSQL): empty otherwise, and those parts check what whoever runs the database made.
Usage: {{ include "learnflow.postgresql.adminEnv" . }}
*/}}
{{- define "learnflow.postgresql.adminEnv" -}}
{{- if include "learnflow.postgresql.rolesMadeByHook" . -}}
- name: LEARNFLOW_HOOKS_POSTGRESQL_ADMIN_USER
  value: postgres
- name: LEARNFLOW_HOOKS_POSTGRESQL_ADMIN_PASSWORD_FILE
  value: /etc/learnflow/credentials/postgres-password
- name: LEARNFLOW_HOOKS_POSTGRESQL_ADMIN_PASSWORD_SECRET
  value: {{ printf "Secret %s, key postgres-password" (include "learnflow.credentials.secretName" .) | quote }}
{{- end -}}
{{- end -}}
