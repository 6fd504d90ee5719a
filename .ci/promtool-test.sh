#!/usr/bin/env bash
# Tests the chart's alerting rules with `promtool test rules` (helm/monitoring/alerts_test.yaml).
# The rules are rendered by helm template (release ipo in namespace ops, defaults.interval 1m and
# the runbook base URL https://runbooks.example/troubleshooting.md, as the test expects) and their
# spec is the rule file promtool reads. promtool comes from Debian's
# prometheus package, installed when missing (needs root).
#
# Usage: bash .ci/promtool-test.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELM="${HELM:-$ROOT/.tools/bin/helm}"
[[ -x $HELM ]] || { echo "promtool-test: no helm at $HELM (bash .ci/tools.sh)" >&2; exit 1; }

if ! command -v promtool >/dev/null 2>&1; then
  [[ $(id -u) == 0 ]] || { echo "promtool-test: promtool missing; apt-get install prometheus (needs root)" >&2; exit 1; }
  echo "promtool-test: installing Debian's prometheus package for promtool"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

"$HELM" template ipo "$ROOT/helm/image-pipeline-operator" --namespace ops \
  --set prometheusRule.enabled=true --set defaults.interval=1m \
  --set prometheusRule.runbookBaseUrl=https://runbooks.example/troubleshooting.md \
  --api-versions monitoring.coreos.com/v1/PrometheusRule --kube-version 1.35.0 \
  --show-only templates/prometheusrule.yaml >"$TMP/prometheusrule.yaml"

# The PrometheusRule's spec, one level up, is a Prometheus rule file ("groups: ...").
sed -n '/^spec:$/,$p' "$TMP/prometheusrule.yaml" | sed '1d; s/^  //' >"$TMP/rules.yaml"
grep -q '^groups:$' "$TMP/rules.yaml" || { echo "promtool-test: no rule groups rendered" >&2; exit 1; }

promtool check rules "$TMP/rules.yaml"
cp "$ROOT/helm/monitoring/alerts_test.yaml" "$TMP/"
(cd "$TMP" && promtool test rules alerts_test.yaml)
