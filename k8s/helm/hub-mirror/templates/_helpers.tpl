{{/* The chart's name. */}}
{{- define "hub-mirror.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Objects are named after the release; a release named hub-mirror gives the kustomize names. */}}
{{- define "hub-mirror.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hub-mirror.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hub-mirror.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "hub-mirror.labels" -}}
{{ include "hub-mirror.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "hub-mirror.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hub-mirror.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* registry/repository:tag@digest */}}
{{- define "hub-mirror.image" -}}
{{- $repository := .Values.image.repository }}
{{- if .Values.image.registry }}
{{- $repository = printf "%s/%s" (trimSuffix "/" .Values.image.registry) .Values.image.repository }}
{{- end }}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" $repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}
{{- end }}

{{/* Memory sizing (docs/deployment.md, "Sizing memory"): the budget is direct memory (+ a margin for Netty); the heap
is the working set, plus the budget for a gs:// store (its client's upload chunks live on the heap); container =
direct + heap + off-heap. */}}
{{- define "hub-mirror.directMiB" -}}
{{- add (int .Values.memory.budgetMiB) (int .Values.memory.directMarginMiB) }}
{{- end }}

{{- define "hub-mirror.heapMiB" -}}
{{- if hasPrefix "gs://" (toString .Values.store.url) }}
{{- add (int .Values.memory.workingSetMiB) (int .Values.memory.budgetMiB) }}
{{- else }}
{{- int .Values.memory.workingSetMiB }}
{{- end }}
{{- end }}

{{- define "hub-mirror.containerMiB" -}}
{{- add (include "hub-mirror.directMiB" . | int) (include "hub-mirror.heapMiB" . | int) (int .Values.memory.offHeapMiB) }}
{{- end }}

{{- define "hub-mirror.gkeMetadata" -}}
{{- $setting := toString .Values.networkPolicy.gkeMetadata.enabled }}
{{- if or (eq $setting "true") (and (eq $setting "auto") .Values.store.workloadIdentity.gcpServiceAccount) }}true{{ end }}
{{- end }}
