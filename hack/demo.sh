#!/usr/bin/env bash
# make demo: a real progressive rollout across four local clusters in two
# regions, driven the way a person or a pipeline drives convoy: kubectl
# apply, then convoy advance --wait step by step, while measuring the
# traffic split clients actually see from the DNS answers. Then a bad
# release that stalls, convoy wait timing out with exit code 3, and convoy
# abort giving everything back to the incumbent. Last, a release no person
# advances: its canary is judged by a real Prometheus from convoy's own DNS
# answer counts. Last, a release in waves: a canary cluster, the rest of its
# region, the other region, with the measured share per cluster after each
# wave. Run it again at will; make demo-down removes everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=../pkg/devenv/versions.env
source pkg/devenv/versions.env
export GOTOOLCHAIN=local

NAME=${CONVOY_DEMO_NAME:-convoy-demo}
STATE=${XDG_CACHE_HOME:-$HOME/.cache}/convoy/dev/$NAME
DNS=127.0.0.1:5354
ZONE=demo.convoy.test
NS=demo
APP=web
CONVOY=bin/convoy
KUBECTL=$(hack/tools.sh --print-dir)/kubernetes-$KUBE_VERSION/kubectl
PROMETHEUS=$(hack/tools.sh --print-dir)/prometheus-$PROMETHEUS_VERSION/prometheus
METRICS=127.0.0.1:8380
PROM=127.0.0.1:9390
START=$SECONDS

step() { printf '\n\033[1m▶ %s\033[0m  (%ss)\n' "$*" "$((SECONDS - START))"; }
say() { printf '  %s\n' "$*"; }
run() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }
k() { "$KUBECTL" "$@"; }
traffic() { run "$CONVOY" dev traffic "$APP" -n "$NS" --name "$NAME" --dns "$DNS" --queries 2000 "$@"; }
fail() { printf '\n\033[31mdemo failed: %s\033[0m\nmanager log: %s\n' "$*" "$STATE/demo-manager.log" >&2; exit 1; }

# background NAME CMD...: runs CMD detached, its pid in $STATE/NAME.pid,
# its output in $STATE/NAME.log, replacing one left by an earlier run.
background() {
  local name=$1; shift
  stop_background "$name"
  nohup "$@" >"$STATE/$name.log" 2>&1 &
  echo $! >"$STATE/$name.pid"
}
stop_background() {
  local pidfile=$STATE/$1.pid
  if [[ -f $pidfile ]]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; sleep 1; fi
}

step "1/9 Starting a management cluster and 4 application clusters in 2 regions"
run "$CONVOY" dev up --name "$NAME"
# Its current context is the management cluster, where convoy and kubectl
# work from here on.
export KUBECONFIG=$STATE/kubeconfig

step "2/9 Serving the example chart, and starting convoy's manager with its DNS server, and a Prometheus that scrapes it"
background demo-charts "$CONVOY" dev charts --name "$NAME" examples/charts/hello --listen 127.0.0.1:8879
printf 'global:\n  scrape_interval: 1s\nscrape_configs:\n- job_name: convoy\n  static_configs:\n  - targets: ["%s"]\n' "$METRICS" >"$STATE/prometheus.yml"
rm -rf "$STATE/prometheus-data"
background demo-prometheus "$PROMETHEUS" --config.file="$STATE/prometheus.yml" --storage.tsdb.path="$STATE/prometheus-data" \
  --web.listen-address="$PROM" --log.level=warn
background demo-manager bin/convoy-manager --kubeconfig "$STATE/kubeconfig" --context "$NAME-management" \
  --dns-listen "$DNS" --dns-zone "$ZONE" --health-probe-bind-address 0 --metrics-bind-address "$METRICS" --cluster-probe-interval 5s --allow-local-sources \
  --prometheus-url "http://$PROM"
for _ in $(seq 60); do dig @"${DNS%:*}" -p "${DNS#*:}" +short +norec "$ZONE" SOA >/dev/null 2>&1 && break; sleep 1; done
run dig @"${DNS%:*}" -p "${DNS#*:}" +norec +short "$ZONE" SOA || fail "the DNS server does not answer"
say "manager log: $STATE/demo-manager.log"
if k get namespace "$NS" >/dev/null 2>&1; then
  say "removing the previous demo's namespace"
  k delete namespace "$NS" --wait --timeout 3m >/dev/null
fi
run k create namespace "$NS"
# As a platform team: the demo's namespace in every application cluster,
# with the ServiceAccount convoy impersonates there, and its hostnames.
run "$CONVOY" tenants grant "$NS" --all --context-prefix "$NAME-" --hostnames "*.$ZONE"

