{{/* Dapr: the state store's place in PostgreSQL. */}}

{{/*
Whether the reconcile hook gives the state store its role and schema (or checks them): whenever the components are made.
Usage: {{ if include "learnflow.dapr.statestoreEnabled" . }}
*/}}
{{- define "learnflow.dapr.statestoreEnabled" -}}
{{- if .Values.daprComponents.enabled -}}true{{- end -}}
{{- end -}}

{{/*
A state store table as the component names it: in the store's own schema.
Usage: {{ include "learnflow.dapr.statestoreTable" (dict "context" . "table" .Values.daprComponents.statestore.tableName) }}
*/}}
{{- define "learnflow.dapr.statestoreTable" -}}
{{- printf "%s.%s" .context.Values.daprComponents.statestore.schema .table -}}
{{- end -}}

{{/*
Problems with the Dapr values, one per line (learnflow.validateValues reports them).
Usage: {{ include "learnflow.dapr.validateValues" . }}
*/}}
{{- define "learnflow.dapr.validateValues" -}}
{{- $store := .Values.daprComponents.statestore -}}
{{- if and .Values.daprComponents.enabled (eq $store.username (include "learnflow.postgresql.username" .)) }}
daprComponents.statestore.username is {{ $store.username | quote }}, the application user: the state store needs a role of its own, without rights on the platform's tables; choose another name
{{- end -}}
{{- end -}}
