#!/usr/bin/env bash
# The operator image's base where no container registry is reachable: Debian 12 with
# openjdk-17-jre-headless and the user nonroot (65532:65532), built from Debian's packages
# with mmdebstrap and written as a `docker save` tar, which Jib takes as `tar://` base.
#
#   .ci/base-image.sh build     build it into the cache unless it is there; prints its path
#   .ci/base-image.sh path      print the path it has (or would have) in the cache
#   .ci/base-image.sh packages  print the Debian packages in it, "name version" a line
#   .ci/base-image.sh packages-of TAR   the same for a base tar built earlier
#
# The tar holds one layer (the root file system), a config (PATH, the user's ids as labels)
# and a manifest naming it. It is cached under a key made of BASE_KEY (change it when the
# package set or the hooks below change) and of the index of the packages bookworm serves
# (the checksum of main's Packages.xz in the mirror's InRelease): when Debian publishes new
# package versions (a point release, a fix), the next build makes a new base with them.
# Without the mirror the newest cached base is used. With SOURCE_DATE_EPOCH fixed the same
# packages give the same layer.
#
# Environment:
#   BASE_IMAGE_CACHE   cache dir (default ~/.cache/image-pipeline-operator/base-image)
set -euo pipefail

readonly BASE_KEY=debian12-jre17-v2
readonly DEBIAN_MIRROR=http://deb.debian.org/debian
readonly PACKAGES=openjdk-17-jre-headless
readonly CACHE=${BASE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/image-pipeline-operator/base-image}
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

# The cache file for the packages bookworm serves now: BASE_KEY and the first 16 hex digits of
# main's Packages.xz checksum; without the mirror, the newest base in the cache.
out_path() {
  local index newest
  index=$(curl -fsS --max-time 20 "$DEBIAN_MIRROR/dists/bookworm/InRelease" 2>/dev/null \
    | awk -v f="main/binary-$(dpkg --print-architecture)/Packages.xz" \
      '/^SHA256:/ {s=1; next} /^[^ ]/ {s=0} s && $3 == f {print substr($1, 1, 16)}') || true
  if [[ -n $index ]]; then
    echo "$CACHE/$BASE_KEY-$index.tar"
    return
  fi
  newest=$(ls -t "$CACHE/$BASE_KEY"-*.tar 2>/dev/null | head -n 1) || true
  [[ -n $newest ]] || die "cannot read $DEBIAN_MIRROR/dists/bookworm/InRelease and no base is cached"
  log "cannot read the mirror's index; using the newest cached base $newest"
  echo "$newest"
}

# "name version" of each package installed in the base tar $1.
list_packages() {
  local layer
  layer=$(tar -tf "$1" | grep '/layer.tar$')
  tar -xOf "$1" "$layer" | tar -xOf - ./var/lib/dpkg/status \
    | awk '/^Package: / {p=$2} /^Version: / {v=$2} /^$/ && p {print p, v; p=""} END {if (p) print p, v}' | sort
}

# Writes a docker-archive (the format of `docker save`) of rootfs tar $1 to $2, tagged $3.
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
    "$config_id" "$3" "$layer_id" >"$dir/manifest.json"
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
  write_archive "$WORK/rootfs.tar" "$WORK/image.tar" "image-pipeline-operator-base:$(basename "$OUT" .tar)"
  mv -f "$WORK/image.tar" "$OUT"
  log "done: $OUT ($(du -h "$OUT" | cut -f1))"
  echo "$OUT"
}

case ${1:-} in
  build) OUT=$(out_path); cmd_build ;;
  path) out_path ;;
  packages) OUT=$(out_path); [[ -f $OUT ]] || die "no base at $OUT (build it first)"; list_packages "$OUT" ;;
  packages-of) [[ -f ${2:-} ]] || die "no base tar '${2:-}'"; list_packages "$2" ;;
  *) sed -n '2,9s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