step "3/9 The first release: kubectl apply, then wait until it runs everywhere"
run k apply -f examples/demo/web.yaml
run "$CONVOY" wait "$APP" -n "$NS" --complete --timeout 5m || fail "the first release did not complete"
run "$CONVOY" get "$APP" -n "$NS"
traffic

step "4/9 A new release (greeting v2), moved step by step with convoy advance --wait"
run k -n "$NS" patch applications.convoy.dev "$APP" --type merge -p '{"spec":{"template":{"values":{"replicas":3,"greeting":"Hello from v2"}}}}'
run "$CONVOY" wait "$APP" -n "$NS" --step dark --timeout 3m || fail "step dark was not achieved"
run "$CONVOY" get "$APP" -n "$NS"
traffic
for s in canary half full; do
  step "   step $s"
  run "$CONVOY" advance "$APP" -n "$NS" --to "$s" --wait --timeout 3m || fail "step $s was not achieved"
  run "$CONVOY" get "$APP" -n "$NS"
  traffic
done

step "5/9 A bad release: its pods never become ready"
run k -n "$NS" patch applications.convoy.dev "$APP" --type merge -p '{"spec":{"template":{"values":{"replicas":3,"greeting":"Hello from v3","nodeSelector":{"convoy.dev/nowhere":"true"}}}}}'
say "its first step needs capacity it never gets, so convoy wait gives up (exit code 3: still progressing)"
set +e
run "$CONVOY" wait "$APP" -n "$NS" --step dark --timeout 20s
code=$?
set -e
[[ $code == 3 ]] || fail "convoy wait exited $code, want 3"
say "convoy wait exited with code $code"
run "$CONVOY" get "$APP" -n "$NS"
traffic

step "6/9 convoy abort: everything back to the incumbent"
bad=$(k -n "$NS" get applications.convoy.dev "$APP" -o jsonpath='{.status.contender}')
run "$CONVOY" abort "$APP" -n "$NS" --reason "pods never became ready"
run k -n "$NS" wait "releases.convoy.dev/$bad" --for=condition=Stalled --timeout 2m
run "$CONVOY" get "$APP" -n "$NS"
traffic

step "7/9 A release no person advances: Prometheus judges its canary from convoy's DNS answers"
say "every step moves on by itself; the canary soaks 3s under its traffic and passes only once"
say "Prometheus, scraping convoy's DNS server, has seen clients answered with it in every cluster"
run k -n "$NS" patch applications.convoy.dev "$APP" --type merge --patch-file examples/demo/automated-canary.yaml
# Clients resolve the hostname meanwhile: 200 queries every half second,
# for 3 minutes at most.
background demo-clients bash -c "for _ in \$(seq 360); do '$CONVOY' dev traffic '$APP' -n '$NS' --name '$NAME' --dns '$DNS' --queries 200 >/dev/null 2>&1; sleep 0.5; done"
run "$CONVOY" wait "$APP" -n "$NS" --complete --timeout 3m || fail "the automated release did not complete"
stop_background demo-clients
run "$CONVOY" get "$APP" -n "$NS"
traffic

step "8/9 Waves: a release that moves cluster by cluster, then region by region"
say "wavePreset canary-cluster-then-regions: a canary cluster of eu-west, the rest of eu-west, then us-east"
run k -n "$NS" patch applications.convoy.dev "$APP" --type merge --patch-file examples/demo/waves.yaml
run "$CONVOY" wait "$APP" -n "$NS" --wave canary --timeout 3m || fail "the canary wave was not achieved"
run "$CONVOY" get "$APP" -n "$NS"
traffic --by-cluster
for w in eu-west us-east; do
  step "   wave $w"
  run "$CONVOY" advance "$APP" -n "$NS" --to "$w" --wait --timeout 3m || fail "wave $w was not achieved"
  run "$CONVOY" get "$APP" -n "$NS"
  traffic --by-cluster
done

step "9/9 Summary"
say "convoy rolled release 2 of web out across 4 clusters in 2 regions in 4 steps, capacity"
say "first and DNS weights only onto healthy capacity, and the measured shares above followed"
say "each step. Release 3 never became ready: it stalled at its first step, never got a"
say "single DNS answer, and convoy abort gave everything back to release 2. Release 4 went"
say "through every step alone, its canary passed by a real Prometheus query in each cluster."
say "Release 5 went wave by wave: each cluster kept its quarter of the answers while the"
say "contender took over one cluster, then the rest of eu-west, then us-east."
say ""
say "Look around:  export KUBECONFIG=$STATE/kubeconfig"
say "              curl -s 'http://$PROM/api/v1/query?query=convoy_dns_answers_total'"
say "              $CONVOY get $APP -n $NS"
say "              $CONVOY history $APP -n $NS"
say "              dig @${DNS%:*} -p ${DNS#*:} web.$ZONE"
say "Clean up:     make demo-down"
say "demo finished in $((SECONDS - START))s"
