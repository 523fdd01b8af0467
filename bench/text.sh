#!/usr/bin/env bash
# Text in images (issue 20): what the OCR judge costs per 2K image and what typesetting costs
# per deliverable, timed on the CLI (median of 5 runs each).
#   DARKROOM_BIN=target/release/darkroom bash bench/text.sh
set -euo pipefail
BIN="${DARKROOM_BIN:-target/release/darkroom}"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
cd "$W"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { # runs "$@" 5 times, prints the median wall time in ms
  for _ in 1 2 3 4 5; do
    s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
    echo $(( (e - s) / 1000000 ))
  done | median
}
"$BIN" sketch 'a wooden sign that says "OPEN" next to a red fire hydrant' --size 2K --seed 3 -o sign.png >/dev/null 2>&1
"$BIN" sketch 'a blue sphere on a glass table' --size 2K --seed 1 -o plain.png >/dev/null 2>&1
echo "image: $(file -b sign.png | cut -d, -f2)"
base=$(ms "$BIN" judge sign.png --prompt 'a wooden sign next to a red fire hydrant')
found=$(ms "$BIN" judge sign.png --prompt 'a wooden sign that says "OPEN" next to a red fire hydrant')
missing=$(ms "$BIN" judge sign.png --prompt 'a wooden sign that says "CLOSED" next to a red fire hydrant')
echo "judge a 2K image without a text question:            ${base} ms"
echo "judge it with a text question, text found (stops early): ${found} ms (OCR: $((found - base)) ms)"
echo "judge it with a text question, text not there (every pass): ${missing} ms (OCR: $((missing - base)) ms)"
if command -v tesseract >/dev/null; then
  # Why the command line and not bindings: a process start and model load, against a pass.
  printf 'P5\n1 1\n255\n\377' > dot.pgm
  start=$(ms tesseract dot.pgm stdout --psm 11 tsv)
  pass=$(ms tesseract sign.png stdout --psm 11 tsv)
  echo "tesseract start and model load (1x1 image): ${start} ms; one pass on the 2K image: ${pass} ms"
fi
# Each timed command writes a fresh file (outputs are never overwritten).
fresh() { "$@" -o "out-$(date +%s%N).png"; }
t_plain=$(ms fresh "$BIN" upscale plain.png --to 1x --no-credentials)
t_set=$(ms fresh "$BIN" typeset plain.png --text 'SPRING SALE' --no-credentials)
t_long=$(ms fresh "$BIN" typeset plain.png --text '20% off everything in store until Sunday, online too' --box 0.1,0.8,0.9,1.0 --no-credentials)
ls out*.png | wc -l | grep -qx 15 || { echo "a timed command failed"; exit 1; }
echo "typeset a headline on a 2K image (decode, fit, contrast check, draw, encode): ${t_set} ms"
echo "typeset a wrapped line on a 2K image: ${t_long} ms"
echo "for scale, decode and encode the same image (upscale 1x): ${t_plain} ms"
