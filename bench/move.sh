#!/usr/bin/env bash
# `darkroom move` (a campaign that ran on one machine, onto PostgreSQL and a bucket), timed on
# the CLI against the real servers `scripts/services.sh` starts on loopback: the ledger alone,
# then ledger and store together, for a 450-call and an 1,800-call campaign (`sim` at zero
# latency, 8 drafts and 1 final per shot), and the run after the move (no call is made).
#   eval "$(bash scripts/services.sh)"; DARKROOM_BIN=target/release/darkroom bash bench/move.sh
set -euo pipefail
BIN="${DARKROOM_BIN:-target/release/darkroom}"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
: "${DARKROOM_TEST_PG:?run eval \"\$(bash scripts/services.sh)\" first}"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
PG_BASE="${DARKROOM_TEST_PG%/*}"
export PGPASSWORD="$(echo "$DARKROOM_TEST_PG" | sed -E 's|.*://[^:]+:([^@]+)@.*|\1|')"
URL_BASE="$(echo "$PG_BASE" | sed -E 's|://([^:]+):[^@]+@|://\1@|')"
fresh_db() { psql "$DARKROOM_TEST_PG" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null 2>&1; }
now() { date +%s%N; }
campaign() { # shots → a file-ledger campaign on `sim` at zero latency
  printf '[campaign]\nname = "bench"\noutput = "out"\n[providers.sim]\nkind = "sim"\nmodel = "fast-draft"\nconcurrency = 16\n'
  printf 'failures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }\nlatency = { median = 0.0, p95 = 0.0 }\n'
  printf '[tiers.draft]\nprovider = "sim"\nsize = "48"\nvariants = 8\n[tiers.finish]\nprovider = "sim"\nsize = "64"\nkeep = 1\n'
  printf '[gates]\nadherence = 0.0\n[budget]\nmoney = "1000 USD"\nmax_rounds = 1\n[provenance]\nenabled = false\n'
  for i in $(seq 1 "$1"); do
    printf '[[shots]]\nid = "s%03d"\nprompt = "a red sphere to the left of a blue cube number %d"\ndeliver = ["1:1"]\n' "$i" "$i"
  done
}
for shots in 50 200; do
  for what in ledger both; do
    dir="$W/$shots-$what"; mkdir -p "$dir"; campaign "$shots" > "$dir/c.toml"
    (cd "$dir" && "$BIN" run c.toml >/dev/null 2>&1)
    db="darkroom_bench_move_${shots}_$what"; fresh_db "$db"
    args=(move c.toml --ledger "$URL_BASE/$db")
    [ "$what" = both ] && args+=(--store "s3://darkroom-test/bench-move-$shots-$(now)")
    s=$(now); (cd "$dir" && "$BIN" "${args[@]}" > out.txt 2>&1); e=$(now)
    rows=$(awk '/^  [a-z_]+ +[0-9]+$/ {n += $2} END {print n}' "$dir/out.txt")
    echo "$((shots * 9)) calls, $what: $(( (e - s) / 1000000 )) ms ($rows rows$( [ "$what" = both ] && echo ", $(du -sb "$dir/out/store" | cut -f1) bytes of assets"))"
    if [ "$what" = both ]; then
      s=$(now); (cd "$dir" && DARKROOM_LEDGER="$URL_BASE/$db" "$BIN" run c.toml >/dev/null 2>&1); e=$(now)
      echo "  the run after the move: $(( (e - s) / 1000000 )) ms, $(cd "$dir" && DARKROOM_LEDGER="$URL_BASE/$db" "$BIN" status c.toml --json | grep -o '"tries": [0-9]*')"
    fi
  done
done
