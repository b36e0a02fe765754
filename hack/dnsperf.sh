#!/usr/bin/env bash
# Load-tests convoy's authoritative DNS server (pkg/dns) on loopback with
# Debian's dnsperf: 100 weighted hostnames, 10 seconds, 2 clients keeping 32
# queries outstanding. Prints queries/s, p50/p99 latency and allocations per
# query, next to the handler-only benchmark. Needs dnsperf (`make tools`).
#
# Usage: hack/dnsperf.sh [go test flags...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export GOTOOLCHAIN=local

command -v dnsperf >/dev/null || { echo "dnsperf not found: run \`make tools\`" >&2; exit 1; }
go test -run '^$' -bench '^BenchmarkServeDNS$' -count 1 "$@" ./pkg/dns
# dnsperf runs once whatever b.N says; 1x keeps the harness from asking twice.
go test -run '^$' -bench '^BenchmarkDNSPerf$' -benchtime 1x -count 1 "$@" ./pkg/dns
