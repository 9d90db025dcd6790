{{/* Kafka: the Bitnami kafka chart's names, the bootstrap address, the topic catalogue, SASL. */}}

{{/*
The Bitnami kafka chart's base name (its common.names.fullname), which names its client Service.
Usage: {{ include "learnflow.kafka.fullname" . }}
*/}}
{{- define "learnflow.kafka.fullname" -}}
{{- include "learnflow.names.fullname" (dict "chart" "kafka" "values" .Values.kafka "context" .) -}}
{{- end -}}

{{/*
Kafka's bootstrap address: kafkaTopics.bootstrapServers, or this release's Kafka client Service
(empty when neither: learnflow.kafka.validateValues says so).
Usage: {{ include "learnflow.kafka.bootstrapServers" . }}
*/}}
{{- define "learnflow.kafka.bootstrapServers" -}}
{{- if .Values.kafkaTopics.bootstrapServers -}}
{{- .Values.kafkaTopics.bootstrapServers -}}
{{- else if .Values.kafka.enabled -}}
{{- printf "%s.%s.svc.%s:%v" (include "learnflow.kafka.fullname" .) .Release.Namespace .Values.clusterDomain .Values.kafka.service.ports.client -}}
{{- end -}}
{{- end -}}

{{/*
The ConfigMap holding the topic catalogue that the topic hook and the Kafka check read.
Usage: {{ include "learnflow.kafka.topicsConfigMapName" . }}
*/}}
{{- define "learnflow.kafka.topicsConfigMapName" -}}
{{- include "learnflow.componentName" (dict "context" . "component" "kafka-topics") -}}
{{- end -}}

{{/*
The ConfigMap the topic hook creates and keeps its state in: the config keys it set on each
topic, and its last run's outcome per topic (docs/kafka.md). Not part of the release, like the
credentials Secret: it outlives an uninstall, as the topics do.
Usage: {{ include "learnflow.kafka.stateConfigMapName" . }}
*/}}
{{- define "learnflow.kafka.stateConfigMapName" -}}
{{- include "learnflow.componentName" (dict "context" . "component" "kafka-topics-state") -}}
{{- end -}}

{{/*
The topic catalogue as JSON: {"topics": [{name, partitions, replicationFactor, config}]}, sorted by name.
Each topic's min.insync.replicas follows its replication factor unless its config sets one:
max(1, min(2, replicas - 1)), so a write with acks=all survives one replica down, and a topic of
fewer replicas than the brokers' own min.insync.replicas can still be written.
Usage: {{ include "learnflow.kafka.catalogue" . }}
*/}}
{{- define "learnflow.kafka.catalogue" -}}
{{- $topics := list -}}
{{- range $name, $topic := .Values.kafkaTopics.topics -}}
{{- $replicas := int (default $.Values.kafkaTopics.replicationFactor $topic.replicationFactor) -}}
{{- $config := merge (deepCopy (default dict $topic.config)) (dict "min.insync.replicas" (max 1 (min 2 (sub $replicas 1)) | toString)) -}}
{{- $topics = append $topics (dict "name" $name "partitions" $topic.partitions "replicationFactor" $replicas "config" $config) -}}
{{- end -}}
{{- dict "topics" $topics | toJson -}}
{{- end -}}

{{/*
Whether Kafka's client listener uses SASL (kafka.listeners.client.protocol): "true" or empty; SCRAM-SHA-512 is the mechanism.
Usage: {{ if include "learnflow.kafka.sasl.enabled" . }}
*/}}
{{- define "learnflow.kafka.sasl.enabled" -}}
{{- if hasPrefix "SASL_" .Values.kafka.listeners.client.protocol -}}true{{- end -}}
{{- end -}}

{{/*
Whether the client listener speaks TLS (SASL_SSL: an existing Kafka's; this release's speaks none): "true" or empty.
Usage: {{ if include "learnflow.kafka.tls.enabled" . }}
*/}}
{{- define "learnflow.kafka.tls.enabled" -}}
{{- if eq .Values.kafka.listeners.client.protocol "SASL_SSL" -}}true{{- end -}}
{{- end -}}

