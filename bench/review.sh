#!/usr/bin/env bash
# Times `darkroom review` on a 1,000-draft campaign (sim provider, offline):
#  - the shot page with its 1,000 drafts in headless Chromium, through ChromeDriver's HTTP API:
#    the Navigation Timing load event and DOMContentLoaded, median of 5 loads;
#  - review actions over HTTP (approve, rate, a verdict, undo), 200 of them: p50 and p95 of
#    curl's total time.
# Usage: DARKROOM_BIN=target/release/darkroom bash bench/review.sh
set -euo pipefail
BIN=$(realpath "${DARKROOM_BIN:-target/release/darkroom}")
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
cat > "$dir/c.toml" <<'TOML'
[campaign]
name = "thousand"
output = "out"
[providers.sim]
kind = "sim"
model = "fast-draft"
concurrency = 16
[tiers.draft]
provider = "sim"
size = "96"
variants = 1000
[tiers.finish]
provider = "sim"
size = "128"
keep = 1
[gates]
adherence = 0.0
[budget]
money = "100 USD"
max_rounds = 1
[[shots]]
id = "hero"
prompt = "a red sphere to the left of a blue cube"
deliver = ["1:1"]
TOML
(cd "$dir" && "$BIN" run c.toml >/dev/null 2>&1) || true
drafts=$(cd "$dir" && "$BIN" status c.toml --json | python3 -c 'import json,sys; print(sum(a["count"] for a in json.load(sys.stdin)["attempts"] if a["tier"]=="draft" and a["status"]=="done"))')
echo "campaign: $drafts drafts done"
(cd "$dir" && exec "$BIN" review c.toml --port 0 > "$dir/url.txt") &
for _ in $(seq 100); do grep -q http "$dir/url.txt" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$dir/url.txt" | head -1)
base=${url%/\?token=*}; token=${url#*token=}
# Chromium through ChromeDriver.
port=9517
chromedriver --port=$port >/dev/null 2>&1 &
for _ in $(seq 100); do curl -s "localhost:$port/status" | grep -q '"ready":true' && break; sleep 0.1; done
sid=$(curl -s -X POST "localhost:$port/session" -H 'content-type: application/json' -d "{\"capabilities\":{\"alwaysMatch\":{\"goog:chromeOptions\":{\"binary\":\"/usr/bin/chromium\",\"args\":[\"--headless\",\"--no-sandbox\",\"--disable-gpu\",\"--disable-background-networking\",\"--disable-component-update\",\"--disable-sync\",\"--no-first-run\",\"--user-data-dir=$dir/prof\",\"--window-size=1280,900\"]}}}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"]["sessionId"])')
loads=()
for i in 1 2 3 4 5; do
  curl -s -X POST "localhost:$port/session/$sid/url" -H 'content-type: application/json' -d "{\"url\":\"$base/shot/hero?token=$token&n=$i\"}" >/dev/null
  t=$(curl -s -X POST "localhost:$port/session/$sid/execute/sync" -H 'content-type: application/json' -d '{"args":[],"script":"const n=performance.getEntriesByType(\"navigation\")[0]; return [Math.round(n.domContentLoadedEventEnd), Math.round(n.loadEventEnd), document.querySelectorAll(\".card\").length]"}' | python3 -c 'import json,sys; v=json.load(sys.stdin)["value"]; print(v[0], v[1], v[2])')
  loads+=("$t")
done
printf '%s\n' "${loads[@]}" | sort -n -k2 | sed -n 3p | awk '{print "shot page, " $3 " cards: DOMContentLoaded " $1 " ms, load " $2 " ms (median of 5)"}'
curl -s -X DELETE "localhost:$port/session/$sid" >/dev/null
# Actions.
ids=$(python3 - "$dir/out/darkroom.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(" ".join(r[0] for r in c.execute("SELECT id FROM attempts WHERE tier='draft' AND status='done' LIMIT 50")))
PY
)
: > "$dir/times"
for id in $ids; do
  for body in "{\"attempt\":\"$id\",\"action\":\"approve\"}" "{\"attempt\":\"$id\",\"action\":\"rate\",\"rating\":4}" "{\"attempt\":\"$id\",\"action\":\"verdict\",\"assertion\":0,\"holds\":true}"; do
    curl -s -o /dev/null -w '%{time_total}\n' -X POST "$base/api/decide?token=$token" -H 'content-type: application/json' -d "$body" >> "$dir/times"
  done
  curl -s -o /dev/null -w '%{time_total}\n' -X POST "$base/api/undo?token=$token" >> "$dir/times"
done
sort -n "$dir/times" | awk '{a[NR]=$1} END {printf "review actions: %d, p50 %.1f ms, p95 %.1f ms\n", NR, a[int(NR*0.5)]*1000, a[int(NR*0.95)]*1000}'
