#!/usr/bin/env bash
# Sets one version everywhere a release names it: every pom (the jar's manifest follows), the
# chart's version and appVersion (the image's tag and labels follow), and CHANGELOG.md, whose
# [Unreleased] entries become those of the version, dated today (UTC).
#
# Usage: bash .ci/set-version.sh 0.2.0
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION=${1:?usage: set-version.sh x.y.z}
CHART="$ROOT/helm/image-pipeline-operator/Chart.yaml"
# SemVer 2, as Helm requires of chart versions.
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$ ]] \
  || { echo "set-version: '$VERSION' is not SemVer (x.y.z)" >&2; exit 1; }

cd "$ROOT"
mvn -B -ntp -q org.codehaus.mojo:versions-maven-plugin:2.18.0:set \
  -DnewVersion="$VERSION" -DprocessAllModules=true -DgenerateBackupPoms=false
sed -i -E "s/^version: .*/version: $VERSION/; s/^appVersion: .*/appVersion: \"$VERSION\"/" "$CHART"
if ! grep -q "^## \[$VERSION\]" CHANGELOG.md; then
  sed -i "0,/^## \[Unreleased\]\$/s//## [Unreleased]\n\n## [$VERSION] - $(date -u +%F)/" CHANGELOG.md
fi
echo "set-version: $VERSION in the poms, $CHART and CHANGELOG.md"