{{/*
The Secret holding the Kafka client user's password: kafka.sasl.existingSecret (rendered with
tpl, as the Bitnami chart does), else the one the Bitnami chart generates with random values,
which Argo CD would change on every sync.
Usage: {{ include "learnflow.kafka.sasl.secretName" . }}
*/}}
{{- define "learnflow.kafka.sasl.secretName" -}}
{{- if .Values.kafka.sasl.existingSecret -}}
{{- tpl .Values.kafka.sasl.existingSecret . -}}
{{- else -}}
{{- printf "%s-user-passwords" (include "learnflow.kafka.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/*
Its key: the Bitnami chart reads client-passwords (one per client user) from an existing Secret,
and writes the first also as system-user-password in its own.
Usage: {{ include "learnflow.kafka.sasl.secretKey" . }}
*/}}
{{- define "learnflow.kafka.sasl.secretKey" -}}
{{- if .Values.kafka.sasl.existingSecret -}}
client-passwords
{{- else -}}
system-user-password
{{- end -}}
{{- end -}}

{{/*
Whether Kafka authorizes (kafkaTopics.acls.enabled): "true" or empty.
Usage: {{ if include "learnflow.kafka.acls.enabled" . }}
*/}}
{{- define "learnflow.kafka.acls.enabled" -}}
{{- if .Values.kafkaTopics.acls.enabled -}}true{{- end -}}
{{- end -}}

{{/*
The hooks' SASL user: with ACLs the brokers' user, a super user (the Bitnami chart makes no other
SCRAM user than those); else the client user.
Usage: {{ include "learnflow.kafka.sasl.hooksUser" . }}
*/}}
{{- define "learnflow.kafka.sasl.hooksUser" -}}
{{- if include "learnflow.kafka.acls.enabled" . -}}
{{- .Values.kafka.sasl.interbroker.user -}}
{{- else -}}
{{- first .Values.kafka.sasl.client.users -}}
{{- end -}}
{{- end -}}

{{/*
The key of that user's password in the SASL Secret.
Usage: {{ include "learnflow.kafka.sasl.hooksSecretKey" . }}
*/}}
{{- define "learnflow.kafka.sasl.hooksSecretKey" -}}
{{- if include "learnflow.kafka.acls.enabled" . -}}
inter-broker-password
{{- else -}}
{{- include "learnflow.kafka.sasl.secretKey" . -}}
{{- end -}}
{{- end -}}

{{/*
The keys the Bitnami kafka chart reads from kafka.sasl.existingSecret, comma-separated.
Usage: {{ include "learnflow.kafka.sasl.secretKeys" . }}
*/}}
{{- define "learnflow.kafka.sasl.secretKeys" -}}
{{- $keys := list -}}
{{- if include "learnflow.kafka.sasl.enabled" . -}}
{{- $keys = append $keys "client-passwords" -}}
{{- end -}}
{{- if and .Values.kafka.enabled (hasPrefix "SASL" .Values.kafka.listeners.interbroker.protocol) -}}
{{- $keys = append $keys "inter-broker-password" -}}
{{- end -}}
{{- if and .Values.kafka.enabled .Values.kafka.kraft.enabled (hasPrefix "SASL" .Values.kafka.listeners.controller.protocol) -}}
{{- $keys = append $keys "controller-password" -}}
{{- end -}}
{{- join "," $keys -}}
{{- end -}}

{{/*
The catalogue volume (and the connection's), as volumes: entries.
Usage: {{ include "learnflow.kafka.volumes" . }}
*/}}
{{- define "learnflow.kafka.volumes" -}}
- name: kafka-topics
  configMap:
    name: {{ include "learnflow.kafka.topicsConfigMapName" . | quote }}
{{- with include "learnflow.kafka.connectionVolumes" . }}
{{ . }}
{{- end }}
{{- end -}}

{{/*
What a client mounts to connect, as volumes and their mounts (nothing for a PLAINTEXT listener
without a CA): the SASL password file when the client listener uses SASL, and the CA of
kafkaTopics.tls.caCertificate when it speaks TLS.
Usage: {{ include "learnflow.kafka.connectionVolumes" . }}, {{ include "learnflow.kafka.connectionMounts" . }}
*/}}
{{- define "learnflow.kafka.connectionVolumes" -}}
{{- list (include "learnflow.kafka.saslVolume" .) (include "learnflow.kafka.tlsVolume" .) | compact | join "\n" -}}
{{- end -}}

{{- define "learnflow.kafka.connectionMounts" -}}
{{- list (include "learnflow.kafka.saslMount" .) (include "learnflow.kafka.tlsMount" .) | compact | join "\n" -}}
{{- end -}}

{{/*
Its parts: the SASL password file, and the CA of a TLS listener.
Usage: {{ include "learnflow.kafka.saslVolume" . }}, {{ include "learnflow.kafka.saslMount" . }}, {{ include "learnflow.kafka.tlsVolume" . }}, {{ include "learnflow.kafka.tlsMount" . }}
*/}}
{{- define "learnflow.kafka.saslVolume" -}}
{{- if include "learnflow.kafka.sasl.enabled" . -}}
- name: kafka-sasl
  secret:
    secretName: {{ include "learnflow.kafka.sasl.secretName" . | quote }}
    defaultMode: 0440
    items:
      - key: {{ include "learnflow.kafka.sasl.hooksSecretKey" . | quote }}
        path: password
{{- end -}}
{{- end -}}

{{- define "learnflow.kafka.saslMount" -}}
{{- if include "learnflow.kafka.sasl.enabled" . -}}
- name: kafka-sasl
  mountPath: /etc/learnflow/kafka-sasl
  readOnly: true
{{- end -}}
{{- end -}}

{{- define "learnflow.kafka.tlsVolume" -}}
{{- with include "learnflow.kafka.tls.caSecret" . -}}
- name: kafka-tls
  secret:
    secretName: {{ . | quote }}
    defaultMode: 0440
    items:
      - key: {{ $.Values.kafkaTopics.tls.caCertificate.key | quote }}
        path: ca.crt
{{- end -}}
{{- end -}}

{{- define "learnflow.kafka.tlsMount" -}}
{{- if include "learnflow.kafka.tls.caSecret" . -}}
- name: kafka-tls
  mountPath: /etc/learnflow/kafka-tls
  readOnly: true
{{- end -}}
{{- end -}}

{{/*
The Secret holding the CA of a TLS client listener (kafkaTopics.tls.caCertificate.secretName;
empty without TLS, or when a CA the images trust signs the brokers' certificates).
Usage: {{ include "learnflow.kafka.tls.caSecret" . }}
*/}}
{{- define "learnflow.kafka.tls.caSecret" -}}
{{- if include "learnflow.kafka.tls.enabled" . -}}
{{- .Values.kafkaTopics.tls.caCertificate.secretName -}}
{{- end -}}
{{- end -}}

{{/*
The catalogue's mount (and the connection's), as volumeMounts: entries.
Usage: {{ include "learnflow.kafka.mounts" . }}
*/}}
{{- define "learnflow.kafka.mounts" -}}
- name: kafka-topics
  mountPath: /etc/learnflow/kafka
  readOnly: true
{{- with include "learnflow.kafka.connectionMounts" . }}
{{ . }}
{{- end }}
{{- end -}}

{{/*
The number of brokers of this release's Kafka: the broker nodes, and in KRaft mode the controllers
that are brokers too (controllerOnly false). The same sum the broker settings in values.yaml
(kafka.extraConfig) make inside the kafka chart.
Usage: {{ include "learnflow.kafka.brokerCount" . }}
*/}}
{{- define "learnflow.kafka.brokerCount" -}}
{{- $controllers := ternary (int .Values.kafka.controller.replicaCount) 0 (and .Values.kafka.kraft.enabled (not .Values.kafka.controller.controllerOnly)) -}}
{{- add (int .Values.kafka.broker.replicaCount) $controllers -}}
{{- end -}}

{{/*
Problems with the Kafka values, one per line (learnflow.validateValues reports them).
Usage: {{ include "learnflow.kafka.validateValues" . }}
*/}}
{{- define "learnflow.kafka.validateValues" -}}
{{- if and (not .Values.kafka.enabled) (not .Values.kafkaTopics.bootstrapServers) (or .Values.kafkaTopics.enabled .Values.daprComponents.enabled) }}
kafka.enabled is false and kafkaTopics.bootstrapServers is empty: set kafkaTopics.bootstrapServers to your Kafka's host:port, or set kafkaTopics.enabled=false and daprComponents.enabled=false
{{- end -}}
{{- $metricNames := dict -}}
{{- range $name, $_ := .Values.kafkaTopics.topics -}}
{{- $metricName := replace "." "_" $name -}}
{{- if hasKey $metricNames $metricName }}
kafkaTopics.topics: {{ get $metricNames $metricName | quote }} and {{ $name | quote }} differ only in "." versus "_", which collide in Kafka's metric names: rename one
{{- end -}}
{{- $_ := set $metricNames $metricName $name -}}
{{- end -}}
{{- if .Values.kafka.enabled -}}
{{- $brokers := int (include "learnflow.kafka.brokerCount" .) -}}
{{- $tooMany := list -}}
{{- range $name, $topic := .Values.kafkaTopics.topics -}}
{{- $replicas := int (default $.Values.kafkaTopics.replicationFactor $topic.replicationFactor) -}}
{{- if gt $replicas $brokers -}}
{{- $tooMany = append $tooMany (printf "%s (%d)" $name $replicas) -}}
{{- end -}}
{{- $insync := dig "config" "min.insync.replicas" "" $topic | toString -}}
{{- if and $insync (regexMatch "^[0-9]+$" $insync) (gt (atoi $insync) $replicas) }}
kafkaTopics.topics.{{ $name }}: config min.insync.replicas {{ $insync }} is more than its replication factor {{ $replicas }}, so no write with acks=all could ever succeed: lower it to {{ $replicas }} or less
{{- end -}}
{{- end -}}
{{- if $tooMany }}
kafkaTopics.topics: the replication factor of {{ join ", " $tooMany }} is more than the {{ $brokers }} broker(s) of this release's Kafka: lower it (kafkaTopics.replicationFactor, or a topic's replicationFactor), or run more brokers (kafka.broker.replicaCount; kafka.controller.replicaCount in KRaft mode)
{{- end -}}
{{- end -}}
{{- range .Values.kafkaTopics.deleteUnmanaged -}}
{{- if hasKey $.Values.kafkaTopics.topics . }}
kafkaTopics.deleteUnmanaged lists {{ . | quote }}, which kafkaTopics.topics still declares: take it out of one of them
{{- end -}}
{{- end -}}
{{- $protocol := .Values.kafka.listeners.client.protocol -}}
{{- if eq $protocol "SSL" }}
kafka.listeners.client.protocol SSL: the hooks, the checks and the Dapr pub/sub speak TLS with SASL (SASL_SSL, a managed Kafka's listener), not TLS alone; use SASL_SSL with kafka.sasl (docs/kafka.md)
{{- end -}}
{{- if and .Values.kafka.enabled (eq $protocol "SASL_SSL") }}
kafka.listeners.client.protocol SASL_SSL is for an existing Kafka (kafka.enabled=false): this release's Kafka is reached inside the cluster, behind its NetworkPolicy, and speaks no TLS; use SASL_PLAINTEXT (profiles/kafka-sasl.yaml)
{{- end -}}
{{- if and .Values.kafkaTopics.tls.caCertificate.secretName (ne $protocol "SASL_SSL") }}
kafkaTopics.tls.caCertificate names a CA but kafka.listeners.client.protocol is {{ $protocol }}, so nothing would use it: set kafka.listeners.client.protocol=SASL_SSL
{{- end -}}
{{- if and .Values.kafka.enabled (include "learnflow.kafka.sasl.enabled" .) }}
{{- range $name := list "interbroker" "controller" }}
{{- $listener := get $.Values.kafka.listeners $name }}
{{- if and (ne $listener.protocol "SASL_PLAINTEXT") (or (eq $name "interbroker") $.Values.kafka.kraft.enabled) }}
kafka.listeners.{{ $name }}.protocol {{ $listener.protocol }} while the client listener uses SASL: any Pod that reaches Kafka could bypass the password on the {{ $name }} port; set it to SASL_PLAINTEXT
{{- end }}
{{- end }}
{{- end }}
{{- if and (include "learnflow.kafka.acls.enabled" .) (not (and .Values.kafka.enabled (include "learnflow.kafka.sasl.enabled" .))) }}
kafkaTopics.acls.enabled needs this release's Kafka with SASL and an authorizer: use profiles/production.yaml
{{- end -}}
{{- if and (include "learnflow.kafka.sasl.enabled" .) .Values.kafka.sasl.existingSecret (ne (len .Values.kafka.sasl.client.users) 1) }}
kafka.sasl.existingSecret holds client-passwords for exactly one client user: set kafka.sasl.client.users to one user
{{- end -}}
{{- end -}}
