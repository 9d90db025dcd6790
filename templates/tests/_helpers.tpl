{{/* The helm test checks. */}}

{{/*
The annotations of a check: a helm test hook, and with tests.syncHook.enabled an Argo CD PostSync
hook as well (Argo CD never runs helm test hooks), after the install hook's wave (0).
Usage: {{ include "learnflow.tests.hookAnnotations" . }}
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
