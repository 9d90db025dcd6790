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
