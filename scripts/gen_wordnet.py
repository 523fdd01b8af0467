#!/usr/bin/env python3
"""Compiles WordNet 3.0 (Debian's `wordnet-base`) into the prompt parser's noun lexicon (issue 31).

One line per lemma (lowercase, spaces for compounds), sorted bytewise, `lemma<TAB>code`:

  code[0]   the lexicographer class of the noun's most frequent sense (see LEX below), `-` when
            the word is not a noun;
  code[1]   `1` when that sense is under *physical entity* (objects, living things, substances,
            scenery), else `0`;
  code[2]   the share of the noun's uses, by SemCor tag counts (`cntlist.rev`, +0.5 per sense),
            that are physical, 0-9 (tenths, rounded down);
  code[3:]  the other parts of speech it has: `v` verb, `j` adjective, `d` adverb.

Lemmas of more than three words, those with digits, and multi-word lemmas that are not nouns
("give up") are left out: prompts do not use them as things. The WordNet licence (`LICENSE-WordNet`) goes beside every copy.

usage: scripts/gen_wordnet.py /usr/share/wordnet > crates/darkroom-prompt/src/wordnet/lexicon.tsv
"""
import os, sys
from collections import defaultdict

WN = sys.argv[1]
PHYSICAL = "00001930"
# lexicographer file number → one letter (lexnames(5WN)).
LEX = {3: "T", 4: "a", 5: "A", 6: "r", 7: "t", 8: "b", 9: "c", 10: "m", 11: "e", 12: "f",
       13: "F", 14: "g", 15: "l", 16: "M", 17: "o", 18: "p", 19: "h", 20: "P", 21: "s",
       22: "x", 23: "q", 24: "R", 25: "S", 26: "z", 27: "u", 28: "i"}

hyper, lexfile, keys = {}, {}, {}
for line in open(os.path.join(WN, "data.noun"), encoding="latin-1"):
    if line.startswith("  "):
        continue
    f = line.split()
    off, lf, wcnt = f[0], int(f[1]), int(f[3], 16)
    lexfile[off] = lf
    words = f[4:4 + 2 * wcnt]
    for k in range(0, len(words), 2):
        lemma = words[k].lower()
        if "(" in lemma:
            lemma = lemma[:lemma.index("(")]
        keys[f"{lemma}%1:{lf:02d}:{int(words[k + 1], 16):02d}::"] = off
    i = 4 + 2 * wcnt
    pcnt = int(f[i]); i += 1
    hs = []
    for _ in range(pcnt):
        sym, tgt, pos = f[i], f[i + 1], f[i + 2]
        if sym in ("@", "@i") and pos == "n":
            hs.append(tgt)
        i += 4
    hyper[off] = hs

phys = {}
def physical(off):
    if off in phys:
        return phys[off]
    phys[off] = False  # breaks cycles (none in WordNet, but cheap)
    r = off == PHYSICAL or any(physical(h) for h in hyper.get(off, ()))
    phys[off] = r
    return r

tags = defaultdict(int)
for line in open(os.path.join(WN, "cntlist.rev"), encoding="latin-1"):
    key, _, cnt = line.split()
    if key in keys:
        tags[(key.split("%")[0], keys[key])] += int(cnt)

entries = defaultdict(lambda: {"noun": None, "pos": set()})
def usable(lemma):
    return lemma.count("_") < 3 and not any(c.isdigit() for c in lemma)

for line in open(os.path.join(WN, "index.noun"), encoding="latin-1"):
    if line.startswith("  "):
        continue
    f = line.split()
    lemma = f[0]
    if not usable(lemma):
        continue
    ncs = int(f[2]); pcnt = int(f[3])
    offs = f[4 + pcnt + 2:]
    assert len(offs) == ncs, line
    first = offs[0]
    weights = [tags.get((lemma, o), 0) + 0.5 for o in offs]
    share = sum(w for w, o in zip(weights, offs) if physical(o)) / sum(weights)
    entries[lemma.replace("_", " ")]["noun"] = (LEX[lexfile[first]], "1" if physical(first) else "0", str(min(9, int(share * 10))))

for pos, letter in (("verb", "v"), ("adj", "j"), ("adv", "d")):
    for line in open(os.path.join(WN, f"index.{pos}"), encoding="latin-1"):
        if line.startswith("  "):
            continue
        lemma = line.split()[0]
        if usable(lemma):
            entries[lemma.replace("_", " ")]["pos"].add(letter)

out = sys.stdout
for lemma in sorted(entries, key=lambda s: s.encode()):
    e = entries[lemma]
    if " " in lemma and not e["noun"]:
        continue  # phrasal verbs and multi-word adverbs: the grammar reads those
    n = "".join(e["noun"]) if e["noun"] else "---"
    out.write(f"{lemma}\t{n}{''.join(sorted(e['pos'], key='vjd'.index))}\n")
