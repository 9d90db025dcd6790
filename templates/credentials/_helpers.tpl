{{/* Credentials: the Secret of every password, and the hook that creates it. */}}

{{/*
The credentials Secret: global.learnflow.credentialsSecret, or the one the credentials hook
creates. Also rendered inside the postgresql chart (its auth.existingSecret), so it uses only
.Release and .Values.global.
Usage: {{ include "learnflow.credentials.secretName" . }}
*/}}
{{- define "learnflow.credentials.secretName" -}}
{{- $global := .Values.global.learnflow | default dict -}}
{{- default (printf "%s-credentials" .Release.Name | trunc 63 | trimSuffix "-") $global.credentialsSecret -}}
{{- end -}}

{{/*
Whether this release runs the hook that creates the credentials Secret.
Usage: {{ if include "learnflow.credentials.hookEnabled" . }}
*/}}
{{- define "learnflow.credentials.hookEnabled" -}}
{{- $global := .Values.global.learnflow | default dict -}}
{{- if and .Values.credentials.hook.enabled (not $global.credentialsSecret) -}}true{{- end -}}
{{- end -}}

{{/*
Whether this install or upgrade renders the credentials hook: it is enabled, and the Secret does
not already hold every key, or a services namespace's copy of it is missing or stale, or it is
one the hook made before 0.2.0 (managed by learnflow-hooks, without the app.kubernetes.io/instance
label the deploy command finds it by; a Secret the user made is never labelled, so that deleting
data never deletes it). Helm reads the Secrets only when it talks to the cluster; where it cannot
(helm template, Argo CD), the lookup is empty and the hook always runs.
Skipping a hook with nothing to do spares every upgrade a Job and its Pod.
Usage: {{ if include "learnflow.credentials.hookRuns" . }}
*/}}
{{- define "learnflow.credentials.hookRuns" -}}
{{- if include "learnflow.credentials.hookEnabled" . -}}
{{- $secret := lookup "v1" "Secret" .Release.Namespace (include "learnflow.credentials.secretName" .) -}}
{{- $labels := dig "metadata" "labels" dict $secret -}}
{{- if and (eq (get $labels "app.kubernetes.io/managed-by") "learnflow-hooks") (ne (get $labels "app.kubernetes.io/instance") .Release.Name) -}}true{{- end -}}
{{- $present := keys (dig "data" dict $secret) -}}
{{- range splitList "," (include "learnflow.credentials.keys" .) -}}
{{- if not (has . $present) -}}true{{- end -}}
{{- end -}}
{{- include "learnflow.services.secretsStale" . -}}
{{- end -}}
{{- end -}}

{{/*
The keys of the credentials Secret: the PostgreSQL passwords (the services' role's while the schema is managed, the Dapr state store's role's when the components are made), Kafka's SASL passwords when it reads them from this Secret, and, when test users are seeded,
each one's, as seeds/test-users.json names them (none is made for users that are not seeded).
Usage: {{ include "learnflow.credentials.keys" . }}
*/}}
{{- define "learnflow.credentials.keys" -}}
{{- $keys := list "postgres-password" "password" -}}
{{- if include "learnflow.postgresql.schemaEnabled" . -}}
{{- $keys = append $keys "services-password" -}}
{{- end -}}
{{- if include "learnflow.dapr.statestoreEnabled" . -}}
{{- $keys = append $keys "dapr-password" -}}
{{- end -}}
{{- with include "learnflow.credentials.testUserKeys" . -}}
{{- $keys = concat $keys (splitList "," .) -}}
{{- end -}}
{{- /* Kafka's SASL passwords, when kafka.sasl.existingSecret names this Secret. */ -}}
{{- if eq (include "learnflow.kafka.sasl.secretName" .) (include "learnflow.credentials.secretName" .) -}}
{{- with include "learnflow.kafka.sasl.secretKeys" . -}}
{{- $keys = concat $keys (splitList "," .) -}}
{{- end -}}
{{- end -}}
{{- join "," $keys -}}
{{- end -}}

{{/*
The test users' keys of the credentials Secret while they are seeded, comma-separated: each one's
password, as seeds/test-users.json names them, and the key of the seed's fingerprints of them.
Usage: {{ include "learnflow.credentials.testUserKeys" . }}
*/}}
{{- define "learnflow.credentials.testUserKeys" -}}
{{- if include "learnflow.postgresql.testUsersEnabled" . -}}
{{- $keys := list -}}
{{- range (.Files.Get "seeds/test-users.json" | fromJson).users -}}
{{- $keys = append $keys .passwordKey -}}
{{- end -}}
{{- /* Keys the fingerprints by which the seed knows their passwords unchanged without bcrypt. */ -}}
{{- join "," (append $keys "test-users-key") -}}
{{- end -}}
{{- end -}}

{{/*
The credentials Secret as a volume holding only the keys a Pod uses, and its mount. A key the
Secret lacks is left out rather than stopping the Pod, so that the program names the Secret and
the key it needs (a user's own Secret may be incomplete).
Usage: {{ include "learnflow.credentials.volume" (dict "context" . "keys" (list "password")) }}, {{ include "learnflow.credentials.mount" . }}
*/}}
{{- define "learnflow.credentials.volume" -}}
- name: credentials
  secret:
    secretName: {{ include "learnflow.credentials.secretName" .context | quote }}
    defaultMode: 0440
    optional: true
    items:
      {{- range .keys }}
      - key: {{ . | quote }}
        path: {{ . | quote }}
      {{- end }}
{{- end -}}

{{- define "learnflow.credentials.mount" -}}
- name: credentials
  mountPath: /etc/learnflow/credentials
  readOnly: true
{{- end -}}
