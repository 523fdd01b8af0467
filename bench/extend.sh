#!/usr/bin/env bash
# `darkroom extend` of a 2K image (2048×2048) to 16:9 (3641×2048, 7.46 MP out) against a floor
# that does the same file work with no fill: decode, mirror-pad to the same canvas, encode a PNG
# (Pillow, in one process). Wall time (best of 3) and peak RSS of each.
#   DARKROOM_BIN=target/release/darkroom PYTHON=/path/to/python-with-pillow bash bench/extend.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${DARKROOM_BIN:-$ROOT/target/release/darkroom}"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -q)
PY="${PYTHON:-${DARKROOM_TEST_PYTHON:-python3}}"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
cd "$W"
"$BIN" sketch "a red sphere on a sandy dune under a blue sky, soft light" --size 2K --quality draft -o in.png 2>/dev/null
cat > pad.py <<'PY'
import sys
from PIL import Image, ImageOps
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
nw = round(h * 16 / 9)
ox = (nw - w) // 2
out = Image.new("RGB", (nw, h))
out.paste(im, (ox, 0))
# The margins mirrored from the image's own edges.
out.paste(ImageOps.mirror(im.crop((0, 0, ox, h))), (0, 0))
right = nw - ox - w
out.paste(ImageOps.mirror(im.crop((w - right, 0, w, h))), (ox + w, 0))
out.save(sys.argv[2])
PY
best() { # label, command…
  local label="$1"; shift
  local t m bt=999 bm=0
  for _ in 1 2 3; do
    /usr/bin/time -o time.txt -f "%e %M" "$@" >/dev/null 2>&1
    read -r t m < time.txt
    bt=$(awk -v a="$t" -v b="$bt" 'BEGIN { print (a < b) ? a : b }')
    bm=$(( m > bm ? m : bm ))
  done
  echo "$label $bt $bm"
}
f=$(best floor "$PY" pad.py in.png pad.png)
e=$(best extend "$BIN" extend in.png --aspect 16:9 --keep-whole -o out.png)
read -r _ ft fm <<<"$f"
read -r _ et em <<<"$e"
python3 -c "
from struct import unpack
w, h = unpack('>II', open('out.png', 'rb').read()[16:24])
print(f'extend 2048x2048 -> {w}x{h} ({w*h/1e6:.2f} MP): {$et:.2f} s, peak {$em/1024:.0f} MiB')
print(f'floor (decode, mirror-pad, encode; Pillow): {$ft:.2f} s, peak {$fm/1024:.0f} MiB')
print(f'extend / floor: {$et/$ft:.1f}x time')
"
