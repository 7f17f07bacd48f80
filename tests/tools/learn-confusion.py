#!/usr/bin/env python3
"""learn-confusion.py - learn the OCR confusion table from aligned text.

    python3 tests/tools/learn-confusion.py TRUTH OCR [TRUTH OCR ...] \
        > rules/normalise/confusion.tsv

TRUTH is a clean source text, OCR the text Tesseract's English model read
from a scan of it (tests/tools/eng-ocr.sh makes those).  The texts are
aligned word by word (on a key that ignores case, punctuation and the letters
an engine without Swedish loses), then each differing word pair letter by
letter, with 1:1, 1:2 and 2:1 substitutions so that many-to-one confusions
("éa" for "ä", "m" for "rn") are learnt as such.  For every OCR string s and
source string t it counts how often s was printed where t stood, and how
often s was printed for itself; the table lists

    ocr  source  seen  p

with p = seen / (times s was printed + 1), the probability that an s in OCR
output stands for t (the + 1 keeps a confusion seen once from looking
certain).  The normaliser's word repair turns p into the cost -ln p of the
edit.  Only confusions seen at least --min times (default 2) are kept, except
that a Swedish letter printed as two characters ("ié", "d&", "a4" for "ä")
is kept when seen once: the engine has many such shapes, each of them rare.

A letter the OCR dropped altogether ("verens" for "överens") is written with
an empty OCR side, ∅; its p is per letter printed: seen / (letters printed),
the probability that the letter is missing at a given place in a word.

    python3 tests/tools/learn-confusion.py --new-only=BASE[,BASE...] TRUTH OCR ... \
        >> rules/normalise/confusion-extra.tsv

prints only the shapes of a lost å/ä/ö that no BASE table has, in
confusion-extra.tsv's columns: seen at least twice, p at least 0.01, and no
"@" (the rules of 25-ocr-marks.rules read "@" in its contexts: "s@", "a@" in
an address).  More texts show more of the engine's rarer shapes ("4a", "IA"
for ä and Ä) without moving the learnt table's probabilities, which the
rules' tests and the hand-set rows were tuned against.
"""
import collections, math, re, sys, unicodedata

MIN = 2
args = sys.argv[1:]
if args and args[0].startswith("--min="):
    MIN = int(args[0][6:])
    args = args[1:]
BASE = None
if args and args[0].startswith("--new-only="):
    BASE = set()
    for base in args[0][11:].split(","):
        for line in open(base, encoding="utf-8"):
            f = line.rstrip("\n").split("\t")
            if len(f) >= 2 and not line.startswith("#"):
                BASE.add((f[0], f[1]))
    args = args[1:]
if len(args) < 2 or len(args) % 2:
    sys.exit(__doc__)

FOLD = str.maketrans("åäöÅÄÖéÉ&6", "aaoAAOeEao")

def key(w):
    w = unicodedata.normalize("NFC", w).translate(FOLD).lower()
    return re.sub(r"[^a-z0-9]", "", w)

def words(path):
    t = unicodedata.normalize("NFC", open(path, encoding="utf-8").read())
    return t.split()

def strip(w):
    """The word without surrounding punctuation."""
    m = re.match(r"^[\"'(\[„”“«»]*(.*?)[\"'\)\].,;:!?”“»]*$", w)
    return m.group(1) if m else w

def align_words(a, b):
    """Pairs (truth, ocr) of words that stand for each other."""
    import difflib
    ka, kb = [key(w) for w in a], [key(w) for w in b]
    sm = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for i, j in zip(range(i1, i2), range(j1, j2)):
                yield a[i], b[j]

def align_chars(t, o):
    """Edit operations turning o (OCR) into t (truth): list of (o_seg, t_seg)."""
    n, m = len(t), len(o)
    INF = 1e9
    d = [[INF] * (m + 1) for _ in range(n + 1)]
    bp = [[None] * (m + 1) for _ in range(n + 1)]
    d[0][0] = 0
    for i in range(n + 1):
        for j in range(m + 1):
            if d[i][j] >= INF:
                continue
            c = d[i][j]
            steps = []
            if i < n and j < m:
                steps.append((1, 1, 0 if t[i] == o[j] else 1))
            if i < n:
                steps.append((1, 0, 1))
            if j < m:
                steps.append((0, 1, 1))
            if i + 2 <= n and j < m:
                steps.append((2, 1, 1.2))
            if i < n and j + 2 <= m:
                steps.append((1, 2, 1.2))
            for di, dj, cost in steps:
                if c + cost < d[i + di][j + dj]:
                    d[i + di][j + dj] = c + cost
                    bp[i + di][j + dj] = (di, dj)
    ops, i, j = [], n, m
    while i or j:
        di, dj = bp[i][j]
        ops.append((o[j - dj:j], t[i - di:i]))
        i, j = i - di, j - dj
    return ops[::-1], d[n][m]

conf = collections.Counter()   # (ocr, truth) -> count
ident = collections.Counter()  # ocr char/pair read correctly
for tp, op in zip(args[0::2], args[1::2]):
    for tw, ow in align_words(words(tp), words(op)):
        tw, ow = strip(tw), strip(ow)
        if not tw or not ow:
            continue
        ops, cost = align_chars(tw, ow)
        if cost > max(2, len(tw) / 2):
            continue  # not the same word after all
        for k, (o, t) in enumerate(ops):
            if o == t:
                ident[o] += 1
                # a pair read correctly also counts for pair confusions
                if k + 1 < len(ops) and ops[k + 1][0] == ops[k + 1][1]:
                    ident[o + ops[k + 1][0]] += 1
            else:
                conf[(o, t)] += 1

if BASE is None:
    print("# confusion.tsv - what an OCR engine without Swedish prints for Swedish")
    print("# characters, learnt by tests/tools/learn-confusion.py (see its header and")
    print("# rules/normalise/README).  Columns: what the OCR printed, what stood in")
    print("# the source, how often that was seen, and p = the probability that the")
    print("# printed text stands for the source text.  An empty side is written as ∅.")
    print("# Regenerate; do not edit by hand.  Add confusions the learning texts lack")
    print("# to confusion-extra.tsv instead.")
printed = collections.Counter(ident)  # how often each OCR string was printed
for (o, t), c in conf.items():
    printed[o] += c
letters = sum(c for o, c in ident.items() if len(o) == 1)
SWEDISH = set("åäöÅÄÖ")
rows = []
for (o, t), c in conf.items():
    if not t.strip() or (o and not o.strip()):
        continue
    if o == "":
        if t not in SWEDISH or c < MIN:
            continue  # only a lost å/ä/ö is worth looking for
        rows.append(("∅", t, c, c / letters))
        continue
    if c < (1 if len(o) == 2 and t in SWEDISH else MIN):
        continue
    rows.append((o, t, c, c / (printed[o] + 1)))
if BASE is not None:
    rows = [r for r in rows if (r[0], r[1]) not in BASE and r[1] in SWEDISH
            and r[2] >= 2 and r[3] >= 0.01 and "@" not in r[0]]
for o, t, c, p in sorted(rows, key=lambda r: (-r[3], r[0], r[1])):
    print(f"{o}\t{t}\t{c}\t{p:.6f}")
