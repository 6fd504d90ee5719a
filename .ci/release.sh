#!/usr/bin/env bash
# Writes a release into dist/: the Helm chart package (helm package, version VERSION, appVersion
# the image tag IMAGE_TAG), the operator jar, and SHA256SUMS over both. The image is not built
# here: Jib builds it without a Dockerfile (`make image IMAGE=image-pipeline-operator:IMAGE_TAG`),
# and the jar is the runnable artifact of the release.
#
# Usage: bash .ci/release.sh              (VERSION from Chart.yaml's version; IMAGE_TAG = VERSION)
#        VERSION=0.2.0 bash .ci/release.sh
#        (cd dist && sha256sum -c SHA256SUMS)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="$ROOT/helm/image-pipeline-operator"
DIST="${DIST:-$ROOT/dist}"
HELM="${HELM:-$ROOT/.tools/bin/helm}"
JAR="$ROOT/operator/target/image-pipeline-operator.jar"

[[ -x $HELM ]] || { echo "release: no helm at $HELM (bash .ci/tools.sh)" >&2; exit 1; }
[[ -f $JAR ]] || { echo "release: no $JAR (make build)" >&2; exit 1; }

VERSION="${VERSION:-$(sed -n 's/^version: *//p' "$CHART/Chart.yaml")}"
IMAGE_TAG="${IMAGE_TAG:-$VERSION}"
# SemVer 2, as Helm requires of chart versions.
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$ ]] \
  || { echo "release: VERSION '$VERSION' is not SemVer" >&2; exit 1; }

"$HELM" lint --strict "$CHART" >/dev/null

rm -rf "$DIST"
mkdir -p "$DIST"
"$HELM" package "$CHART" --version "$VERSION" --app-version "$IMAGE_TAG" --destination "$DIST" >/dev/null
cp "$JAR" "$DIST/image-pipeline-operator-$VERSION.jar"
(cd "$DIST" && sha256sum -- *.tgz *.jar >SHA256SUMS)

echo "release: $DIST"
(cd "$DIST" && ls -1)
