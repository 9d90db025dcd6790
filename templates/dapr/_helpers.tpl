{{/* Dapr: the state store's place in PostgreSQL. */}}

{{/*
Whether the reconcile hook gives the state store its role and schema (or checks them): whenever the components are made.
Usage: {{ if include "learnflow.dapr.statestoreEnabled" . }}
*/}}
{{- define "learnflow.dapr.statestoreEnabled" -}}
{{- if .Values.daprComponents.enabled -}}true{{- end -}}
{{- end -}}

{{/*
The prefix of the pub/sub's consumer groups: each app id consumes as "<prefix><app id>".
Usage: {{ include "learnflow.dapr.consumerGroupPrefix" . }}
*/}}
{{- define "learnflow.dapr.consumerGroupPrefix" -}}
{{- .Values.daprComponents.pubsub.consumerGroupPrefix | default (printf "%s." .Release.Namespace) -}}
{{- end -}}

{{/*
A component's scopes as YAML, empty (every app id) when the values name none. The Dapr check's app
id is added while the check runs, so that scoping the components never breaks the chart's own check.
Usage: {{ include "learnflow.dapr.scopes" (dict "context" . "scopes" .Values.daprComponents.pubsub.scopes) }}
*/}}
{{- define "learnflow.dapr.scopes" -}}
{{- $scopes := .scopes -}}
{{- if and $scopes .context.Values.tests.dapr.enabled -}}
{{- $scopes = append $scopes .context.Values.tests.dapr.appId | uniq -}}
{{- end -}}
{{- with $scopes }}{{ toYaml . }}{{ end -}}
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
