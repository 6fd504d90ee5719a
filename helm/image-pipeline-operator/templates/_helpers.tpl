{{/*
Name of the chart, or nameOverride.
*/}}
{{- define "image-pipeline-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of the release's resources: fullnameOverride, else "<release>-<name>" (just "<release>" when
the release name already contains the chart name). At most 63 characters (DNS label).
*/}}
{{- define "image-pipeline-operator.fullname" -}}
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

{{/*
Chart name and version for the helm.sh/chart label.
*/}}
{{- define "image-pipeline-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every resource, commonLabels included.
*/}}
{{- define "image-pipeline-operator.labels" -}}
helm.sh/chart: {{ include "image-pipeline-operator.chart" . }}
{{ include "image-pipeline-operator.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: image-pipeline-operator
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Labels that select the operator's pods. Never change them: a Deployment's selector is immutable.
*/}}
{{- define "image-pipeline-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "image-pipeline-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Name of the ServiceAccount the operator runs as.
*/}}
{{- define "image-pipeline-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "image-pipeline-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
"true" when leader election is on: with leaderElection.enabled=true (the default), or with
"auto" when more than one replica runs. Two replicas without it would both write every child.
*/}}
{{- define "image-pipeline-operator.leaderElection" -}}
{{- $mode := .Values.leaderElection.enabled }}
{{- $replicas := int .Values.replicaCount }}
{{- if and (kindIs "bool" $mode) (not $mode) (gt $replicas 1) }}
{{- fail (printf "leaderElection.enabled=false with replicaCount=%d: every replica would write every ImagePipelineExecution. Use leaderElection.enabled=true or replicaCount=1." $replicas) }}
{{- end }}
{{- if or (and (kindIs "bool" $mode) $mode) (and (eq (toString $mode) "auto") (gt $replicas 1)) }}true{{ else }}false{{ end }}
{{- end }}

{{/*
Name of the leader election Lease.
*/}}
{{- define "image-pipeline-operator.leaseName" -}}
{{- default (include "image-pipeline-operator.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{/*
Image reference: repository@digest, else repository:tag (tag defaults to the appVersion).
*/}}
{{- define "image-pipeline-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
"true" when the pod gets an explicit RRSA configuration (role ARN and a projected token).
*/}}
{{- define "image-pipeline-operator.rrsaExplicit" -}}
{{- if .Values.credentials.rrsa.roleArn }}true{{ else }}false{{ end }}
{{- end }}

{{/*
Fails on credential settings that contradict each other. Alibaba's credentials chain takes the
first source it finds, so two configured sources would silently shadow one another. Also fails on
per-watch Secrets for all namespaces unless acknowledged: that is `get` on every Secret in the
cluster, which nobody should get by leaving watchNamespaces at its default.
*/}}
{{- define "image-pipeline-operator.validateCredentials" -}}
{{- $c := .Values.credentials }}
{{- $sources := list }}
{{- if $c.secret.name }}{{ $sources = append $sources "credentials.secret.name" }}{{ end }}
{{- if $c.rrsa.roleName }}{{ $sources = append $sources "credentials.rrsa.roleName" }}{{ end }}
{{- if $c.rrsa.roleArn }}{{ $sources = append $sources "credentials.rrsa.roleArn" }}{{ end }}
{{- if gt (len $sources) 1 }}
{{- fail (printf "set only one of %s: the credentials chain would use the first and ignore the others" (join ", " $sources)) }}
{{- end }}
{{- if and $c.rrsa.roleArn (not $c.rrsa.oidcProviderArn) }}
{{- fail "credentials.rrsa.roleArn needs credentials.rrsa.oidcProviderArn (acs:ram::<account>:oidc-provider/ack-rrsa-<cluster-id>)" }}
{{- end }}
{{- if and $c.rrsa.oidcProviderArn (not $c.rrsa.roleArn) }}
{{- fail "credentials.rrsa.oidcProviderArn is set but credentials.rrsa.roleArn is not" }}
{{- end }}
{{- if and $c.perWatchSecrets (not .Values.watchNamespaces) (not $c.perWatchSecretsClusterWide) }}
{{- fail "credentials.perWatchSecrets=true with no watchNamespaces lets the operator get every Secret in the cluster (a ClusterRole). List the served namespaces in watchNamespaces, or set credentials.perWatchSecretsClusterWide=true to accept the cluster-wide grant." }}
{{- end }}
{{- if and $c.rrsa.roleName (not .Values.serviceAccount.create) }}
{{- fail "credentials.rrsa.roleName annotates the chart's ServiceAccount: annotate your own ServiceAccount with pod-identity.alibabacloud.com/role-name instead, or set serviceAccount.create=true" }}
{{- end }}
{{- end }}

{{/*
Namespaced RBAC rules the operator needs where it serves watches, and no more (HelmInstallIT runs
the operator with exactly these): it reads watches and patches their status, creates and updates
(never patches or deletes) executions, and creates events.
*/}}
{{- define "image-pipeline-operator.watchRules" -}}
- apiGroups: ["ecs.imagebuilder.dev"]
  resources: ["imagepipelinewatches"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["ecs.imagebuilder.dev"]
  resources: ["imagepipelinewatches/status"]
  verbs: ["patch"]
- apiGroups: ["ecs.imagebuilder.dev"]
  resources: ["imagepipelineexecutions"]
  # delete: only for spec.history, which prunes finished children.
  verbs: ["get", "list", "watch", "create", "update", "delete"]
- apiGroups: ["ecs.imagebuilder.dev"]
  resources: ["imagepipelineexecutions"]
  # No request uses this verb: it names the operator to the admission policies of every release
  # (templates/admission-policy.yaml), so releases that serve the same namespace admit each other.
  verbs: ["mirror"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- if .Values.credentials.perWatchSecrets }}
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
{{- end }}
{{- end }}


{{/*
"true" when the chart ships its ValidatingAdmissionPolicy: admissionPolicy.enabled, and fails when
the cluster is known not to serve the API. Capabilities from a cluster name kinds
("apps/v1/Deployment"); helm template's built-in ones name group versions only, so offline the
policy is rendered as asked, and a real install finds out here instead of halfway through.
*/}}
{{- define "image-pipeline-operator.admissionPolicy" -}}
{{- if .Values.admissionPolicy.enabled }}
{{- $fromCluster := .Capabilities.APIVersions.Has "apps/v1/Deployment" }}
{{- if and $fromCluster (not (.Capabilities.APIVersions.Has "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy")) }}
{{- fail "admissionPolicy.enabled=true, but this cluster does not serve admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy (Kubernetes 1.30 and later do, unless it is switched off). Set admissionPolicy.enabled=false to install without the policy." }}
{{- end }}
{{- true }}
{{- else }}
{{- false }}
{{- end }}
{{- end }}
