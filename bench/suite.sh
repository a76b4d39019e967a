#!/usr/bin/env bash
# The benchmark session behind docs/benchmarks.md, one run after the other (about 90 minutes on 2 cores). Each run
# waits (up to QUIET_WAIT seconds) for the machine to be quiet first: numbers taken while other work runs are not
# comparable, and every report records the load average next to its numbers anyway. Results: bench/results/*.json.
#   bash bench/suite.sh [ramp|modes|writers|stacks|api]...     (all of them when none is named)
set -euo pipefail
cd "$(dirname "$0")/.."
QUIET_WAIT=${QUIET_WAIT:-600}
OUT=bench/results

wait_quiet() {
  local waited=0
  while awk '{ exit !($1 >= 1.0) }' /proc/loadavg && [ "$waited" -lt "$QUIET_WAIT" ]; do sleep 10; waited=$((waited + 10)); done
  echo "[suite] load average: $(cut -d' ' -f1-3 /proc/loadavg) (waited ${waited} s for quiet)"
}

# A run that breaks or hits its time limit has still saved what it measured: the session goes on.
bench() { wait_quiet; npx tsx bench/run.ts "$@" || echo "[suite] run ended with $?"; }

ramp() {
  # 1x, 10x, 100x and past the goal: the project's goal is 8,000 targets at 20 s on production persistence.
  bench --stack production-like --targets 100,1000,2000,4000,8000 --interval 20 --warmup 45 --duration 90 --keep-going \
    --create-concurrency 48 --max-minutes 50 --label ramp-production-like-window --out "$OUT/ramp-production-like-window.json"
}

modes() {
  # The three designs side by side at one load past the per-probe budget of the simple designs (50 probes/s).
  for mode in window slot local; do
    bench --stack production-like --targets 1000 --interval 20 --warmup 45 --duration 90 --create-concurrency 48 --probe-mode "$mode" \
      --label "mode-$mode" --out "$OUT/mode-$mode.json"
  done
}

writers() {
  # Group commit against one statement per result; status on every result against on change; heartbeats held back
  # 60 s (the SDK default) against sent at every call (1 s).
  bench --stack production-like --targets 1000 --interval 20 --warmup 45 --duration 90 --create-concurrency 48 \
    --env VIGIL_WRITE_MAX_BATCH=1 --env VIGIL_WRITE_MAX_IN_FLIGHT=10 --label writer-one-per-result --out "$OUT/writer-one-per-result.json"
  bench --stack production-like --targets 1000 --interval 20 --warmup 45 --duration 90 --create-concurrency 48 \
    --env VIGIL_STATUS_WRITES=change --label writer-status-on-change --out "$OUT/writer-status-on-change.json"
  bench --stack production-like --targets 1000 --interval 20 --warmup 45 --duration 90 --create-concurrency 48 \
    --env VIGIL_WORKER_HEARTBEAT_THROTTLE_SECONDS=1 --label heartbeat-every-call --out "$OUT/heartbeat-every-call.json"
}

stacks() {
  # The dev server against the production-like stack at the same load (issue 9).
  bench --stack dev --targets 1000 --interval 20 --warmup 45 --duration 90 --create-concurrency 48 --label stack-dev --out "$OUT/stack-dev.json"
}

api() {
  wait_quiet
  npx tsx bench/api-load.ts --results 1000000,10000000 --targets 1000 --heartbeats 200 --duration 20 --connections 16 \
    --out "$OUT/api-dev.json"
}

for part in "${@:-modes ramp api writers stacks}"; do
  for p in $part; do "$p"; done
done
npx tsx bench/summarize.ts "$OUT"/*.json > "$OUT/summary.md"
