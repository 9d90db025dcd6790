{{/*
The Pod spec every hook and test Pod shares: its ServiceAccount, image, security, resources and labels.
*/}}

{{/*
The ServiceAccount of the hook and test Pods that need no Kubernetes API access.
Usage: {{ include "learnflow.hooks.serviceAccountName" . }}
*/}}
{{- define "learnflow.hooks.serviceAccountName" -}}
{{- include "learnflow.componentName" (dict "context" . "component" "hooks") -}}
{{- end -}}

{{/*
A digest of the reconcile Job and the checks as rendered, which the hooks' ServiceAccount carries:
Argo CD compares no hook, so a change to them alone (their image, settings or timeouts) would
otherwise leave the release Synced and start no automated sync (docs/argocd.md).
Usage: {{ include "learnflow.hooks.digest" . }}
*/}}
{{- define "learnflow.hooks.digest" -}}
{{- $rendered := list -}}
{{- range list "reconcile/job.yaml" "tests/kafka-check-pod.yaml" "tests/postgresql-check-pod.yaml" "tests/dapr-check-job.yaml" -}}
{{- $rendered = append $rendered (include (print $.Template.BasePath "/" .) $) -}}
{{- end -}}
{{- join "\n" $rendered | sha256sum -}}
{{- end -}}

{{/*
The hooks image reference: registry/repository:tag or @digest, honouring global.imageRegistry.
Usage: {{ include "learnflow.hooks.image" . }}
*/}}
{{- define "learnflow.hooks.image" -}}
{{- $image := .Values.hooks.image -}}
{{- $registry := default $image.registry .Values.global.imageRegistry -}}
{{- if $image.digest -}}
{{- printf "%s/%s@%s" $registry $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s/%s:%s" $registry $image.repository (default .Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
imagePullSecrets of the hook and test Pods: the global ones and the hooks' own, as names or {name: ...} like Bitnami's.
Usage: {{ include "learnflow.hooks.imagePullSecrets" . }}
*/}}
{{- define "learnflow.hooks.imagePullSecrets" -}}
{{- $secrets := concat .Values.global.imagePullSecrets .Values.hooks.imagePullSecrets | uniq -}}
{{- if $secrets }}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ if kindIs "map" . }}{{ .name | quote }}{{ else }}{{ . | quote }}{{ end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The Pod spec fields every hook and test Pod shares (after `spec:`), without containers:
(dict "context" $) runs as the hooks ServiceAccount with no API token;
(dict "context" $ "serviceAccountName" "x" "apiAccess" true) as another, with its token.
Usage: {{ include "learnflow.hooks.podSpec" (dict "context" $) }}
*/}}
{{- define "learnflow.hooks.podSpec" -}}
{{- $ := .context -}}
serviceAccountName: {{ .serviceAccountName | default (include "learnflow.hooks.serviceAccountName" $) | quote }}
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
Usage: {{ include "learnflow.hooks.container" . }}
*/}}
{{- define "learnflow.hooks.container" -}}
image: {{ include "learnflow.hooks.image" . | quote }}
imagePullPolicy: {{ .Values.hooks.image.pullPolicy | quote }}
command: ["node", "/app/dist/hooks/cli.js"]
# A failed hook's last log lines stay in its status, where `kubectl describe` and the deploy command read them.
terminationMessagePolicy: FallbackToLogsOnError
securityContext: {{- toYaml .Values.hooks.containerSecurityContext | nindent 2 }}
resources: {{- toYaml .Values.hooks.resources | nindent 2 }}
{{- end -}}

{{/*
Labels of a hook or test Pod, with hooks.podLabels and the client labels that let it through
Kafka's and PostgreSQL's NetworkPolicies; (dict "context" $ "component" "kafka-topics").
Usage: {{ include "learnflow.hooks.podLabels" (dict "context" $ "component" "kafka-topics") }}
*/}}
{{- define "learnflow.hooks.podLabels" -}}
{{ include "learnflow.labels" . }}
{{- if .context.Values.kafka.enabled }}
{{ printf "%s-client" (include "learnflow.kafka.fullname" .context) | quote }}: "true"
{{- end }}
{{- if .context.Values.postgresql.enabled }}
{{ printf "%s-client" (include "learnflow.postgresql.fullname" .context) | quote }}: "true"
{{- end }}
{{- with .context.Values.hooks.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}
