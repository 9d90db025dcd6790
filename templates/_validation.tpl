{{/*
Every problem with the values that values.schema.json cannot see, collected from each concern's
learnflow.<concern>.validateValues, reported at once. NOTES.txt calls it, since every render
(helm install, upgrade, template and lint, Argo CD) renders NOTES.txt.
Usage: {{ include "learnflow.validateValues" . }}
*/}}
{{- define "learnflow.validateValues" -}}
{{- $messages := list -}}
{{- range $concern := list "kafka" "postgresql" "dapr" "services" -}}
{{- $messages = concat $messages (splitList "\n" (include (printf "learnflow.%s.validateValues" $concern) $)) -}}
{{- end -}}
{{- $messages = without $messages "" -}}
{{- if $messages -}}
{{- printf "\nVALUES VALIDATION:\n%s" (join "\n" $messages) | fail -}}
{{- end -}}
{{- end -}}

{{/*
Warnings for values keys that still work but are deprecated, one per line.
Usage: {{ include "learnflow.deprecations" . }}
*/}}
{{- define "learnflow.deprecations" -}}
{{- if .Values.database }}
WARNING: database.* is deprecated since 0.2.0 and will be removed in 0.3.0: move it to postgresqlSchema.* (database.name is now postgresqlSchema.database, database.user postgresqlSchema.username; see docs/upgrade.md)
{{- end -}}
{{- end -}}
