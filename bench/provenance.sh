#!/usr/bin/env bash
# Content Credentials (issue 17): the time and size a signed C2PA manifest adds to a 2K PNG, and
# what `verify` takes to read one, timed on the CLI (median of 5 runs each).
#   DARKROOM_BIN=target/release/darkroom bash bench/provenance.sh
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
"$BIN" sketch 'a blue sphere on a glass table to the left of a red cube' --size 2K --seed 1 -o plain.png >/dev/null 2>&1
echo "image: $(file -b plain.png | cut -d, -f2), $(stat -c %s plain.png) bytes"
# The folder's local identity is made by the first signed output; make it before timing.
"$BIN" upscale plain.png --to 1x -o warm.png >/dev/null 2>&1
fresh() { "$@" -o "out-$(date +%s%N).png"; }
bare=$(ms fresh "$BIN" upscale plain.png --to 1x --no-credentials)
signed=$(ms fresh "$BIN" upscale plain.png --to 1x)
"$BIN" upscale plain.png --to 1x --no-credentials -o b.png >/dev/null 2>&1
"$BIN" upscale plain.png --to 1x -o s.png >/dev/null 2>&1
verify=$(ms "$BIN" verify s.png)
echo "decode + encode a 2K PNG (upscale 1x), no credentials: ${bare} ms"
echo "the same, signed (identity loaded and proven, the input read as the parent ingredient, manifest embedded): ${signed} ms (+$((signed - bare)) ms)"
echo "size: $(stat -c %s b.png) bytes unsigned, $(stat -c %s s.png) signed (+$(( $(stat -c %s s.png) - $(stat -c %s b.png) )) bytes)"
echo "verify the signed 2K PNG: ${verify} ms"
# In a run, the identity is loaded once; each deliverable pays the embedding. A campaign of one
# shot in three aspects at 2K, with and without [provenance].
for on in true false; do
  mkdir -p "c-$on"
  cat > "c-$on/c.toml" <<TOML
[campaign]
name = "bench"
output = "out"
[providers.local]
kind = "sketch"
[tiers.draft]
provider = "local"
size = "256"
variants = 2
[tiers.finish]
provider = "local"
size = "2K"
[gates]
adherence = 0.0
[provenance]
enabled = $on
[[shots]]
id = "hero"
prompt = "a blue sphere on a glass table to the left of a red cube"
deliver = ["1:1", "16:9", "9:16"]
TOML
done
run_on=$( (cd c-true && s=$(date +%s%N); "$BIN" run c.toml >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))) )
run_off=$( (cd c-false && s=$(date +%s%N); "$BIN" run c.toml >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))) )
sz() { find "$1" -name '*.png' -printf '%s\n' | awk '{t+=$1} END {print t}'; }
on_b=$(sz c-true/out/deliverables); off_b=$(sz c-false/out/deliverables)
echo "campaign, 3 deliverables at 2K: ${run_off} ms without credentials, ${run_on} ms with (+$(( (run_on - run_off) / 3 )) ms per deliverable, one run each: noisy)"
echo "deliverables: ${off_b} bytes without, ${on_b} with (+$(( (on_b - off_b) / 3 )) bytes per deliverable)"
