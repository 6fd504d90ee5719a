#!/usr/bin/env bash
# Checks that a cluster started by `.ci/kube.sh start DIR` behaves like the real
# thing the operator's e2e tests rely on: CRD schema validation (and empty strings,
# which a miscompiled apiserver turns into null), the status subresource,
# CEL validation rules, ownerReference garbage collection, namespace deletion, RBAC for
# a group-less user, Pod admission and Pod Security Admission. `make e2e` runs it on every
# cluster it starts, before the tests. Uses only kubectl, curl and bash (and kube.sh beside it
# to restart the controller-manager after installing the CRD).
#
#   .ci/kube-selftest.sh DIR      exits non-zero if any check fails
set -euo pipefail

DIR=${1:?usage: $0 DIR (as given to .ci/kube.sh start)}
[[ -f $DIR/env ]] || { echo "no $DIR/env: start the cluster first" >&2; exit 2; }
set -a
# shellcheck disable=SC1091
. "$DIR/env"
set +a
KUBECTL=${KUBECTL:-kubectl}
NS=selftest-$RANDOM
GROUP=selftest.e2e.example.com
PASSED=0 FAILED=0

pass() { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
k() { "$KUBECTL" "$@"; }

# POSTs a JSON Widget straight to the API server; prints "<code> <message>".
post_widget() {
  local out code
  out=$(curl -s --cacert "$KUBE_CA_FILE" -H "Authorization: Bearer $KUBE_ADMIN_TOKEN" \
    -H 'Content-Type: application/json' -X POST --data-binary "$1" -w '\n%{http_code}' \
    "$KUBE_API_SERVER/apis/$GROUP/v1/namespaces/$NS/widgets")
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  # the Status object's top-level "message" (the details' causes repeat parts
  # of it), without a JSON parser; the API server writes "message" before "details"
  out=${out%%\"details\"*}
  out=$(printf '%s' "$out" | tr -d '\n' | sed -n 's/.*"message": *"\(\([^"\\]\|\\.\)*\)".*/\1/p' | sed 's/\\"/"/g')
  echo "$code $out"
}

widget() { # name, spec JSON
  printf '{"apiVersion":"%s/v1","kind":"Widget","metadata":{"name":"%s"},"spec":%s}' "$GROUP" "$1" "$2"
}

# Expects a 422 whose message contains $3.
expect_rejected() {
  local what=$1 body=$2 needle=$3 res
  res=$(post_widget "$body")
  if [[ $res == 422\ * && $res == *"$needle"* ]]; then
    pass "$what rejected: ${res}"
  else
    fail "$what: expected 422 containing '$needle', got: $res"
  fi
}

cleanup() {
  k delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
  k delete crd "widgets.$GROUP" --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT

# ---- basics
if out=$(k get ns 2>&1) && grep -q '^default ' <<<"$out"; then
  pass "kubectl get ns"; printf '    %s\n' "${out//$'\n'/$'\n'    }"
else fail "kubectl get ns: $out"; fi

if out=$(k version 2>&1) && grep -q "Server Version: $KUBE_VERSION\$" <<<"$out" &&
  grep -q "Client Version: $KUBE_VERSION\$" <<<"$out"; then
  pass "kubectl version: $(grep 'Server Version' <<<"$out")"
else fail "kubectl version: $out"; fi

k create namespace "$NS" >/dev/null

# ---- CRD with a structural schema
k apply -f - >/dev/null <<EOF
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.$GROUP
spec:
  group: $GROUP
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [image]
            x-kubernetes-validations:
            - rule: "!has(self.mode) || self.mode != 'Fast' || !has(self.replicas) || self.replicas <= 3"
              message: Fast allows at most 3 replicas
            properties:
              image: {type: string, pattern: '^[a-z0-9./:-]*$'}
              mode: {type: string, enum: [Fast, Safe]}
              replicas: {type: integer, minimum: 1, maximum: 5}
              note: {type: string}
          status:
            type: object
            properties:
              phase: {type: string}
EOF
if k wait --for=condition=Established "crd/widgets.$GROUP" --timeout=30s >/dev/null; then
  pass "CRD widgets.$GROUP Established"
else fail "CRD not Established"; fi
# Discovery of the new resource can lag a moment behind Established.
for _ in $(seq 50); do k get widgets -n "$NS" >/dev/null 2>&1 && break; sleep 0.2; done
# The garbage collector learns new kinds only every 30 s (then with backoff);
# a restarted controller-manager knows them at once. This is what e2e suites
# should do after installing their CRDs.
if out=$("$(dirname "$0")/kube.sh" restart-controllers "$DIR" 2>&1); then
  pass "restart-controllers to pick up the new CRD: ${out##*kube.sh: }"
else fail "kube.sh restart-controllers $DIR: $out"; fi

# ---- empty strings must stay strings (a Go 1.19 build decodes them as null)
res=$(post_widget "$(widget empty '{"image":"","note":"","mode":"Safe","replicas":1}')")
stored=$(k get widget empty -n "$NS" -o 'jsonpath={.spec.image}|{.spec.note}|{.spec.mode}' 2>&1 || true)
json=$(k get widget empty -n "$NS" -o json 2>&1 || true)
if [[ $res == 201\ * && $stored == '||Safe' && $json == *'"image": ""'* ]]; then
  pass "CR with empty string fields accepted and stored as \"\" (HTTP 201)"
else fail "CR with empty strings: $res / stored: $stored"; fi

# ---- schema violations are 422 with the validation message
expect_rejected "missing required field" "$(widget missing '{"mode":"Fast"}')" 'spec.image: Required value'
expect_rejected "bad enum" "$(widget badenum '{"image":"x","mode":"Turbo"}')" 'Unsupported value: "Turbo"'
expect_rejected "pattern mismatch" "$(widget badpattern '{"image":"Not An Image"}')" 'should match'
expect_rejected "integer above maximum" "$(widget toomany '{"image":"x","replicas":9}')" 'less than or equal to 5'
expect_rejected "CEL rule" "$(widget fastfour '{"image":"x","mode":"Fast","replicas":4}')" 'Fast allows at most 3 replicas'

# ---- status subresource: /status changes status only
if k patch widget empty -n "$NS" --subresource=status --type=merge \
  -p '{"status":{"phase":"Ready"},"spec":{"mode":"Fast"}}' >/dev/null 2>&1 &&
  [[ $(k get widget empty -n "$NS" -o 'jsonpath={.status.phase}/{.spec.mode}') == Ready/Safe ]]; then
  pass "status subresource updates status and ignores spec"
else fail "status subresource: $(k get widget empty -n "$NS" -o 'jsonpath={.status}/{.spec}' 2>&1)"; fi

# ---- ownerReference garbage collection
k apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: $GROUP/v1
kind: Widget
metadata: {name: parent}
spec: {image: registry.local/app:1}
EOF
uid=$(k get widget parent -n "$NS" -o 'jsonpath={.metadata.uid}')
k apply -n "$NS" -f - >/dev/null <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: child
  ownerReferences:
  - {apiVersion: $GROUP/v1, kind: Widget, name: parent, uid: $uid}
data: {k: v}
EOF
# While the owner exists the child must stay (a wrong uid would get it collected at once).
sleep 1
if k get configmap child -n "$NS" >/dev/null 2>&1; then pass "child ConfigMap kept while its owner exists"
else fail "child ConfigMap vanished while its owner exists"; fi
k delete widget parent -n "$NS" >/dev/null
start_ms=$(date +%s%3N) gone=
while (($(date +%s%3N) - start_ms < 10000)); do
  if ! k get configmap child -n "$NS" >/dev/null 2>&1; then gone=1; break; fi
  sleep 0.1
done
if [[ -n $gone ]]; then pass "child ConfigMap garbage-collected $(($(date +%s%3N) - start_ms)) ms after its owner was deleted"
else fail "child ConfigMap still there 10 s after its owner was deleted"; fi

# ---- RBAC: e2e-user has no group and no bindings
if out=$(k auth can-i --as=e2e-user list secrets 2>&1); then
  fail "e2e-user may list secrets: $out"
else pass "kubectl auth can-i --as=e2e-user list secrets: $out"; fi
if out=$(k --context e2e-user get secrets -n "$NS" 2>&1); then
  fail "e2e-user token could list secrets"
elif [[ $out == *Forbidden* || $out == *forbidden* ]]; then
  pass "e2e-user's own token authenticates and is forbidden: ${out:0:110}"
else fail "e2e-user token: $out"; fi

# ---- Pod admission needs the namespace's default service account (and its token)
for _ in $(seq 50); do k get sa default -n "$NS" >/dev/null 2>&1 && break; sleep 0.2; done
if out=$(k run probe -n "$NS" --image=registry.local/none:1 --restart=Never 2>&1); then
  pass "Pod admitted (it never runs: no registry holds its image)"
else fail "Pod creation: $out"; fi

# ---- Pod Security Admission: a restricted namespace refuses a root, privileged Pod
k label namespace "$NS" pod-security.kubernetes.io/enforce=restricted \
  pod-security.kubernetes.io/enforce-version=latest >/dev/null 2>&1 || true
if out=$(k run privileged -n "$NS" --image=registry.local/none:1 --restart=Never --privileged 2>&1); then
  fail "a privileged Pod was admitted into a restricted namespace"
elif [[ $out == *'violates PodSecurity "restricted:latest"'* ]]; then
  pass "restricted namespace refuses a privileged Pod: ${out:0:110}"
else fail "privileged Pod in a restricted namespace: $out"; fi

# ---- namespace deletion empties and removes the namespace
trap - EXIT
k delete crd "widgets.$GROUP" --wait=false >/dev/null
if k delete namespace "$NS" --timeout=60s >/dev/null 2>&1; then
  pass "namespace $NS deleted with its contents"
else fail "namespace $NS not deleted within 60s"; fi

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
