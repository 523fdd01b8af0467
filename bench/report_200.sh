#!/usr/bin/env bash
# The HTML report of a 200-draft campaign: its size on disk (page + thumbnails) and how long
# headless Chromium takes to open it (navigation start → load event, every image decoded).
# Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian's chromium, chromium-driver).
# Usage: bench/report_200.sh        (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
BIN=$PWD/target/release/darkroom
W=$(mktemp -d /tmp/darkroom-report200.XXXX)
{
  printf '[campaign]\nname = "report-200"\noutput = "out"\n'
  printf '[brand]\npalette = [{ name = "Brand Blue", hex = "#0047AB" }, { name = "Paper", hex = "#F4F1EA" }, { name = "Ink", hex = "#1A1A1A" }]\n'
  printf '[providers.sim]\nkind = "sim"\nmodel = "fast-draft"\nconcurrency = 8\n'
  printf '[tiers.draft]\nprovider = "sim"\nsize = "512"\nvariants = 8\n'
  printf '[tiers.finish]\nprovider = "sim"\nsize = "1K"\nkeep = 1\n'
  printf '[budget]\nmoney = "100 USD"\nmax_rounds = 1\n'
  printf '[[shots]]\nid = "s-{n}"\nprompt = "{n} red spheres to the left of a #0047AB cube on a #F4F1EA background"\n'
  printf 'vars = { n = ["two", "three", "four", "five", "six"] }\ndeliver = ["1:1", "16:9"]\n'
  for obj in bottle vase lamp chair mug; do
    printf '[[shots]]\nid = "%s-{c}"\nprompt = "a {c} %s on a #1A1A1A pedestal on a #F4F1EA background"\n' "$obj" "$obj"
    printf 'vars = { c = ["#0047AB", "yellow", "matte black", "green"] }\ndeliver = ["1:1"]\n'
  done
} > "$W/c.toml"
cd "$W"
[ -f out/darkroom.db ] || "$BIN" run c.toml > /dev/null 2> run.log || true
grep -E "deliverables in|report:" run.log
DRAFTS=$(grep -o 'class="title">round' out/report.html | wc -l)
START=$(date +%s.%N); "$BIN" report c.toml > /dev/null 2>&1; END=$(date +%s.%N)
echo "drafts on the contact sheets: $DRAFTS"
echo "report written in $(python3 -c "print(f'{$END-$START:.2f}')") s"
echo "size: html $(stat -c %s out/report.html) B, thumbnails $(cat out/report_files/* | wc -c) B ($(ls out/report_files | wc -l) files), total $(( $(stat -c %s out/report.html) + $(cat out/report_files/* | wc -c) )) B"
PORT=9617
/usr/bin/chromedriver --port=$PORT > /dev/null 2>&1 & DRV=$!
trap 'kill $DRV 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s "localhost:$PORT/status" | grep -q '"ready":true' && break; sleep 0.05; done
mkdir -p "$W/profile"
SID=$(curl -s -X POST "localhost:$PORT/session" -H 'Content-Type: application/json' -d "{\"capabilities\":{\"alwaysMatch\":{\"browserName\":\"chrome\",\"goog:chromeOptions\":{\"binary\":\"/usr/bin/chromium\",\"args\":[\"--headless\",\"--no-sandbox\",\"--disable-gpu\",\"--disable-quic\",\"--no-first-run\",\"--disable-background-networking\",\"--disable-component-update\",\"--disable-sync\",\"--user-data-dir=$W/profile\"]}}}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"]["sessionId"])')
for i in 1 2 3 4 5; do
  curl -s -X POST "localhost:$PORT/session/$SID/url" -H 'Content-Type: application/json' -d "{\"url\":\"file://$W/out/report.html?$i\"}" > /dev/null
  curl -s -X POST "localhost:$PORT/session/$SID/execute/sync" -H 'Content-Type: application/json' \
    -d '{"args":[],"script":"const n=performance.getEntriesByType(\"navigation\")[0]; const imgs=[...document.images]; return {load_ms: Math.round(n.loadEventEnd), dom_ms: Math.round(n.domContentLoadedEventEnd), images: imgs.length, broken: imgs.filter(i=>!(i.complete&&i.naturalWidth>0)).length}"}' \
    | python3 -c 'import json,sys; v=json.load(sys.stdin)["value"]; print("open %s: load event %d ms (DOM ready %d ms), %d images, %d broken" % (sys.argv[1], v["load_ms"], v["dom_ms"], v["images"], v["broken"]))' "$i"
done
curl -s -X DELETE "localhost:$PORT/session/$SID" > /dev/null
echo "work folder: $W"
