#!/usr/bin/env bash
# darkroom vs the Python peer (shared/bench/peer_audit.py), side by side on the same corpus and
# the same 2 cores; prints images/s, peak memory and their ratios, and checks the two agree.
#
#   bash bench/audit_vs_peer.sh                 # peer on 20 images (≈ 2.3 s each), darkroom on 20 and 200
#   N=40 UPSCALE_N=5 bash bench/audit_vs_peer.sh
#
# Installs what is missing (Debian's libvips-tools and time, a venv from the peer's lock file)
# and works in target/peer/ (shared/ is read-only). Nothing here runs in CI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
WORK="$ROOT/target/peer"
N="${N:-20}"
UPSCALE_N="${UPSCALE_N:-5}"
mkdir -p "$WORK"
cp "$SHARED"/bench/*.py "$SHARED"/bench/*.sh "$SHARED"/bench/requirements.lock.txt "$WORK"/

need=()
command -v vips >/dev/null || need+=(libvips-tools)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
PY="$WORK/venv/bin/python"
if ! [ -x "$PY" ] || ! "$PY" -c 'import numpy, PIL, colour, imagehash, sklearn, cv2, pyvips' 2>/dev/null; then
  python3 -m venv "$WORK/venv"
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q -r "$WORK/requirements.lock.txt"
fi
[ -f "$WORK/corpus/manifest.json" ] || "$PY" "$WORK/gen_corpus.py" "$WORK/corpus"
(cd "$ROOT" && cargo build --release -q)
DR="$ROOT/target/release/darkroom"
BRAND="$ROOT/bench/peer_brand.toml"

SUB="$WORK/subset_$N"
rm -rf "$SUB"; mkdir -p "$SUB"
for f in $(ls "$WORK"/corpus/*.png | sort | head -n "$N"); do ln -s "$f" "$SUB/"; done

run() { # run NAME command... → prints "wall_s rss_mb"
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$WORK/$name.time" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"
  awk '{printf "%s %.0f\n", $1, $2/1024}' "$WORK/$name.time"
}
echo "peer (1 process) on $N images…" >&2
read -r pw1 pm1 < <(run peer1 "$PY" "$WORK/peer_audit.py" "$SUB" "$WORK/peer1.jsonl" --stage audit)
echo "peer (2-process pool) on $N images…" >&2
read -r pw2 pm2 < <(run peer2 "$PY" "$WORK/peer_audit.py" "$SUB" "$WORK/peer2.jsonl" --stage audit --workers 2)
echo "darkroom on $N images…" >&2
read -r dw dm < <(run dr "$DR" audit images "$SUB" --brand "$BRAND" --json)
echo "darkroom on all $(ls "$WORK"/corpus/*.png | wc -l) images…" >&2
read -r daw dam < <(run drall "$DR" audit images "$WORK/corpus" --brand "$BRAND" --json)

"$PY" - "$WORK" "$N" "$pw1" "$pm1" "$pw2" "$pm2" "$dw" "$dm" "$daw" "$dam" <<'PYEOF'
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
pw1, pm1, pw2, pm2, dw, dm, daw, dam = map(float, sys.argv[3:])
nall = len(json.load(open(f"{work}/drall.out"))["images"])
ours = {d["file"]: d for d in json.load(open(f"{work}/dr.out"))["images"]}
peer = [json.loads(l) for l in open(f"{work}/peer1.jsonl") if '"type": "image"' in l]
share = max(abs(p["brand_share_de_lt5"] - ours[p["file"]]["on_palette"]) for p in peer)
mean = max(abs(p["brand_mean_de00"] - ours[p["file"]]["mean_de2000"]) for p in peer)
ph = sum(p["phash"] == ours[p["file"]]["phash"] for p in peer)
best_peer = max(n / pw1, n / pw2)
print(f"audit of {n} images (whole process, imports and start-up included)")
print(f"  peer, 1 process      {n/pw1:8.2f} images/s   peak {pm1:6.0f} MB")
print(f"  peer, 2 processes    {n/pw2:8.2f} images/s   peak {pm2:6.0f} MB (largest process)")
print(f"  darkroom             {n/dw:8.2f} images/s   peak {dm:6.0f} MB")
print(f"  darkroom, {nall} images {nall/daw:8.2f} images/s   peak {dam:6.0f} MB")
print(f"  speed ratio vs the peer's best configuration: {n/dw/best_peer:.1f}x ({nall/daw/best_peer:.1f}x on the whole corpus)")
print(f"  memory ratio vs the peer (1 process): {dm/pm1:.3f}")
print(f"  agreement: on-palette share max diff {share:.6f}, mean ΔE2000 max diff {mean:.6f}, pHash equal {ph}/{len(peer)}")
PYEOF

echo "upscale 1024→4096, one process per image, PNG encode included, $UPSCALE_N images…" >&2
bash "$WORK/vips_cli_bench.sh" "$WORK/corpus" "$UPSCALE_N" "$WORK/vips.tsv"
TMP=$(mktemp -d /dev/shm/drup.XXXXXX 2>/dev/null || mktemp -d)
t0=$(date +%s%N)
for f in $(ls "$WORK"/corpus/*.png | sort | head -n "$UPSCALE_N"); do
  "$DR" upscale "$f" --to 4x -o "$TMP/out.png" 2>/dev/null; rm -f "$TMP/out.png"
done
t1=$(date +%s%N); rm -rf "$TMP"
vt=$(awk -F'\t' '/^#total_wall_s/ {print $2}' "$WORK/vips.tsv")
awk -v n="$UPSCALE_N" -v v="$vt" -v a="$t0" -v b="$t1" 'BEGIN {
  d = (b - a) / 1e9
  printf "upscale 1024→4096 (%d images): vips CLI %.0f ms/image, darkroom %.0f ms/image (Lanczos3), ratio %.2fx\n", n, v*1000/n, d*1000/n, v/d }'
