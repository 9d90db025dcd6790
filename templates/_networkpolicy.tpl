{{/*
The ports the hook and check Pods connect to: each Kafka bootstrap server's, PostgreSQL's (the
migrations, seeds and Dapr state store), the Kubernetes API's (the credentials hook) and the Dapr control plane's; the Dapr check's sidecar
reaches Kafka and PostgreSQL through the components even when their hooks are off.
Usage: {{ include "learnflow.networkPolicy.egressPorts" . }}
*/}}
{{- define "learnflow.networkPolicy.egressPorts" -}}
{{- $ports := list -}}
{{- $daprCheck := and .Values.daprComponents.enabled .Values.tests.dapr.enabled -}}
{{- /* A NetworkPolicy sees the Pod's port, after a Service has translated its own: the chart's Kafka and PostgreSQL by their container ports. */ -}}
{{- if or .Values.kafkaTopics.enabled $daprCheck -}}
{{- if and .Values.kafka.enabled (not .Values.kafkaTopics.bootstrapServers) -}}
{{- $ports = append $ports (int (dig "listeners" "client" "containerPort" 9092 .Values.kafka)) -}}
{{- else -}}
{{- range splitList "," (include "learnflow.kafka.bootstrapServers" .) -}}
{{- $ports = append $ports (int (regexFind "[0-9]+$" (trim .))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if or (include "learnflow.postgresql.schemaEnabled" .) (include "learnflow.dapr.statestoreEnabled" .) $daprCheck -}}
{{- if include "learnflow.postgresql.inRelease" . -}}
{{- $ports = append $ports (int (dig "containerPorts" "postgresql" 5432 .Values.postgresql)) -}}
{{- else -}}
{{- $ports = append $ports (int (include "learnflow.postgresql.port" .)) -}}
{{- end -}}
{{- end -}}
{{- if or (include "learnflow.credentials.hookEnabled" .) (include "learnflow.reconcile.apiAccess" .) -}}
{{- $ports = concat $ports .Values.networkPolicy.kubernetesApiPorts -}}
{{- end -}}
{{- if $daprCheck -}}
{{- $ports = concat $ports .Values.networkPolicy.daprPorts -}}
{{- end -}}
{{- range $ports | uniq | sortAlpha }}
- port: {{ . }}
  protocol: TCP
{{- end }}
{{- end -}}
