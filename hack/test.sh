#!/usr/bin/env bash
# Runs every test against one shared local environment: starts it with
# `convoy dev up`, points the test packages at it (CONVOY_TEST_ENV), and
# removes it afterwards, whatever the outcome.
#
# Usage: hack/test.sh [go test flags...]
#   CONVOY_TEST_ENV=DIR hack/test.sh   reuses a running environment instead
#   PKGS=./test/scale hack/test.sh ...  runs other packages than ./...
#
# The end-to-end suite (./test/e2e) stops clusters' API servers and kills
# managers, so it runs after every other package, alone, on the same
# environment; then the chaos suite (./test/chaos), alone too, with a short
# run (CONVOY_CHAOS_ROLLOUTS, 10 unless set; make chaos runs 100).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export GOTOOLCHAIN=local

log() { printf '[test %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "building convoy"
go build -o bin/convoy ./cmd/convoy

if [[ -z ${CONVOY_TEST_ENV:-} ]]; then
  name=convoy-test-$$
  dir=$(mktemp -d)/$name
  cleanup() {
    log "stopping the test environment"
    bin/convoy dev down --name "$name" --dir "$dir" >/dev/null || true
    rm -rf "$(dirname "$dir")"
  }
  trap cleanup EXIT
  log "starting the test environment (management + 3 application clusters)"
  bin/convoy dev up --name "$name" --dir "$dir" --clusters eu-west:2,us-east:1 >/dev/null
  export CONVOY_TEST_ENV=$dir
fi

log "running tests against $CONVOY_TEST_ENV"
if [[ -n ${PKGS:-} ]]; then
  go test -count=1 -timeout 30m "$@" $PKGS
  exit
fi
rc=0
go test -count=1 -timeout 30m "$@" $(go list ./... | grep -v -e /test/e2e -e /test/chaos) || rc=$?
log "running the end-to-end suite alone"
go test -count=1 -timeout 30m "$@" ./test/e2e || rc=$?
log "running a short chaos run alone"
go test -count=1 -timeout 30m "$@" ./test/chaos || rc=$?
exit $rc
