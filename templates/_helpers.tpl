{{/*
Names. Kubernetes object names are DNS labels of at most 63 characters; a component's suffix is
kept whole and the release part is shortened instead, so two components never collide however
long the release name is.
*/}}

{{/* The chart's name. */}}
{{- define "learnflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's base name, as the Bitnami charts make it: the release name, with the chart's name added unless already in it. */}}
{{- define "learnflow.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "learnflow.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The name of one of the chart's components: (dict "context" $ "component" "kafka-topics").
*/}}
{{- define "learnflow.componentName" -}}
{{- $base := include "learnflow.fullname" .context | trunc (int (sub 62 (len .component))) | trimSuffix "-" -}}
{{- printf "%s-%s" $base .component -}}
{{- end -}}

{{/* The chart label value: name-version. */}}
{{- define "learnflow.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object; (dict "context" $ "component" "kafka-topics"). */}}
{{- define "learnflow.labels" -}}
helm.sh/chart: {{ include "learnflow.chart" .context }}
{{ include "learnflow.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
app.kubernetes.io/part-of: learnflow
{{- end -}}

{{/* Labels that select a component's Pods; (dict "context" $ "component" "kafka-topics"). */}}
{{- define "learnflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "learnflow.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The ServiceAccount of the hook and test Pods that need no Kubernetes API access. */}}
{{- define "learnflow.hooks.serviceAccountName" -}}
{{- include "learnflow.componentName" (dict "context" . "component" "hooks") -}}
{{- end -}}

{{/* The hooks image reference: registry/repository:tag or @digest, honouring global.imageRegistry. */}}
{{- define "learnflow.hooks.image" -}}
{{- $image := .Values.hooks.image -}}
{{- $registry := default $image.registry .Values.global.imageRegistry -}}
{{- if $image.digest -}}
{{- printf "%s/%s@%s" $registry $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s/%s:%s" $registry $image.repository (default .Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{/* imagePullSecrets of the hook and test Pods: the global ones and the hooks' own, as names or {name: ...} like Bitnami's. */}}
{{- define "learnflow.hooks.imagePullSecrets" -}}
{{- $secrets := concat .Values.global.imagePullSecrets .Values.hooks.imagePullSecrets | uniq -}}
{{- if $secrets }}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ if kindIs "map" . }}{{ .name }}{{ else }}{{ . }}{{ end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The Pod spec fields every hook and test Pod shares (after `spec:`), without containers:
(dict "context" $) runs as the hooks ServiceAccount with no API token;
(dict "context" $ "serviceAccountName" "x" "apiAccess" true) as another, with its token.
*/}}
{{- define "learnflow.hooks.podSpec" -}}
{{- $ := .context -}}
serviceAccountName: {{ .serviceAccountName | default (include "learnflow.hooks.serviceAccountName" $) }}
automountServiceAccountToken: {{ .apiAccess | default false }}
securityContext: {{- toYaml $.Values.hooks.podSecurityContext | nindent 2 }}
{{- include "learnflow.hooks.imagePullSecrets" $ }}
{{- with $.Values.hooks.nodeSelector }}
nodeSelector: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $.Values.hooks.tolerations }}
tolerations: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $.Values.hooks.affinity }}
affinity: {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
The container fields every hook and test container shares (image, command, security, resources),
after `- name: ...`.
*/}}
{{- define "learnflow.hooks.container" -}}
image: {{ include "learnflow.hooks.image" . }}
imagePullPolicy: {{ .Values.hooks.image.pullPolicy }}
command: ["node", "/app/dist/hooks/cli.js"]
# A failed hook's last log lines stay in its status, where `kubectl describe` and the deploy command read them.
terminationMessagePolicy: FallbackToLogsOnError
securityContext: {{- toYaml .Values.hooks.containerSecurityContext | nindent 2 }}
resources: {{- toYaml .Values.hooks.resources | nindent 2 }}
{{- end -}}

{{/*
The program's own options every hook and test container sets: how long to wait for services,
and the log level; (dict "context" $ "timeout" $.Values.hooks.waitTimeoutSeconds).
*/}}
{{- define "learnflow.hooks.env" -}}
- name: LEARNFLOW_HOOKS_TIMEOUT
  value: {{ .timeout | quote }}
- name: LEARNFLOW_HOOKS_LOG_LEVEL
  value: {{ .context.Values.hooks.logLevel | quote }}
{{- end -}}

{{/*
Labels of a hook or test Pod, with hooks.podLabels and the client labels that let it through
Kafka's and PostgreSQL's NetworkPolicies; (dict "context" $ "component" "kafka-topics").
*/}}
{{- define "learnflow.hooks.podLabels" -}}
{{ include "learnflow.labels" . }}
{{- if .context.Values.kafka.enabled }}
{{ include "learnflow.kafka.fullname" .context }}-client: "true"
{{- end }}
{{- if .context.Values.postgresql.enabled }}
{{ include "learnflow.postgresql.fullname" .context }}-client: "true"
{{- end }}
{{- with .context.Values.hooks.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
The ports the hook and check Pods connect to: each Kafka bootstrap server's, PostgreSQL's, the
Kubernetes API's (the credentials hook) and the Dapr control plane's; the Dapr check's sidecar
reaches Kafka and PostgreSQL through the components even when their hooks are off.
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
{{- if or .Values.database.enabled $daprCheck -}}
{{- if and .Values.postgresql.enabled (not .Values.database.host) -}}
{{- $ports = append $ports (int (dig "containerPorts" "postgresql" 5432 .Values.postgresql)) -}}
{{- else -}}
{{- $ports = append $ports (int .Values.database.port) -}}
{{- end -}}
{{- end -}}
{{- if eq (include "learnflow.credentials.hookEnabled" .) "true" -}}
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

{{/*
Kafka.
*/}}

{{/* The Bitnami kafka chart's base name (its common.names.fullname), which names its client Service. */}}
{{- define "learnflow.kafka.fullname" -}}
{{- if .Values.kafka.fullnameOverride -}}
{{- .Values.kafka.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default "kafka" .Values.kafka.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Kafka's bootstrap address: kafkaTopics.bootstrapServers, or this release's Kafka client Service. */}}
{{- define "learnflow.kafka.bootstrapServers" -}}
{{- if .Values.kafkaTopics.bootstrapServers -}}
{{- .Values.kafkaTopics.bootstrapServers -}}
{{- else if .Values.kafka.enabled -}}
{{- printf "%s.%s.svc.%s:%v" (include "learnflow.kafka.fullname" .) .Release.Namespace .Values.clusterDomain .Values.kafka.service.ports.client -}}
{{- else -}}
{{- fail "kafka.enabled is false and kafkaTopics.bootstrapServers is empty: set kafkaTopics.bootstrapServers to your Kafka's host:port, or set kafkaTopics.enabled=false" -}}
{{- end -}}
{{- end -}}

{{/* The ConfigMap holding the topic catalogue that the topic hook and the Kafka check read. */}}
{{- define "learnflow.kafka.topicsConfigMapName" -}}
{{- include "learnflow.componentName" (dict "context" . "component" "kafka-topics") -}}
{{- end -}}

{{/*
The topic catalogue as JSON: {"topics": [{name, partitions, replicationFactor, config}]}, sorted
by name. Fails on topic names that differ only in "." and "_", which collide in Kafka.
*/}}
{{- define "learnflow.kafka.catalogue" -}}
{{- $topics := list -}}
{{- $metricNames := dict -}}
{{- range $name, $topic := .Values.kafkaTopics.topics -}}
{{- $metricName := replace "." "_" $name -}}
{{- if hasKey $metricNames $metricName -}}
{{- fail (printf "kafkaTopics.topics: %q and %q differ only in \".\" versus \"_\", which collide in Kafka's metric names: rename one" (get $metricNames $metricName) $name) -}}
{{- end -}}
{{- $_ := set $metricNames $metricName $name -}}
{{- $topics = append $topics (dict "name" $name "partitions" $topic.partitions "replicationFactor" (default $.Values.kafkaTopics.replicationFactor $topic.replicationFactor) "config" (default dict $topic.config)) -}}
{{- end -}}
{{- dict "topics" $topics | toJson -}}
{{- end -}}

{{/* Environment of the programs that talk to Kafka. */}}
{{- define "learnflow.kafka.env" -}}
{{ include "learnflow.kafka.connectionEnv" . }}
- name: LEARNFLOW_HOOKS_TOPICS_FILE
  value: /etc/learnflow/kafka/topics.json
{{- end -}}

{{/* How a hook or check reaches Kafka: the brokers, and the SASL user and password file when the client listener uses SASL. */}}
{{- define "learnflow.kafka.connectionEnv" -}}
- name: LEARNFLOW_HOOKS_KAFKA_BROKERS
  value: {{ include "learnflow.kafka.bootstrapServers" . | quote }}
{{- if include "learnflow.kafka.sasl.enabled" . }}
- name: LEARNFLOW_HOOKS_KAFKA_SASL_MECHANISM
  value: scram-sha-512
- name: LEARNFLOW_HOOKS_KAFKA_SASL_USERNAME
  value: {{ first .Values.kafka.sasl.client.users | quote }}
- name: LEARNFLOW_HOOKS_KAFKA_SASL_PASSWORD_FILE
  value: /etc/learnflow/kafka-sasl/password
{{- end }}
{{- end -}}

{{/* Whether Kafka's client listener uses SASL (kafka.listeners.client.protocol); SCRAM-SHA-512 is the mechanism. */}}
{{- define "learnflow.kafka.sasl.enabled" -}}
{{- $protocol := .Values.kafka.listeners.client.protocol -}}
{{- if hasSuffix "SSL" $protocol -}}
{{- fail (printf "kafka.listeners.client.protocol %s: the hooks, the checks and the Dapr pub/sub speak PLAINTEXT or SASL_PLAINTEXT (inside the cluster, behind NetworkPolicies); TLS is not supported yet" $protocol) -}}
{{- end -}}
{{- if eq $protocol "SASL_PLAINTEXT" -}}true{{- end -}}
{{- end -}}

{{/*
The Secret holding the Kafka client user's password: kafka.sasl.existingSecret (rendered with
tpl, as the Bitnami chart does), else the one the Bitnami chart generates with random values,
which Argo CD would change on every sync.
*/}}
{{- define "learnflow.kafka.sasl.secretName" -}}
{{- if .Values.kafka.sasl.existingSecret -}}
{{- tpl .Values.kafka.sasl.existingSecret . -}}
{{- else -}}
{{- printf "%s-user-passwords" (include "learnflow.kafka.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Its key: the Bitnami chart reads client-passwords (one per client user) from an existing Secret, and writes the first also as system-user-password in its own. */}}
{{- define "learnflow.kafka.sasl.secretKey" -}}
{{- if .Values.kafka.sasl.existingSecret -}}
{{- if ne (len .Values.kafka.sasl.client.users) 1 -}}
{{- fail "kafka.sasl.existingSecret holds client-passwords for exactly one client user: set kafka.sasl.client.users to one user" -}}
{{- end -}}
client-passwords
{{- else -}}
system-user-password
{{- end -}}
{{- end -}}

{{/* The catalogue volume and its mount, as volumes: and volumeMounts: entries. */}}
{{- define "learnflow.kafka.volumes" -}}
- name: kafka-topics
  configMap:
    name: {{ include "learnflow.kafka.topicsConfigMapName" . }}
{{- with include "learnflow.kafka.saslVolume" . }}
{{ . }}
{{- end }}
{{- end -}}

{{/* The SASL password file's volume and mount, when the client listener uses SASL (else nothing). */}}
{{- define "learnflow.kafka.saslVolume" -}}
{{- if include "learnflow.kafka.sasl.enabled" . -}}
- name: kafka-sasl
  secret:
    secretName: {{ include "learnflow.kafka.sasl.secretName" . }}
    defaultMode: 0440
    items:
      - key: {{ include "learnflow.kafka.sasl.secretKey" . }}
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
{{- define "learnflow.kafka.mounts" -}}
- name: kafka-topics
  mountPath: /etc/learnflow/kafka
  readOnly: true
{{- with include "learnflow.kafka.saslMount" . }}
{{ . }}
{{- end }}
{{- end -}}

{{/*
Credentials.
*/}}

{{/*
The credentials Secret: global.learnflow.credentialsSecret, or the one the credentials hook
creates. Also rendered inside the postgresql chart (its auth.existingSecret), so it uses only
.Release and .Values.global.
*/}}
{{- define "learnflow.credentials.secretName" -}}
{{- $global := .Values.global.learnflow | default dict -}}
{{- default (printf "%s-credentials" .Release.Name | trunc 63 | trimSuffix "-") $global.credentialsSecret -}}
{{- end -}}

{{/* Whether this release runs the hook that creates the credentials Secret. */}}
{{- define "learnflow.credentials.hookEnabled" -}}
{{- $global := .Values.global.learnflow | default dict -}}
{{- if and .Values.credentials.hook.enabled (not $global.credentialsSecret) -}}true{{- end -}}
{{- end -}}

{{/*
Whether this install or upgrade renders the credentials hook: it is enabled, and the Secret does
not already hold every key. Helm reads the Secret only when it talks to the cluster; where it
cannot (helm template, Argo CD), the lookup is empty and the hook always runs. Skipping a hook
with nothing to do spares every upgrade a Job and its Pod.
*/}}
{{- define "learnflow.credentials.hookRuns" -}}
{{- if include "learnflow.credentials.hookEnabled" . -}}
{{- $secret := lookup "v1" "Secret" .Release.Namespace (include "learnflow.credentials.secretName" .) -}}
{{- $present := keys (dig "data" dict $secret) -}}
{{- range splitList "," (include "learnflow.credentials.keys" .) -}}
{{- if not (has . $present) -}}true{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The keys of the credentials Secret: the PostgreSQL passwords and each test user's, as seeds/test-users.json names them. */}}
{{- define "learnflow.credentials.keys" -}}
{{- $keys := list "postgres-password" "password" -}}
{{- range (.Files.Get "seeds/test-users.json" | fromJson).users -}}
{{- $keys = append $keys .passwordKey -}}
{{- end -}}
{{- /* Kafka's SASL client password, when kafka.sasl.existingSecret names this Secret. */ -}}
{{- if and (include "learnflow.kafka.sasl.enabled" .) (eq (include "learnflow.kafka.sasl.secretName" .) (include "learnflow.credentials.secretName" .)) -}}
{{- $keys = append $keys "client-passwords" -}}
{{- end -}}
{{- join "," $keys -}}
{{- end -}}

{{/* The credentials Secret as a volume, and its mount. */}}
{{- define "learnflow.credentials.volume" -}}
- name: credentials
  secret:
    secretName: {{ include "learnflow.credentials.secretName" . }}
    defaultMode: 0440
{{- end -}}
{{- define "learnflow.credentials.mount" -}}
- name: credentials
  mountPath: /etc/learnflow/credentials
  readOnly: true
{{- end -}}

{{/*
PostgreSQL.
*/}}

{{/* The Bitnami postgresql chart's base name (its common.names.fullname), which names its Service. */}}
{{- define "learnflow.postgresql.fullname" -}}
{{- if .Values.postgresql.fullnameOverride -}}
{{- .Values.postgresql.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default "postgresql" .Values.postgresql.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The database host: database.host, or this release's PostgreSQL Service. */}}
{{- define "learnflow.database.host" -}}
{{- if .Values.database.host -}}
{{- .Values.database.host -}}
{{- else if .Values.postgresql.enabled -}}
{{- printf "%s.%s.svc.%s" (include "learnflow.postgresql.fullname" .) .Release.Namespace .Values.clusterDomain -}}
{{- else -}}
{{- fail "postgresql.enabled is false and database.host is empty: set database.host to your PostgreSQL's host name, or set database.enabled=false" -}}
{{- end -}}
{{- end -}}

{{/* Environment of the programs that talk to PostgreSQL: where it is, who to be, where the password is. */}}
{{- define "learnflow.database.env" -}}
- name: LEARNFLOW_HOOKS_POSTGRES_HOST
  value: {{ include "learnflow.database.host" . | quote }}
- name: LEARNFLOW_HOOKS_POSTGRES_PORT
  value: {{ .Values.database.port | quote }}
- name: LEARNFLOW_HOOKS_POSTGRES_DATABASE
  value: {{ .Values.database.name | quote }}
- name: LEARNFLOW_HOOKS_POSTGRES_USER
  value: {{ .Values.database.user | quote }}
- name: LEARNFLOW_HOOKS_POSTGRES_PASSWORD_FILE
  value: /etc/learnflow/credentials/password
- name: LEARNFLOW_HOOKS_POSTGRES_PASSWORD_SECRET
  value: {{ printf "Secret %s, key password" (include "learnflow.credentials.secretName" .) | quote }}
{{- end -}}

{{/* Where the migrations are mounted. */}}
{{- define "learnflow.database.migrationsEnv" -}}
- name: LEARNFLOW_HOOKS_MIGRATIONS_DIR
  value: /etc/learnflow/migrations
{{- end -}}

{{/* Where the seed files are mounted, and whether test users are seeded. */}}
{{- define "learnflow.database.seedsEnv" -}}
- name: LEARNFLOW_HOOKS_SEEDS_DIR
  value: /etc/learnflow/seeds
- name: LEARNFLOW_HOOKS_TEST_USERS
  value: {{ .Values.database.testUsers.enabled | quote }}
{{- end -}}

{{/* The migrations and seeds ConfigMaps as volumes, and their mounts. */}}
{{- define "learnflow.database.volumes" -}}
- name: migrations
  configMap:
    name: {{ include "learnflow.componentName" (dict "context" . "component" "migrations") }}
- name: seeds
  configMap:
    name: {{ include "learnflow.componentName" (dict "context" . "component" "seeds") }}
{{ include "learnflow.credentials.volume" . }}
{{- end -}}
{{- define "learnflow.database.mounts" -}}
- name: migrations
  mountPath: /etc/learnflow/migrations
  readOnly: true
- name: seeds
  mountPath: /etc/learnflow/seeds
  readOnly: true
{{ include "learnflow.credentials.mount" . }}
{{- end -}}

{{/*
The annotations of a check: a helm test hook, and with tests.syncHook.enabled an Argo CD PostSync
hook as well (Argo CD never runs helm test hooks), after the install hook's wave (0).
*/}}
{{- define "learnflow.tests.hookAnnotations" -}}
helm.sh/hook: test
helm.sh/hook-delete-policy: before-hook-creation
{{- if .Values.tests.syncHook.enabled }}
argocd.argoproj.io/hook: PostSync
argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
argocd.argoproj.io/sync-wave: "30"
{{- end }}
{{- end -}}
