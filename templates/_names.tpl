{{/*
Names. Kubernetes object names are DNS labels of at most 63 characters; a component's suffix is
kept whole and the release part is shortened instead, so two components never collide however
long the release name is.
*/}}

{{/*
The chart's name.
Usage: {{ include "learnflow.name" . }}
*/}}
{{- define "learnflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
A chart's base name as Bitnami's common.names.fullname makes it: its fullnameOverride, else the
release name with the chart's name (or nameOverride) added unless already in it.
Usage: {{ include "learnflow.names.fullname" (dict "chart" "kafka" "values" .Values.kafka "context" $) }}
*/}}
{{- define "learnflow.names.fullname" -}}
{{- if .values.fullnameOverride -}}
{{- .values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .chart .values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- if contains $name .context.Release.Name -}}
{{- .context.Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .context.Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
This chart's base name.
Usage: {{ include "learnflow.fullname" . }}
*/}}
{{- define "learnflow.fullname" -}}
{{- include "learnflow.names.fullname" (dict "chart" .Chart.Name "values" .Values "context" .) -}}
{{- end -}}

{{/*
The name of one of the chart's components: (dict "context" $ "component" "kafka-topics").
Usage: {{ include "learnflow.componentName" (dict "context" $ "component" "kafka-topics") }}
*/}}
{{- define "learnflow.componentName" -}}
{{- $base := include "learnflow.fullname" .context | trunc (int (sub 62 (len .component))) | trimSuffix "-" -}}
{{- printf "%s-%s" $base .component -}}
{{- end -}}

{{/*
The chart label value: name-version.
Usage: {{ include "learnflow.chart" . }}
*/}}
{{- define "learnflow.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels on every object; (dict "context" $ "component" "kafka-topics").
Usage: {{ include "learnflow.labels" (dict "context" $ "component" "kafka-topics") }}
*/}}
{{- define "learnflow.labels" -}}
helm.sh/chart: {{ include "learnflow.chart" .context | quote }}
{{ include "learnflow.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .context.Release.Service | quote }}
app.kubernetes.io/part-of: learnflow
{{- end -}}

{{/*
Labels that select a component's Pods; (dict "context" $ "component" "kafka-topics").
Usage: {{ include "learnflow.selectorLabels" (dict "context" $ "component" "kafka-topics") }}
*/}}
{{- define "learnflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "learnflow.name" .context | quote }}
app.kubernetes.io/instance: {{ .context.Release.Name | quote }}
app.kubernetes.io/component: {{ .component | quote }}
{{- end -}}
