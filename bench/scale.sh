#!/usr/bin/env bash
# A campaign of N shots (default 10,000) on the offline `sketch` renderer, draft 128 px / finish
# 256 px: wall time and peak RSS of `run`, the report's pages and their sizes, and a rerun that
# calls nothing (which skips the report when nothing changed).
#   bash bench/scale.sh [N]        (N = 10000, 1000 or 100: the vars are cut to fit)
set -euo pipefail
N="${1:-10000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${DARKROOM_BIN:-$ROOT/target/release/darkroom}"
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -q)
W="${TMPDIR:-/tmp}/darkroom-scale-$N"
rm -rf "$W" && mkdir -p "$W" && cd "$W"
C='"red", "blue", "green", "yellow", "orange", "purple", "white", "black", "pink", "brown"'
O='"sphere", "cube", "bottle", "cup", "lamp", "vase", "box", "ball", "chair", "book"'
B='"#F4F1EA", "#1A1A1A", "#0047AB", "#FFFFFF", "#808080", "#D2B48C", "#87CEEB", "#228B22", "#FFD700", "#800000"'
L='"soft light", "light from the left", "light from the right", "cinematic lighting", "studio lighting", "backlit", "top light", "warm light", "cool light", "dramatic lighting"'
case "$N" in
  10000) VARS="c = [$C], o = [$O], b = [$B], l = [$L]" ; TPL="s-{c}-{o}-{b}-{l}"; P="a {c} {o} on a {b} background, {l}";;
  1000)  VARS="c = [$C], o = [$O], b = [$B]" ; TPL="s-{c}-{o}-{b}"; P="a {c} {o} on a {b} background";;
  *)     VARS="c = [$C], o = [$O]" ; TPL="s-{c}-{o}"; P="a {c} {o} on a white background";;
esac
cat > c.toml <<TOML
[campaign]
name = "scale"
output = "out"
[providers.local]
kind = "sketch"
concurrency = 2
[tiers.draft]
provider = "local"
size = "128"
variants = 2
[tiers.finish]
provider = "local"
size = "256"
keep = 1
[gates]
adherence = 0.5
[budget]
max_rounds = 1
[[shots]]
id = "$TPL"
prompt = "$P"
vars = { $VARS }
deliver = ["1:1"]
TOML
"$BIN" check c.toml | tail -3
/usr/bin/time -f "run: %e s wall, %M kB peak RSS" "$BIN" run c.toml > /dev/null 2> run.log || true
grep -E "deliverables in|run:|report" run.log | tail -4
echo "report: index $(stat -c %s out/report.html) B; $(ls out/report_pages 2>/dev/null | wc -l) shot pages, largest $(ls -S out/report_pages 2>/dev/null | head -1 | xargs -I{} stat -c %s out/report_pages/{} 2>/dev/null || echo 0) B; thumbnails $(du -sb out/report_files | cut -f1) B in $(ls out/report_files | wc -l) files"
# `report` rebuilds every page; the images' thumbnails and palettes the run's report kept
# (`.report.previews`) are not decoded again.
/usr/bin/time -f "report (rebuilt, images kept): %e s wall, %M kB peak RSS" "$BIN" report c.toml > /dev/null 2> report.log; tail -1 report.log
# From nothing: every image decoded, every thumbnail made.
rm -rf out/report_files out/.report.previews
/usr/bin/time -f "report (from nothing): %e s wall, %M kB peak RSS" "$BIN" report c.toml > /dev/null 2> report.log; tail -1 report.log
/usr/bin/time -f "rerun: %e s wall, %M kB peak RSS" "$BIN" run c.toml > /dev/null 2> rerun.log || true
grep -E "report|rerun:" rerun.log | tail -2
# One shot more: the run makes its calls and the report decodes only its images.
printf '[[shots]]\nid = "one-more"\nprompt = "a green cube on a white background"\ndeliver = ["1:1"]\n' >> c.toml
/usr/bin/time -f "one shot more: %e s wall (its calls, its files, the report), %M kB peak RSS" "$BIN" run c.toml > /dev/null 2> more.log || true
grep -E "report|one shot more:" more.log | tail -2
