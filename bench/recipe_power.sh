#!/usr/bin/env bash
# How well `darkroom recipe check` tells a model update from no change, on `sim` (offline):
# TRIALS trials each (default 100), every trial its own baseline (shot seed = trial) and its own
# fresh draws (epoch = trial). "Update": after the lock, the sim model drops the relation TO of
# the time instead of FROM (defaults 0.65 and the profile's own 0.35: the relation question's
# pass rate falls by about 0.3; FROM=0.10 TO=0.40 is the issue's example). Prints the
# detection rate, the false alarm rate, and the fresh drafts an unchanged recipe cost against
# the fixed-sample check's MAX (default 96, as `recipe check --max-drafts`).
# Usage: [BASELINE=96] [FROM=0.10 TO=0.40] DARKROOM_BIN=target/release/darkroom bash bench/recipe_power.sh [TRIALS]
set -euo pipefail
BIN=$(realpath "${DARKROOM_BIN:-target/release/darkroom}")
TRIALS=${1:-100}
MAX=${MAX:-96}
# Baseline drafts per shot made for the lock (0: the campaign's own 24).
BASELINE=${BASELINE:-0}
FROM=${FROM:-}
TO=${TO:-0.65}
base_line=""
if [ -n "$FROM" ]; then base_line="drops = { relation = $FROM }"; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
campaign() { # seed, extra sim line
  cat <<TOML
[campaign]
name = "power"
output = "out"
[providers.sim]
kind = "sim"
model = "fast-draft"
concurrency = 8
$2
[tiers.draft]
provider = "sim"
size = "96"
variants = 24
[tiers.finish]
provider = "sim"
size = "128"
[gates]
adherence = 0.5
[budget]
money = "50 USD"
max_rounds = 1
[[shots]]
id = "pair"
prompt = "a red sphere to the left of a blue cube"
seed = $1
TOML
}
detected=0; alarms=0; same_drafts=0; same_n=0; unchanged_calls=0
for t in $(seq 1 "$TRIALS"); do
  for kind in update same; do
    d="$dir/$kind-$t"; mkdir -p "$d"
    campaign "$t" "$base_line" > "$d/c.toml"
    (cd "$d" && "$BIN" run c.toml >/dev/null 2>&1 || true; "$BIN" recipe lock c.toml --baseline "$BASELINE" >/dev/null)
    if [ "$kind" = update ]; then campaign "$t" "drops = { relation = $TO }" > "$d/c.toml"; fi
    out=$(cd "$d" && "$BIN" recipe check c.toml --json --epoch "$t" --max-drafts "$MAX" 2>/dev/null || true)
    verdict=$(printf '%s' "$out" | python3 -c 'import json,sys; s=json.load(sys.stdin)["shots"][0]; print(s["verdict"], s["drafts"])')
    set -- $verdict
    if [ "$kind" = update ]; then
      [ "$1" = regressed ] && detected=$((detected + 1))
    else
      [ "$1" = regressed ] && alarms=$((alarms + 1))
      [ "$1" = unchanged ] && unchanged_calls=$((unchanged_calls + 1))
      same_drafts=$((same_drafts + $2)); same_n=$((same_n + 1))
    fi
    rm -rf "$d"
  done
done
echo "model update (relation dropped ${TO} of the time instead of ${FROM:-0.35, the profile default}): detected in $detected of $TRIALS trials"
echo "no change: false alarm in $alarms of $TRIALS trials; called unchanged in $unchanged_calls"
python3 -c "print(f'no change: {$same_drafts/$same_n:.1f} fresh drafts on average, against {$MAX} for the fixed-sample check ({$same_drafts/$same_n/$MAX:.2f}×)')"
