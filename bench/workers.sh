#!/usr/bin/env bash
# Past one machine (issue 18), timed on the CLI against real servers on loopback
# (`scripts/services.sh` starts PostgreSQL and SeaweedFS):
#   1. throughput of 1, 2 and 4 `darkroom worker` processes on one campaign, `sim` waiting its
#      latency in real time (median 1 s, p95 2 s), 16 calls in flight per worker;
#   2. the engine's overhead at zero latency: the same campaign on the SQLite ledger and on
#      PostgreSQL (+ S3), one process;
#   3. the ledger's size per 1,000 attempts on each.
#   eval "$(bash scripts/services.sh)"; DARKROOM_BIN=target/release/darkroom bash bench/workers.sh
set -euo pipefail
BIN="${DARKROOM_BIN:-target/release/darkroom}"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
: "${DARKROOM_TEST_PG:?run eval \"\$(bash scripts/services.sh)\" first}"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
cd "$W"
PG_BASE="${DARKROOM_TEST_PG%/*}"
PW="$(echo "$DARKROOM_TEST_PG" | sed -E 's|.*://[^:]+:([^@]+)@.*|\1|')"
URL_BASE="$(echo "$PG_BASE" | sed -E 's|://([^:]+):[^@]+@|://\1@|')"
export PGPASSWORD="$PW"
fresh_db() { # name → creates an empty database
  psql "$DARKROOM_TEST_PG" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null 2>&1
}
campaign() { # shots variants median p95 ledger store → campaign text
  local shots=$1 variants=$2 med=$3 p95=$4 ledger=$5 store=$6
  printf '[campaign]\nname = "bench"\noutput = "out"\n'
  [ -n "$ledger" ] && printf 'ledger = "%s"\n' "$ledger"
  [ -n "$store" ] && printf 'store = "%s"\n' "$store"
  printf '[providers.sim]\nkind = "sim"\nmodel = "fast-draft"\nconcurrency = 16\n'
  printf 'failures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }\nlatency = { median = %s, p95 = %s }\n' "$med" "$p95"
  printf '[tiers.draft]\nprovider = "sim"\nsize = "48"\nvariants = %s\n[tiers.finish]\nprovider = "sim"\nsize = "64"\nkeep = 1\n' "$variants"
  printf '[gates]\nadherence = 0.0\n[budget]\nmoney = "1000 USD"\nmax_rounds = 1\n[provenance]\nenabled = false\n'
  for i in $(seq 1 "$shots"); do
    printf '[[shots]]\nid = "s%03d"\nprompt = "a red sphere to the left of a blue cube number %d"\ndeliver = ["1:1"]\n' "$i" "$i"
  done
}
now() { date +%s%N; }

SHOTS="${SHOTS:-32}"
CALLS=$(( SHOTS * 17 ))
echo "1. throughput, sim median 1 s / p95 2 s in real time, $SHOTS shots x 16 drafts + $SHOTS finals = $CALLS calls"
for n in 1 2 4; do
  db="darkroom_bench_w$n"; fresh_db "$db"
  mkdir -p "w$n"; campaign "$SHOTS" 16 1.0 2.0 "$URL_BASE/$db" "s3://darkroom-test/bench-w$n-$(now)" > "w$n/c.toml"
  s=$(now)
  for i in $(seq 1 "$n"); do
    (cd "w$n" && "$BIN" worker c.toml --id "w$i" --realtime >/dev/null 2>&1) &
  done
  wait
  e=$(now)
  ms=$(( (e - s) / 1000000 ))
  [ "$n" = 1 ] && one=$ms
  echo "  $n worker(s): ${ms} ms, $(awk "BEGIN {printf \"%.1f\", $CALLS / ($ms / 1000)}") calls/s, speed-up $(awk "BEGIN {printf \"%.2f\", $one / $ms}") (ideal $n)"
  # Where the time went: each tier's span in the ledger, and the gap between them (judging,
  # selection and the stage barrier), then delivery to the last worker's exit.
  spans=$(psql "$PG_BASE/$db" -Atc "SELECT string_agg(tier || ' ' || round((MAXF - MINS)::numeric, 1) || ' s', ', ' ORDER BY MINS) FROM (SELECT tier, MIN(started_at) - (SELECT MIN(started_at) FROM attempts) AS MINS, MAX(finished_at) - (SELECT MIN(started_at) FROM attempts) AS MAXF FROM attempts GROUP BY tier) t" 2>/dev/null)
  ends=$(psql "$PG_BASE/$db" -Atc "SELECT string_agg(tier || ' from ' || round(MINS::numeric, 1) || ' to ' || round(MAXF::numeric, 1) || ' s', ', ' ORDER BY MINS) FROM (SELECT tier, MIN(started_at) - (SELECT MIN(started_at) FROM attempts) AS MINS, MAX(finished_at) - (SELECT MIN(started_at) FROM attempts) AS MAXF FROM attempts GROUP BY tier) t" 2>/dev/null)
  echo "    calls: $ends (spans: $spans)"
done

echo "2. engine overhead at zero latency, one process, 50 shots x 8 drafts + 50 finals = 450 calls (median of 3)"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for kind in sqlite postgres postgres+s3; do
  for r in 1 2 3; do
    dir="o-$kind-$r"; mkdir -p "$dir"
    if [ "$kind" = sqlite ]; then
      campaign 50 8 0.0 0.0 "" "" > "$dir/c.toml"
    elif [ "$kind" = postgres ]; then
      db="darkroom_bench_p$r"; fresh_db "$db"
      campaign 50 8 0.0 0.0 "$URL_BASE/$db" "" > "$dir/c.toml"
    else
      db="darkroom_bench_o$r"; fresh_db "$db"
      campaign 50 8 0.0 0.0 "$URL_BASE/$db" "s3://darkroom-test/bench-o$r-$(now)" > "$dir/c.toml"
    fi
    s=$(now); (cd "$dir" && "$BIN" run c.toml >/dev/null 2>&1); e=$(now)
    echo $(( (e - s) / 1000000 ))
  done | median > "t-$kind"
  echo "  $kind: $(cat "t-$kind") ms for 450 calls ($(awk "BEGIN {printf \"%.2f\", $(cat "t-$kind") / 450}") ms per call, judging and delivery included)"
done

echo "3. ledger size per 1,000 attempts (the 450-call campaign above, scores and decisions included)"
att=$(psql "$PG_BASE/darkroom_bench_o1" -Atc "SELECT COUNT(*) FROM attempts")
pg=$(psql "$PG_BASE/darkroom_bench_o1" -Atc "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")
lite=$(stat -c %s o-sqlite-1/out/darkroom.db)
echo "  attempts: $att"
echo "  SQLite: $lite bytes, $(( lite * 1000 / att / 1024 )) KiB per 1,000 attempts"
echo "  PostgreSQL: $pg bytes (tables, indexes and TOAST), $(( pg * 1000 / att / 1024 )) KiB per 1,000 attempts"
