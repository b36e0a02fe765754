#!/usr/bin/env bash
# make demo-down: stops the demo's chart server, manager and Prometheus, then its
# clusters, and deletes their files.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
NAME=${CONVOY_DEMO_NAME:-convoy-demo}
STATE=${XDG_CACHE_HOME:-$HOME/.cache}/convoy/dev/$NAME
for name in demo-manager demo-charts demo-prometheus demo-clients; do
  if [[ -f $STATE/$name.pid ]]; then kill "$(cat "$STATE/$name.pid")" 2>/dev/null || true; fi
done
bin/convoy dev down --name "$NAME"
