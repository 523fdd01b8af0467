#!/usr/bin/env bash
# Engine benchmarks for issue 4, timing the real CLI (release build):
#  1. overhead: 500 drafts + 5 finishes on `sim` at zero latency, concurrency 16, ledger writes
#     included (rendering 64 px sketches and judging are included too, so this is a lower bound
#     on the engine's own rate);
#  2. latency bound: 200 calls at exactly 2 s each (`--realtime`), concurrency 8: the bound is
#     200 / 8 × 2 s = 50 s; we report how far above it the wall time is.
# Usage: bench/engine_overhead.sh [--skip-latency]
# DARKROOM_BIN=/path/to/darkroom times that binary instead (a before/after pair on one machine).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${DARKROOM_BIN:-}" ]; then
  bin="$DARKROOM_BIN"
else
  cargo build --release --quiet --manifest-path "$here/Cargo.toml"
  bin="$here/target/release/darkroom"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

campaign() { # variants shots latency concurrency
  cat <<TOML
[campaign]
name = "bench"
output = "out"

[providers.sim]
kind = "sim"
model = "fast-draft"
concurrency = $4
failures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }
latency = { median = $3, p95 = $3 }

[tiers.draft]
provider = "sim"
size = "64"
variants = $1

[tiers.finish]
provider = "sim"
size = "64"
keep = 1

[gates]
adherence = 0.0

[budget]
max_rounds = 1

[[shots]]
id = "s-{n}"
prompt = "a red sphere"
vars = { n = [$(seq -s, 1 "$2" | sed 's/\([0-9]*\)/"\1"/g')] }
deliver = ["1:1"]
TOML
}

now() { date +%s.%N; }

campaign 100 5 0.0 16 > overhead.toml
t0=$(now); "$bin" run overhead.toml > /dev/null 2> overhead.log; t1=$(now)
calls=$(grep -o 'this run: [0-9]*' overhead.log | awk '{print $3}')
# The engine's own time, from the ledger's record of the run (started → finished, before the
# report is written): finer than the 0.1 s the CLI prints.
engine=$(python3 -c "import sqlite3; r = sqlite3.connect('out/darkroom.db').execute('SELECT finished_at - started_at FROM runs ORDER BY id DESC LIMIT 1').fetchone(); print('%.3f' % r[0])")
awk -v c="$calls" -v a="$t0" -v b="$t1" -v e="$engine" 'BEGIN { printf "overhead: %d calls in %.2f s = %.0f attempts/s (sim, zero latency, ledger + render + judge), of which the engine %.2f s = %.0f attempts/s and the report the rest\n", c, b-a, c/(b-a), e, c/e }'

if [ "${1:-}" != "--skip-latency" ]; then
  # 195 drafts + 5 finishes = 200 calls.
  campaign 39 5 2.0 8 > latency.toml
  rm -rf out
  t0=$(now); "$bin" run --realtime latency.toml > /dev/null 2> latency.log; t1=$(now)
  calls=$(grep -o 'this run: [0-9]*' latency.log | awk '{print $3}')
  awk -v c="$calls" -v a="$t0" -v b="$t1" 'BEGIN { bound = c / 8 * 2; printf "latency: %d calls at 2 s, concurrency 8: %.2f s wall, bound %.1f s, %+.1f%%\n", c, b-a, bound, 100*((b-a)/bound-1) }'
fi
