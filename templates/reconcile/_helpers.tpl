{{/* The reconcile Job: the topic catalogue, the migrations and the seeds, after every install and upgrade. */}}

{{/*
The ServiceAccount of the reconcile Job, and its Role's name.
Usage: {{ include "learnflow.reconcile.serviceAccountName" . }}
*/}}
{{- define "learnflow.reconcile.serviceAccountName" -}}
{{- include "learnflow.componentName" (dict "context" . "component" "reconcile") -}}
{{- end -}}

{{/*
Whether the reconcile Job talks to the Kubernetes API: the topic hook keeps its state in a ConfigMap.
Usage: {{ if include "learnflow.reconcile.apiAccess" . }}
*/}}
{{- define "learnflow.reconcile.apiAccess" -}}
{{- if .Values.kafkaTopics.enabled -}}true{{- end -}}
{{- end -}}

{{/*
The credentials Secret's keys the reconcile Job reads, comma-separated: the owner's password, the
services' role's and the test users' while the schema is managed, the Dapr state store's role's, and the
superuser's while the hook makes those roles. Nothing else of the Secret reaches its Pod.
Usage: {{ include "learnflow.reconcile.credentialKeys" . | splitList "," }}
*/}}
{{- define "learnflow.reconcile.credentialKeys" -}}
{{- $keys := list -}}
{{- $schema := include "learnflow.postgresql.schemaEnabled" . -}}
{{- $store := include "learnflow.dapr.statestoreEnabled" . -}}
{{- if $schema -}}
{{- $keys = concat $keys (list "password" "services-password") -}}
{{- with include "learnflow.credentials.testUserKeys" . -}}
{{- $keys = concat $keys (splitList "," .) -}}
{{- end -}}
{{- end -}}
{{- if $store -}}
{{- $keys = append $keys "dapr-password" -}}
{{- end -}}
{{- if and (or $schema $store) (include "learnflow.postgresql.rolesMadeByHook" .) -}}
{{- $keys = append $keys "postgres-password" -}}
{{- end -}}
{{- join "," $keys -}}
{{- end -}}
