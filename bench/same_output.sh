#!/usr/bin/env bash
# Behaviour kept: runs the example campaign with two darkroom binaries (say, built from the
# commit before a refactor and from after it) in fresh folders, and checks that every delivered
# file is byte-identical and that the report is identical once the measured times are filtered
# out (wall time, per-call latency, and the charts drawn from the clock: latency, burn, drift).
# Usage: bench/same_output.sh BEFORE_BIN AFTER_BIN [CAMPAIGN (default examples/spring-launch.toml)]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
before=$1 after=$2 campaign=${3:-examples/spring-launch.toml}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for side in before after; do
  mkdir -p "$work/$side"
  cp -r "$here/examples" "$work/$side/"
  rm -rf "$work/$side/examples/out"
  bin=$before; [ "$side" = after ] && bin=$after
  (cd "$work/$side" && "$bin" run "$campaign" > /dev/null 2> run.log)
done
out=$(python3 - "$work" "$campaign" <<'EOF'
import hashlib, os, re, sys
work, campaign = sys.argv[1], sys.argv[2]
name = os.path.splitext(os.path.basename(campaign))[0]
def files(side):
    root = os.path.join(work, side, os.path.dirname(campaign), 'out', name)
    out = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(d, f)
            rel = os.path.relpath(p, root)
            if rel.startswith('darkroom.db') or rel in ('darkroom.lock', '.darkroom-reserve', '.report.stamp'):
                continue
            out[rel] = open(p, 'rb').read()
    return out
def clockless(html):
    html = re.sub(r'<svg class="chart".*?</svg>', '[chart]', html, flags=re.S)
    html = re.sub(r'(<div class="label">Wall time</div><div class="value">).*?(</div>)', r'\1[t]\2', html)
    html = re.sub(r'latency [0-9.]+ s', 'latency [t] s', html)
    return re.sub(r'<td>[0-9.]+ s</td>', '<td>[t] s</td>', html)
a, b = files('before'), files('after')
bad = []
for k in sorted(set(a) | set(b)):
    if k == 'report.html':
        same = clockless(a.get(k, b'').decode()) == clockless(b.get(k, b'').decode())
    else:
        same = a.get(k) == b.get(k)
    if not same:
        bad.append(k)
n = len([k for k in a if k.startswith('deliverables/')])
print(f"{n} deliverables and {len(a) - n} other files compared; differing: {', '.join(bad) or 'none'}")
sys.exit(1 if bad else 0)
EOF
) && echo "$out" || { echo "$out"; exit 1; }
