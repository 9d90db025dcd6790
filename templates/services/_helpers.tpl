{{/* Services: the namespaces LearnFlow's services run in, and what each one gets (docs/services.md). */}}

{{/*
The namespaces that get the Dapr components and the connection ConfigMap, comma-separated: the
release's own, then global.learnflow.serviceNamespaces.
Usage: {{ range splitList "," (include "learnflow.services.namespaces" .) }}
*/}}
{{- define "learnflow.services.namespaces" -}}
{{- $global := .Values.global.learnflow | default dict -}}
{{- prepend ($global.serviceNamespaces | default list) .Release.Namespace | uniq | join "," -}}
{{- end -}}

{{/*
The keys of the credentials Secret a service needs, comma-separated: its own role's password, the
Dapr state store's, and Kafka's client password when the client listener uses SASL (for the
pub/sub, and for a service that talks to Kafka directly). The credentials hook
copies exactly these into a Secret of the same name in each of global.learnflow.serviceNamespaces.
Usage: {{ include "learnflow.services.secretKeys" . }}
*/}}
{{- define "learnflow.services.secretKeys" -}}
{{- $keys := list -}}
{{- if include "learnflow.postgresql.schemaEnabled" . -}}
{{- $keys = append $keys "services-password" -}}
{{- end -}}
{{- if include "learnflow.dapr.statestoreEnabled" . -}}
{{- $keys = append $keys "dapr-password" -}}
{{- end -}}
{{- if include "learnflow.kafka.sasl.enabled" . -}}
{{- $keys = append $keys (include "learnflow.kafka.sasl.secretKey" .) -}}
{{- end -}}
{{- join "," $keys -}}
{{- end -}}

{{/*
Whether a services namespace's copy of the credentials lacks a key or differs from the credentials
Secret, so that the credentials hook must run (an empty lookup, as in helm template, counts as
differing).
Usage: {{ if include "learnflow.services.secretsStale" . }}
*/}}
{{- define "learnflow.services.secretsStale" -}}
{{- $global := .Values.global.learnflow | default dict -}}
{{- $name := include "learnflow.credentials.secretName" . -}}
{{- $source := dig "data" dict (lookup "v1" "Secret" .Release.Namespace $name) -}}
{{- $keys := without (splitList "," (include "learnflow.services.secretKeys" .)) "" -}}
{{- range $global.serviceNamespaces -}}
{{- $copy := dig "data" dict (lookup "v1" "Secret" . $name) -}}
{{- range $keys -}}
{{- if or (not (hasKey $copy .)) (ne (get $copy .) (get $source .)) -}}true{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
An ingress rule for the Bitnami kafka and postgresql charts' extraIngress: Pods labelled with the
server's client label in global.learnflow.serviceNamespaces, on the server's port. Rendered by tpl
in the subchart, so the context is the subchart's. Written out in full because the kafka chart's
ingressNSPodMatchLabels never reaches its policy (it reads ingressNSPodMatchLabel), which would
admit every Pod of those namespaces.
Usage: extraIngress: '{{ include "learnflow.services.ingress" (dict "context" . "port" 9092 "label" "learnflow-kafka-client") }}'
*/}}
{{- define "learnflow.services.ingress" -}}
{{- $global := .context.Values.global.learnflow | default dict -}}
{{- with $global.serviceNamespaces -}}
- ports:
    - port: {{ $.port }}
  from:
    - namespaceSelector:
        matchExpressions:
          - key: kubernetes.io/metadata.name
            operator: In
            values: {{ toJson . }}
      podSelector:
        matchLabels:
          {{ $.label }}: "true"
{{- end -}}
{{- end -}}

{{/*
Problems with the services values, one per line (learnflow.validateValues reports them).
Usage: {{ include "learnflow.services.validateValues" . }}
*/}}
{{- define "learnflow.services.validateValues" -}}
{{- $global := .Values.global.learnflow | default dict -}}
{{- with $global.serviceNamespaces -}}
{{- if has $.Release.Namespace . }}
global.learnflow.serviceNamespaces lists the release's own namespace {{ $.Release.Namespace | quote }}, which has every credential already: list only the namespaces your services run in
{{- end -}}
{{- if and (include "learnflow.kafka.sasl.enabled" $) (ne (include "learnflow.kafka.sasl.secretName" $) (include "learnflow.credentials.secretName" $)) }}
global.learnflow.serviceNamespaces with a SASL client listener needs Kafka's client password in the credentials Secret, the one the services namespaces get a copy of: set kafka.sasl.existingSecret to '{{ "{{" }} include "learnflow.credentials.secretName" . {{ "}}" }}' (as profiles/kafka-sasl.yaml does)
{{- end -}}
{{- end -}}
{{- end -}}
