#!/usr/bin/env python3
"""Draws the labelled PartiPrompts sample (issue 31): stratified over Challenge, then Category.

Within each challenge the prompts are ordered by category and by a hash of their text, and every
k-th is taken so that each challenge gives max(12, round(n/5)) prompts and every category inside
it is represented in proportion. Alternate rows of a stratum go to `tune` and `held`: the parser
is tuned on `tune` only; `held` is measured, never tuned on. Deterministic (sha256, no RNG).

usage: scripts/parti_sample.py ../shared/data/prompts/PartiPrompts.tsv > sample.tsv
"""
import csv, hashlib, sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1], newline=""), delimiter="\t"))
by = defaultdict(list)
for r in rows:
    by[r["Challenge"]].append(r)
out = []
for ch in sorted(by):
    rs = sorted(by[ch], key=lambda r: (r["Category"], hashlib.sha256(r["Prompt"].encode()).hexdigest()))
    want = max(12, round(len(rs) / 5))
    step = len(rs) / want
    picked = [rs[int(i * step)] for i in range(want)]
    for i, r in enumerate(picked):
        out.append(("tune" if i % 2 == 0 else "held", r["Category"], ch, " ".join(r["Prompt"].split())))
w = sys.stdout
w.write("# split\tcategory\tchallenge\tprompt\tthings (labelled by RULE.md)\n")
for s, cat, ch, p in out:
    w.write(f"{s}\t{cat}\t{ch}\t{p}\t\n")
