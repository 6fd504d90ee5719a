#!/usr/bin/env bash
# Writes a release into dist/, everything a platform team needs without the checkout:
#   image-pipeline-operator-VERSION.tgz               the Helm chart package
#   image-pipeline-operator-VERSION.oci.tar           the image, an OCI image layout archive
#   image-pipeline-operator-VERSION.oci.tar.digest    its manifest digest (sha256:...)
#   image-pipeline-operator-VERSION.jar               the operator jar
#   crds.yaml                                         the CRDs, for installs that manage them apart
#   argocd-cm.yaml, argocd-helm-values.yaml,
#   argocd-operator.yaml                              the Argo CD health checks and actions
#   image-pipeline-operator-VERSION.cdx.json          CycloneDX SBOM of the operator's Java side
#   image-pipeline-operator-VERSION.debian-packages.txt  the image's Debian packages
#   SHA256SUMS                                        over all of the above
#
# One version everywhere: the poms (and the jar's manifest), the chart's version and appVersion,
# and the image's tag and version label must all say VERSION (Chart.yaml's version); set them
# with .ci/set-version.sh (`VERSION=x.y.z make release` does) and build the jar and image
# (`make image`) first. RELEASE_IMAGE=0 leaves the image and its package list out (the
# end-to-end tier without a node, which installs the chart only).
#
# Usage: bash .ci/release.sh
#        (cd dist && sha256sum -c SHA256SUMS)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="$ROOT/helm/image-pipeline-operator"
DIST="${DIST:-$ROOT/dist}"
HELM="${HELM:-$ROOT/.tools/bin/helm}"
JAR="$ROOT/operator/target/image-pipeline-operator.jar"
IMAGE_TAR="$ROOT/operator/target/image-pipeline-operator-image.tar"
IMAGE_INPUTS="$ROOT/operator/target/image-pipeline-operator-image.inputs"
RELEASE_IMAGE="${RELEASE_IMAGE:-1}"

die() { echo "release: $*" >&2; exit 1; }

[[ -x $HELM ]] || die "no helm at $HELM (bash .ci/tools.sh)"
[[ -f $JAR ]] || die "no $JAR (make build)"

VERSION="$(sed -n 's/^version: *//p' "$CHART/Chart.yaml")"
APP_VERSION="$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$CHART/Chart.yaml")"
POM_VERSION="$(sed -n '0,/<artifactId>image-pipeline-operator-parent<\/artifactId>/d; s/^  <version>\(.*\)<\/version>$/\1/p' "$ROOT/pom.xml" | head -n 1)"
JAR_VERSION="$(unzip -p "$JAR" META-INF/MANIFEST.MF | tr -d '\r' | sed -n 's/^Implementation-Version: //p')"
for pair in "chart appVersion:$APP_VERSION" "pom:$POM_VERSION" "jar manifest:$JAR_VERSION"; do
  [[ ${pair#*:} == "$VERSION" ]] \
    || die "the $pair says '${pair#*:}' where Chart.yaml says $VERSION (bash .ci/set-version.sh X; make build image)"
done

# The SBOM of what runs: the operator module's compile and runtime dependencies. In the reactor
# (-am), so the simulator the tests use resolves; the package it repeats is up to date.
(cd "$ROOT" && mvn -B -ntp -q -pl operator -am -DskipTests package org.cyclonedx:cyclonedx-maven-plugin:2.9.1:makeBom \
  -DoutputFormat=json -DoutputName=bom -DincludeTestScope=false -DincludeProvidedScope=false \
  -DincludeSystemScope=false >/dev/null)

"$HELM" lint --strict "$CHART" >/dev/null
rm -rf "$DIST"
mkdir -p "$DIST"
NAME="image-pipeline-operator-$VERSION"
"$HELM" package "$CHART" --destination "$DIST" >/dev/null
cp "$JAR" "$DIST/$NAME.jar"

if [[ $RELEASE_IMAGE == 1 ]]; then
  [[ -f $IMAGE_TAR && -f $IMAGE_INPUTS ]] || die "no image at $IMAGE_TAR (make image)"
  image_version=$(sed -n 's/^image.version=//p' "$IMAGE_INPUTS")
  [[ $image_version == "$VERSION" ]] || die "the image was built as version '$image_version', not $VERSION (make image)"
  cp "$IMAGE_TAR" "$DIST/$NAME.oci.tar"
  # The manifest the layout's index names is the image: its digest is what a registry serves.
  digest=$(tar -xOf "$IMAGE_TAR" index.json | grep -o '"digest" *: *"sha256:[0-9a-f]*"' | head -n 1 | grep -o 'sha256:[0-9a-f]*')
  [[ $digest == "$(cat "$ROOT/operator/target/image-pipeline-operator-image.digest")" ]] \
    || die "the archive's index names $digest, Jib reported another digest"
  echo "$digest" >"$DIST/$NAME.oci.tar.digest"
  base=$(sed -n 's/^image.base=//p' "$IMAGE_INPUTS")
  if [[ $base == tar://* ]]; then
    bash "$ROOT/.ci/base-image.sh" packages-of "${base#tar://}" >"$DIST/$NAME.debian-packages.txt"
  else
    echo "# the image is built on $base, a registry image: its packages are that image's" >"$DIST/$NAME.debian-packages.txt"
  fi
fi

for crd in "$ROOT"/crds/*.yml; do
  echo "---"
  cat "$crd"
done >"$DIST/crds.yaml"
bash "$ROOT/.ci/argocd-cm.sh" --format argocd-cm >"$DIST/argocd-cm.yaml"
bash "$ROOT/.ci/argocd-cm.sh" --format helm >"$DIST/argocd-helm-values.yaml"
bash "$ROOT/.ci/argocd-cm.sh" --format operator >"$DIST/argocd-operator.yaml"
cp "$ROOT/operator/target/bom.json" "$DIST/$NAME.cdx.json"


(cd "$DIST" && sha256sum -- * >SHA256SUMS.part && mv SHA256SUMS.part SHA256SUMS)

echo "release: $DIST"
(cd "$DIST" && ls -1)
