#!/usr/bin/env python3
"""eval-normalise.py - word error rate of OCR text before and after tjx normalise.

    python3 tests/tools/eval-normalise.py TJX TRUTH OCR [TRUTH OCR ...]

Prints, per pair and in total: WER before and after, damaged words repaired,
correct words changed.  (The Criterion test tests/test_normalise_corpus.c
asserts the same figures; this is the quick look while working on rules.)
"""
import subprocess, sys

def lev_align(a, b):
    n, m = len(a), len(b)
    d = [list(range(m + 1))] + [[i] + [0] * m for i in range(1, n + 1)]
    for i in range(1, n + 1):
        ai, di, dp = a[i - 1], d[i], d[i - 1]
        for j in range(1, m + 1):
            di[j] = min(dp[j] + 1, di[j - 1] + 1, dp[j - 1] + (ai != b[j - 1]))
    pairs, i, j = {}, n, m
    while i and j:
        if d[i][j] == d[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            pairs[i - 1] = j - 1; i -= 1; j -= 1
        elif d[i][j] == d[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return d[n][m], pairs

tjx = sys.argv[1]
tot = [0] * 6
for tp, op in zip(sys.argv[2::2], sys.argv[3::2]):
    t = open(tp, encoding="utf-8").read().split()
    o = open(op, encoding="utf-8").read().split()
    h = subprocess.run([tjx, "normalise", op], capture_output=True, text=True).stdout.split()
    e0, to = lev_align(t, o)
    e1, th = lev_align(t, h)
    dmg = rep = ok = chg = 0
    bad = []
    for i, w in enumerate(t):
        if i not in to:
            continue
        ow = o[to[i]]
        hw = h[th[i]] if i in th else None
        if ow != w:
            dmg += 1
            rep += hw == w
            if hw != w: bad.append(f"{ow}->{hw} ({w})")
        else:
            ok += 1
            if hw != w:
                chg += 1
                bad.append(f"!{ow}->{hw}")
    print(f"{op}: WER {100*e0/len(t):.1f}% -> {100*e1/len(t):.1f}%  repaired {rep}/{dmg}  damaged {chg}/{ok}")
    for b in bad:
        print("   ", b)
    for k, v in enumerate((len(t), e0, e1, dmg, rep, chg)):
        tot[k] += v
    tot[5] += 0
n, e0, e1, dmg, rep, chg = tot
print(f"TOTAL: WER {100*e0/n:.2f}% -> {100*e1/n:.2f}%  repaired {rep}/{dmg} = {100*rep/max(dmg,1):.1f}%  changed {chg}")
