#!/usr/bin/env bash
# SQL statements per provider call (issue 28, item 7), counted from PostgreSQL's own statement
# log (`log_statement = 'all'` on a fresh database; BEGIN and COMMIT count, as every statement
# the server executes does): a `sim` campaign at zero latency with a bucket, run once, the
# statements the server logged for its database divided by the calls the ledger counts.
#   eval "$(bash scripts/services.sh)"; DARKROOM_BIN=target/release/darkroom bash bench/statements.sh [SHOTS]
set -euo pipefail
BIN="${DARKROOM_BIN:-target/release/darkroom}"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
: "${DARKROOM_TEST_PG:?run eval \"\$(bash scripts/services.sh)\" first}"
SHOTS="${1:-40}"
LOG="${DARKROOM_SERVICES:-/tmp/darkroom-services}/pg/log"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
PG_BASE="${DARKROOM_TEST_PG%/*}"
export PGPASSWORD="$(echo "$DARKROOM_TEST_PG" | sed -E 's|.*://[^:]+:([^@]+)@.*|\1|')"
URL_BASE="$(echo "$PG_BASE" | sed -E 's|://([^:]+):[^@]+@|://\1@|')"
db="darkroom_bench_statements"
psql "$DARKROOM_TEST_PG" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" \
  -c "ALTER DATABASE $db SET log_statement = 'all'" >/dev/null
{
  printf '[campaign]\nname = "bench"\noutput = "out"\n[providers.sim]\nkind = "sim"\nmodel = "fast-draft"\nconcurrency = 16\n'
  printf 'failures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }\nlatency = { median = 0.0, p95 = 0.0 }\n'
  printf '[tiers.draft]\nprovider = "sim"\nsize = "48"\nvariants = 8\n[tiers.finish]\nprovider = "sim"\nsize = "64"\nkeep = 1\n'
  printf '[gates]\nadherence = 0.0\n[budget]\nmoney = "1000 USD"\nmax_rounds = 1\n[provenance]\nenabled = false\n'
  for i in $(seq 1 "$SHOTS"); do
    printf '[[shots]]\nid = "s%03d"\nprompt = "a red sphere to the left of a blue cube number %d"\ndeliver = ["1:1"]\n' "$i" "$i"
  done
} > "$W/c.toml"
start=$(stat -c %s "$LOG")
(cd "$W" && DARKROOM_LEDGER="$URL_BASE/$db" DARKROOM_STORE="s3://darkroom-test/bench-statements-$(date +%s%N)" "$BIN" run c.toml >/dev/null 2>&1)
calls=$(cd "$W" && DARKROOM_LEDGER="$URL_BASE/$db" DARKROOM_STORE="s3://darkroom-test/x" "$BIN" status c.toml --json | grep -o '"tries": [0-9]*' | grep -o '[0-9]*')
# Every statement the server executed for the run (the status read after it is not counted):
# simple-protocol statements and extended-protocol executions.
tail -c +"$((start + 1))" "$LOG" > "$W/run.log"
stmts=$(grep -cE 'LOG:  (statement|execute [^:]*):' "$W/run.log" || true)
echo "PostgreSQL: $stmts statements for $calls calls: $(awk -v s="$stmts" -v c="$calls" 'BEGIN {printf "%.1f", s / c}') per call"
echo "by kind:"
grep -oE 'LOG:  (statement|execute [^:]*): *[A-Za-z]+( [A-Za-z_]+)?( [A-Za-z_]+)?' "$W/run.log" \
  | sed -E 's/LOG:  (statement|execute [^:]*): *//' | sort | uniq -c | sort -rn | head -25
# The same campaign on a SQLite ledger file: the statements the ledger ran, counted by the
# ledger itself (SQLite has no server log), as `darkroom run` reports them under DARKROOM_LOG=debug.
mkdir -p "$W/lite" && cp "$W/c.toml" "$W/lite/"
lite=$(cd "$W/lite" && DARKROOM_LOG=debug "$BIN" run c.toml 2>&1 >/dev/null | grep -E '^ledger: [0-9]+ SQLite' || true)
echo "SQLite: ${lite#ledger: }"
