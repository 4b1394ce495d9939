#!/usr/bin/env bash
# Load test of `erg serve` (issue 7; docs/api.md) with Debian's wrk: AlexNet estimate requests on
# eyeriss from 8 connections on this machine's cores, after one cold request that fills the
# mapping cache. Target: at least 200 requests/s with p99 under 100 ms, and no errors.
# Two phases: (1) the same request again and again (answered from the response cache); (2) every
# request different (AlexNet's layers under a new network name each time): no response is cached,
# every layer comes from the shared cache of mapped layers, the estimate and its JSON are made
# anew.
#
#   bench/load-serve.sh [SECONDS]     # default 20; after scripts/setup
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
INSTALL_PACKAGES_WHO=load scripts/install-packages wrk curl
port=$((20000 + RANDOM % 20000))
build/erg serve --port "$port" 2>/tmp/erg-load-serve.log &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/api/archs" >/dev/null && break
  sleep 0.1
done
body='{"network": "alexnet", "arch": "eyeriss"}'
cold=$(curl -s -o /dev/null -w '%{time_total}' -X POST -d "$body" "http://127.0.0.1:$port/api/estimate")
echo "load: cold AlexNet request (every layer searched): ${cold} s"
lua=$(mktemp --suffix=.lua)
# wrk's summary as one line (both phases).
report=$(
  cat <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("load: %d requests, %.1f requests/s, p50 %.1f ms, p99 %.1f ms, " ..
    "errors: %d connect, %d read, %d write, %d status, %d timeout\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout))
end
LUA
)
cat >"$lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
$report
LUA
echo "load: phase 1, the same request (response cache)"
wrk -t2 -c8 -d"${seconds}s" --latency -s "$lua" "http://127.0.0.1:$port/api/estimate" |
  grep -E "^load:|Requests/sec|Non-2xx"

# Phase 2: {"name": "alexnet-N", "layers": [AlexNet's layers]}, N counting up.
layers=$(curl -sf "http://127.0.0.1:$port/api/zoo/alexnet" | tr -d '\n' |
  sed -e 's/"version": 1, *//' -e 's/"network": "alexnet"/"name": "NAME"/')
cat >"$lua" <<LUA
local template = [==[$layers]==]
local n = 0
request = function()
  n = n + 1
  local body = string.gsub(template, '"NAME"', '"alexnet-' .. n .. '"')
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
$report
LUA
echo "load: phase 2, every request new (mapped-layer cache; estimate and JSON made each time)"
wrk -t2 -c8 -d"${seconds}s" --latency -s "$lua" "http://127.0.0.1:$port/api/estimate" |
  grep -E "^load:|Requests/sec|Non-2xx"
rm -f "$lua"
