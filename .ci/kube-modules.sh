#!/usr/bin/env bash
# Writes the wrapper Go modules that `.ci/kube.sh build` builds Kubernetes and etcd from:
#
#   .ci/kube-modules.sh kubernetes v1.37.2   -> .ci/kube-modules/kubernetes-v1.37.2/
#   .ci/kube-modules.sh etcd v3.6.17         -> .ci/kube-modules/etcd-v3.6.17/
#
# k8s.io/kubernetes cannot be built with `go install pkg@version`: its go.mod replaces every
# k8s.io staging module with a directory (./staging/src/k8s.io/...), which only exists in a
# checkout. The wrapper requires k8s.io/kubernetes at the version and replaces each staging
# module with the release of it tagged alongside (v0.<minor>.<patch> for v1.<minor>.<patch>).
# The list of staging modules and the godebug line are read from that version's own go.mod.
# etcd's server module (its main package is the module root) likewise replaces its sibling
# modules with directories.
#
# The output (go.mod, go.sum, tools.go) is committed: a build then resolves exactly the
# modules whose hashes go.sum holds, and the Go module proxy's checksum database verifies
# them on first download. Run this only to add or bump a version.
set -euo pipefail
cd "$(dirname "$0")"

kind=${1:?usage: kube-modules.sh kubernetes|etcd VERSION}
version=${2:?usage: kube-modules.sh kubernetes|etcd VERSION}
dir=kube-modules/$kind-$version
export GOFLAGS=-mod=mod GOTOOLCHAIN=local

gomod_of() { # module@version -> path of its go.mod in the module cache
  go mod download -json "$1" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p'
}

write_tools() { # package ... -> tools.go that keeps them in the module graph
  {
    echo '//go:build tools'
    echo
    echo '// Package tools names the commands this module builds, so that go.mod and go.sum'
    echo '// pin everything they import. It is never compiled.'
    echo 'package tools'
    echo
    echo 'import ('
    local p
    for p in "$@"; do echo "	_ \"$p\""; done
    echo ')'
  } >"$dir/tools.go"
}

rm -rf "$dir"
mkdir -p "$dir"
case $kind in
kubernetes)
  [[ $version =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "not a v1.x.y version: $version" >&2; exit 2; }
  staging=v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}
  upstream=$(gomod_of "k8s.io/kubernetes@$version")
  {
    echo "module example.invalid/kube-build"
    echo
    sed -n 's/^go \(.*\)$/go \1/p' "$upstream"
    sed -n '/^godebug /p' "$upstream"
    echo
    echo "require k8s.io/kubernetes $version"
    echo
    echo 'replace ('
    sed -n 's#^\t\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\t\1 => \1 '"$staging"'#p' "$upstream"
    echo ')'
  } >"$dir/go.mod"
  write_tools k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl
  ;;
etcd)
  [[ $version =~ ^v3\.[0-9]+\.[0-9]+$ ]] || { echo "not a v3.x.y version: $version" >&2; exit 2; }
  upstream=$(gomod_of "go.etcd.io/etcd/server/v3@$version")
  {
    echo "module example.invalid/etcd-build"
    echo
    sed -n 's/^go \(.*\)$/go \1/p' "$upstream"
    echo
    echo "require go.etcd.io/etcd/server/v3 $version"
    echo
    echo 'replace ('
    sed -n 's#^\t\(go.etcd.io/etcd/[a-z0-9/]*\) => \.\./.*#\t\1 => \1 '"$version"'#p' "$upstream"
    echo ')'
  } >"$dir/go.mod"
  write_tools go.etcd.io/etcd/server/v3
  ;;
*) echo "unknown kind: $kind" >&2; exit 2 ;;
esac
(cd "$dir" && go mod tidy)
echo "wrote $dir: $(grep -c . "$dir/go.sum") go.sum lines"
