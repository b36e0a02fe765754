#!/usr/bin/env bash
# Builds the binaries of convoy's local environment (a real control plane per
# cluster, with kwok standing in for kubelets) and the code generators, from the
# Go module proxy, into a cache directory outside the checkout. Each tool lives
# in a directory keyed by its version and is rebuilt only when its stamp is
# missing, so a warm run takes seconds.
#
# Usage: hack/tools.sh [tool...]   (default: all)
#        hack/tools.sh --print-dir  prints where the tools are
set -euo pipefail

# shellcheck source=../pkg/devenv/versions.env
source "$(dirname "${BASH_SOURCE[0]}")/../pkg/devenv/versions.env"

TOOLS_DIR=${CONVOY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/convoy/tools}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() { printf '[tools %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# with_progress LABEL CMD...: runs CMD, printing the elapsed time every 30s so
# a cold build (minutes) never looks hung.
with_progress() {
  local label=$1; shift
  local start=$SECONDS
  ( while sleep 30; do log "$label: still building ($((SECONDS - start))s)"; done ) &
  local ticker=$!
  local rc=0
  "$@" || rc=$?
  kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null || true
  if [[ $rc -ne 0 ]]; then log "$label: FAILED after $((SECONDS - start))s"; return $rc; fi
  log "$label: done in $((SECONDS - start))s"
}

# wrapper_module DIR MODULE: an empty module to build third-party mains in, so
# their dependency graph never touches convoy's own go.mod.
wrapper_module() {
  mkdir -p "$1"
  printf 'module %s\n\ngo 1.26\n' "$2" >"$1/go.mod"
}

# cached NAME VERSION: true, and says so, when that tool is already built.
cached() {
  [[ -f $TOOLS_DIR/$1-$2/.stamp ]] && log "$1 $2: cached in $TOOLS_DIR/$1-$2"
}

build_kubernetes() {
  local dir=$TOOLS_DIR/kubernetes-$KUBE_VERSION
  cached kubernetes "$KUBE_VERSION" && return
  log "kubernetes $KUBE_VERSION: building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (cold: 6-15 min on 2 cores)"
  local src=$TOOLS_DIR/src/kubernetes-$KUBE_VERSION
  wrapper_module "$src" convoy.local/tools/kubernetes
  # k8s.io/kubernetes replaces its staging modules with ./staging paths; a
  # consumer must replace each of them with the published v0.x.y twin.
  local gomod staging_version=v0.${KUBE_VERSION#v1.}
  gomod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    printf '\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$KUBE_VERSION"
    sed -n '/^replace (/,/^)/s#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\t\1 => \1 '"$staging_version"'#p' "$gomod"
    printf ')\n'
  } >>"$src/go.mod"
  local pkg=k8s.io/component-base/version cpkg=k8s.io/client-go/pkg/version minor
  minor=$(cut -d. -f2 <<<"$KUBE_VERSION")
  local ldflags="-s -w"
  for p in $pkg $cpkg; do
    ldflags+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  mkdir -p "$dir"
  (cd "$src" && with_progress "kubernetes $KUBE_VERSION" go build -ldflags "$ldflags" -o "$dir/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
  touch "$dir/.stamp"
}

build_etcd() {
  local dir=$TOOLS_DIR/etcd-$ETCD_VERSION
  cached etcd "$ETCD_VERSION" && return
  log "etcd $ETCD_VERSION: building (cold: ~2 min)"
  local src=$TOOLS_DIR/src/etcd-$ETCD_VERSION
  wrapper_module "$src" convoy.local/tools/etcd
  printf '\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >>"$src/go.mod"
  mkdir -p "$dir"
  (cd "$src" && with_progress "etcd $ETCD_VERSION" go build -ldflags "-s -w" -o "$dir/etcd" go.etcd.io/etcd/server/v3)
  touch "$dir/.stamp"
}

# go_install NAME VERSION PKG...: go install into a version-keyed directory.
go_install() {
  local name=$1 version=$2; shift 2
  local dir=$TOOLS_DIR/$name-$version
  cached "$name" "$version" && return
  log "$name $version: building"
  mkdir -p "$dir"
  local pkgs=()
  for p in "$@"; do pkgs+=("$p@$version"); done
  GOBIN=$dir with_progress "$name $version" go install -ldflags "-s -w" "${pkgs[@]}"
  touch "$dir/.stamp"
}

build_kwok() { go_install kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl; }
build_controller_gen() { go_install controller-gen "$CONTROLLER_GEN_VERSION" sigs.k8s.io/controller-tools/cmd/controller-gen; }
build_helm() { go_install helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm; }
# The Prometheus server that analysis checks query in the tests and the demo
# (its cmd/prometheus runs without the web UI's assets). Cold: ~4 min.
build_prometheus() { go_install prometheus "$PROMETHEUS_VERSION" github.com/prometheus/prometheus/cmd/prometheus; }

# debian_packages: the Debian programs the tests and benchmarks run against
# convoy's DNS server (dig from dnsutils, dnsperf), installed with apt-get
# when missing, as root or through sudo.
debian_packages() {
  local missing=()
  command -v dig >/dev/null || missing+=(dnsutils)
  command -v dnsperf >/dev/null || missing+=(dnsperf)
  if [[ ${#missing[@]} -eq 0 ]]; then log "debian packages: dig and dnsperf present"; return; fi
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { log "debian packages: ${missing[*]} missing; install them as root (apt-get install ${missing[*]})"; return 1; }
    sudo=(sudo)
  fi
  log "debian packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  with_progress "apt-get update" "${sudo[@]}" apt-get update -qq
  with_progress "apt-get install ${missing[*]}" "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

if [[ ${1:-} == --print-dir ]]; then echo "$TOOLS_DIR"; exit 0; fi

all=(controller-gen kwok etcd kubernetes prometheus debian)
tools=("${@:-${all[@]}}")
[[ $# -eq 0 ]] && tools=("${all[@]}")
start=$SECONDS
for t in "${tools[@]}"; do
  case $t in
    kubernetes) build_kubernetes ;;
    etcd) build_etcd ;;
    kwok) build_kwok ;;
    controller-gen) build_controller_gen ;;
    helm) build_helm ;;
    prometheus) build_prometheus ;;
    debian) debian_packages ;;
    *) log "unknown tool $t (known: ${all[*]} helm)"; exit 2 ;;
  esac
done
log "all tools ready in $TOOLS_DIR ($((SECONDS - start))s)"
