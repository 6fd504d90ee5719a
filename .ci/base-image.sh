#!/usr/bin/env bash
# The operator image's base where no container registry is reachable: Debian 12 with
# openjdk-17-jre-headless and the user nonroot (65532:65532), built from Debian's packages
# with mmdebstrap and written as a `docker save` tar, which Jib takes as `tar://` base.
#
#   .ci/base-image.sh build     build it into the cache unless it is there; prints its path
#   .ci/base-image.sh path      print the path it has (or would have) in the cache
#
# The tar holds one layer (the root file system), a config (PATH, the user's ids as labels)
# and a manifest naming it BASE_TAG. Built once per BASE_KEY: change the key when the
# package set or the hooks below change. With SOURCE_DATE_EPOCH fixed the same packages
# give the same layer.
#
# Environment:
#   BASE_IMAGE_CACHE   cache dir (default ~/.cache/image-pipeline-operator/base-image)
set -euo pipefail

readonly BASE_KEY=debian12-jre17-v1
readonly BASE_TAG=image-pipeline-operator-base:$BASE_KEY
readonly DEBIAN_MIRROR=http://deb.debian.org/debian
readonly PACKAGES=openjdk-17-jre-headless
readonly CACHE=${BASE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/image-pipeline-operator/base-image}
readonly OUT=$CACHE/$BASE_KEY.tar
# 2024-01-01: only file times in the layer; the packages are whatever bookworm serves.
export SOURCE_DATE_EPOCH=1704067200

log() { printf 'base-image.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

ensure_tools() {
  local pair missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  ((${#missing[@]})) || return 0
  [[ $(id -u) == 0 ]] || die "missing packages ${missing[*]}; install them (needs root)"
  log "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# Writes a docker-archive (the format of `docker save`) of rootfs tar $1 to $2.
write_archive() {
  local rootfs=$1 out=$2 dir layer_id config_id
  dir=$(dirname "$out")/archive
  rm -rf "$dir"
  mkdir -p "$dir"
  layer_id=$(sha "$rootfs")
  mkdir "$dir/$layer_id"
  mv "$rootfs" "$dir/$layer_id/layer.tar"
  cat >"$dir/config.json" <<EOF
{"architecture":"$(dpkg --print-architecture)","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8"],
  "Labels":{"org.opencontainers.image.base.name":"debian:bookworm","org.opencontainers.image.description":"Debian 12 with $PACKAGES; user nonroot 65532:65532"}},
 "rootfs":{"type":"layers","diff_ids":["sha256:$layer_id"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"mmdebstrap --variant=essential --include=$PACKAGES bookworm"}]}
EOF
  tr -d '\n' <"$dir/config.json" >"$dir/c" && mv "$dir/c" "$dir/config.json"
  config_id=$(sha "$dir/config.json")
  mv "$dir/config.json" "$dir/$config_id.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
    "$config_id" "$BASE_TAG" "$layer_id" >"$dir/manifest.json"
  tar -C "$dir" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -cf "$out.part" manifest.json "$config_id.json" "$layer_id"
  rm -rf "$dir"
  mv -f "$out.part" "$out"
}

cmd_build() {
  if [[ -f $OUT ]]; then
    log "cached: $OUT"
    echo "$OUT"
    return 0
  fi
  ensure_tools mmdebstrap:mmdebstrap
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9
  if [[ -f $OUT ]]; then echo "$OUT"; return 0; fi
  rm -rf "$CACHE"/build.* # leftovers of an interrupted build (we hold the lock)
  WORK=$(mktemp -d "$CACHE/build.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
  log "mmdebstrap: Debian 12 + $PACKAGES (~3 min; log: $WORK/mmdebstrap.log)"
  # essential: no apt, no init; documentation and translations are never read in a container
  # (the manual pages go after the install: the JRE's update-alternatives links into them).
  # nonroot has no home (/nonexistent) and no shell; the chart mounts / read-only.
  if ! mmdebstrap --mode=root --variant=essential --include="$PACKAGES" --format=tar \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='echo "nonroot:x:65532:65532:nonroot:/nonexistent:/usr/sbin/nologin" >>"$1/etc/passwd"' \
    --customize-hook='echo "nonroot:x:65532:" >>"$1/etc/group"' \
    --customize-hook='test -s "$1/etc/ssl/certs/java/cacerts"' \
    --customize-hook='rm -rf "$1"/usr/share/man/* "$1"/var/cache/* "$1"/var/lib/apt/lists/* "$1"/var/log/* "$1"/etc/machine-id' \
    bookworm "$WORK/rootfs.tar" "$DEBIAN_MIRROR" >"$WORK/mmdebstrap.log" 2>&1; then
    tail -n 20 "$WORK/mmdebstrap.log" >&2
    die "mmdebstrap failed"
  fi
  write_archive "$WORK/rootfs.tar" "$WORK/image.tar"
  mv -f "$WORK/image.tar" "$OUT"
  log "done: $OUT ($(du -h "$OUT" | cut -f1))"
  echo "$OUT"
}

case ${1:-} in
  build) cmd_build ;;
  path) echo "$OUT" ;;
  *) sed -n '2,9s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
