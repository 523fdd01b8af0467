#!/usr/bin/env bash
# 5,000 identical flat frames (what a folder of safety-filtered black images looks like): the
# near-duplicate audit's peak memory and output size. Every pair matches, so the output is one
# group of 5,000, not 12.5 million pairs.
#   bash bench/flat_audit.sh [N]
set -euo pipefail
N="${1:-5000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${DARKROOM_BIN:-$ROOT/target/release/darkroom}"
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -q)
W="${TMPDIR:-/tmp}/darkroom-flat-$N"
rm -rf "$W" && mkdir -p "$W/img" && cd "$W"
python3 - "$N" <<'PY'
import struct, sys, zlib
w = h = 256
raw = b"".join(b"\x00" + b"\x00\x00\x00" * w for _ in range(h))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
for i in range(int(sys.argv[1])):
    open(f"img/black-{i:05d}.png", "wb").write(png)
PY
printf '[brand]\npalette = [{ name = "Ink", hex = "#1A1A1A" }]\n' > brand.toml
/usr/bin/time -f "audit (text): %e s wall, %M kB peak RSS" "$BIN" audit images img --brand brand.toml > text.out 2> time.log || true
tail -1 time.log; echo "text output: $(stat -c %s text.out) B, $(wc -l < text.out) lines"; grep near-dup text.out
/usr/bin/time -f "audit (json): %e s wall, %M kB peak RSS" "$BIN" audit images img --brand brand.toml --json > json.out 2> time.log || true
tail -1 time.log; echo "json output: $(stat -c %s json.out) B"
