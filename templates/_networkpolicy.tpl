{{/*
The egress rules of the hook and check Pods, one per destination, each with its ports and, where
the chart knows them, its peers (no `to`: any address on those ports). A NetworkPolicy judges the
port the Pod listens on, after a Service has translated its own: this release's Kafka and
PostgreSQL by their container ports, existing ones by networkPolicy.kafkaPorts/postgresqlPorts
when set. The Dapr check's sidecar reaches Kafka and PostgreSQL through the components even when
their hooks are off.
Usage: {{ include "learnflow.networkPolicy.egress" . }}
*/}}
{{- define "learnflow.networkPolicy.egress" -}}
{{- $policy := .Values.networkPolicy -}}
{{- $daprCheck := and .Values.daprComponents.enabled .Values.tests.dapr.enabled -}}
{{- $rules := list (dict "ports" (list 53) "udp" true "to" $policy.dnsPeers) -}}
{{- if or .Values.kafkaTopics.enabled $daprCheck -}}
{{- if and .Values.kafka.enabled (not .Values.kafkaTopics.bootstrapServers) -}}
{{- $brokers := dict "app.kubernetes.io/name" (.Values.kafka.nameOverride | default "kafka") "app.kubernetes.io/instance" .Release.Name -}}
{{- $rules = append $rules (dict "ports" (list (dig "listeners" "client" "containerPort" 9092 .Values.kafka)) "to" (list (dict "podSelector" (dict "matchLabels" $brokers)))) -}}
{{- else -}}
{{- $ports := $policy.kafkaPorts -}}
{{- if not $ports -}}
{{- range splitList "," (include "learnflow.kafka.bootstrapServers" .) -}}
{{- $ports = append $ports (regexFind "[0-9]+$" (trim .)) -}}
{{- end -}}
{{- end -}}
{{- $rules = append $rules (dict "ports" $ports "to" $policy.kafkaPeers) -}}
{{- end -}}
{{- end -}}
{{- if or (include "learnflow.postgresql.schemaEnabled" .) (include "learnflow.dapr.statestoreEnabled" .) $daprCheck -}}
{{- if include "learnflow.postgresql.inRelease" . -}}
{{- $primary := dict "app.kubernetes.io/name" (.Values.postgresql.nameOverride | default "postgresql") "app.kubernetes.io/instance" .Release.Name "app.kubernetes.io/component" "primary" -}}
{{- $rules = append $rules (dict "ports" (list (dig "containerPorts" "postgresql" 5432 .Values.postgresql)) "to" (list (dict "podSelector" (dict "matchLabels" $primary)))) -}}
{{- else -}}
{{- $rules = append $rules (dict "ports" ($policy.postgresqlPorts | default (list (include "learnflow.postgresql.port" .))) "to" $policy.postgresqlPeers) -}}
{{- end -}}
{{- end -}}
{{- if or (include "learnflow.credentials.hookEnabled" .) (include "learnflow.reconcile.apiAccess" .) -}}
{{- $rules = append $rules (dict "ports" $policy.kubernetesApiPorts "to" $policy.kubernetesApiPeers) -}}
{{- end -}}
{{- if $daprCheck -}}
{{- $rules = append $rules (dict "ports" $policy.daprPorts "to" $policy.daprPeers) -}}
{{- end -}}
{{- /* A rule without ports would open every port: a list emptied in the values drops its rule. */ -}}
{{- range $rules }}
{{- if .ports }}
- ports:
    {{- $udp := .udp }}
    {{- range .ports | uniq }}
    {{- if $udp }}
    - port: {{ int . }}
      protocol: UDP
    {{- end }}
    - port: {{ int . }}
      protocol: TCP
    {{- end }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
{{- end -}}
