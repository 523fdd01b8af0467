#!/usr/bin/env python3
"""Draws the labelled PartiPrompts sample (issue 31): stratified over Challenge, then Category.

Within each challenge the prompts are ordered by category and by a hash of their text, and every
k-th is taken so that each challenge gives max(12, round(n/5)) prompts and every category inside
it is represented in proportion. Alternate rows of a stratum go to `tune` and `held`: the parser
is tuned on `tune` only; `held` is measured, never tuned on. Deterministic (sha256, no RNG).

usage: scripts/parti_sample.py ../shared/data/prompts/PartiPrompts.tsv > sample.tsv
       scripts/parti_sample.py --second PartiPrompts.tsv sample.tsv >> sample.tsv

`--second` draws a further tuning set (`tune2`) from the prompts not yet in the sample:
max(5, round(n/13)) per challenge, ordered by category and a hash salted with "tune2".
"""
import csv, hashlib, sys
from collections import defaultdict

if sys.argv[1] == "--second":
    rows = list(csv.DictReader(open(sys.argv[2], newline=""), delimiter="\t"))
    taken = {l.split("\t")[3] for l in open(sys.argv[3]) if not l.startswith("#")}
    by = defaultdict(list)
    for r in rows:
        p = " ".join(r["Prompt"].split())
        if p not in taken:
            by[r["Challenge"]].append((r["Category"], hashlib.sha256(("tune2" + p).encode()).hexdigest(), p))
    for ch in sorted(by):
        rs = sorted(by[ch])
        want = max(5, round(len(rs) / 13))
        step = len(rs) / want
        for i in range(want):
            c, _, p = rs[int(i * step)]
            sys.stdout.write(f"tune2\t{c}\t{ch}\t{p}\t\n")
    sys.exit(0)

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
