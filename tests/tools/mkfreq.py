#!/usr/bin/env python3
"""mkfreq.py - derive the lexicon's frequency prior and known-word list.

    python3 tests/tools/mkfreq.py rules/lexicon

Writes two files, both committed (see rules/lexicon/README):

  freq.tsv         lower-case word, TAB, count: word counts from Swedish prose
                   shipped by Debian: the book "Copyright finns inte"
                   (package cfi-sv), the LibreOffice help (libreoffice-help-sv)
                   and the Debian Edu Audacity manual (debian-edu-doc-legacy-sv).
                   Words seen fewer than 2 times are left out.  (The GIMP manual,
                   gimp-help-sv, and the man pages, manpages-sv, were tried and
                   left out: some of their Swedish is written without å/ä/ö,
                   which made "da", "skal" and "satt" look common.)
  tesseract.words  Tesseract's own Swedish word list (tesseract-ocr-swe:
                   combine_tessdata -u, dawg2wordlist), lower-cased, letters
                   only, one a line, sorted.

Needs: cfi-sv, libreoffice-help-sv, debian-edu-doc-legacy-sv, tesseract-ocr-swe, and the tesseract tools.
"""
import collections, glob, html, os, re, subprocess, sys, tempfile

out = sys.argv[1] if len(sys.argv) > 1 else "rules/lexicon"
WORD = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]+(?:-[A-Za-zÅÄÖåäöÉéÜü]+)*")
# a word, or a mark or number between words
TOKEN = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]+(?:-[A-Za-zÅÄÖåäöÉéÜü]+)*|[.!?:;()\[\]\"”“]|\d+")

SV = set("och att är för på det som en ett med av till om inte kan har de den".split())
EN = set("the is to of and this for in you are be with that it or an can".split())

def swedish(words):
    sv = sum(w in SV for w in words) + sum(1 for w in words if re.search("[åäö]", w))
    en = sum(w in EN for w in words)
    return sv > en

def blocks_of_html(path):
    t = open(path, encoding="utf-8", errors="replace").read()
    t = re.sub(r"(?s)<(script|style|pre|code)[^>]*>.*?</\1>", " ", t)
    for block in re.split(r"(?i)</?(?:p|div|td|th|li|h[1-6]|br|tr|table|title)[^>]*>", t):
        yield html.unescape(re.sub(r"<[^>]+>", " ", block))

def chunks_of(blocks):
    """The text blocks (paragraphs, cells) that read as Swedish, as token lists:
    the LibreOffice and GIMP help leave some English untranslated, and
    counting it would make "for" look like a Swedish word."""
    for block in blocks:
        tokens = [w.lower() for w in TOKEN.findall(block)]
        if swedish([w for w in tokens if w[0].isalpha()]):
            yield tokens

sources = [blocks_of_html("/usr/share/doc/cfi-sv/cfi.html")]
sources += [blocks_of_html(p) for p in
            sorted(glob.glob("/usr/share/libreoffice/help/sv/**/*.html", recursive=True))]
sources += [blocks_of_html(p) for p in
            sorted(glob.glob("/usr/share/doc/debian-edu-doc-legacy-sv/*.html"))]
counts = collections.Counter()
for blocks in sources:
    for tokens in chunks_of(blocks):
        counts.update(w for w in tokens if w[0].isalpha())
with open(os.path.join(out, "freq.tsv"), "w", encoding="utf-8") as f:
    f.write("# word counts in Swedish prose (cfi-sv, libreoffice-help-sv,\n")
    f.write("# debian-edu-doc-legacy-sv); made by\n")
    f.write("# tests/tools/mkfreq.py - do not edit by hand\n")
    for w, c in sorted(counts.items(), key=lambda x: (-x[1], x[0])):
        if c >= 2:
            f.write(f"{w}\t{c}\n")

with tempfile.TemporaryDirectory() as d:
    subprocess.run(["combine_tessdata", "-u",
                    "/usr/share/tesseract-ocr/5/tessdata/swe.traineddata", d + "/swe."],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["dawg2wordlist", d + "/swe.lstm-unicharset", d + "/swe.lstm-word-dawg",
                    d + "/swe.words"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    words = set()
    for w in open(d + "/swe.words", encoding="utf-8"):
        w = w.strip()
        # letters only; first letter may be upper case, the rest lower (or all upper)
        if not re.fullmatch(r"[A-Za-zÅÄÖåäöÉéÜü]+", w):
            continue
        if not (w[1:].islower() or w.isupper() or len(w) == 1):
            continue
        words.add(w.lower())
with open(os.path.join(out, "tesseract.words"), "w", encoding="utf-8") as f:
    f.write("# Tesseract's Swedish word list (tesseract-ocr-swe 4.1.0), lower-cased;\n")
    f.write("# made by tests/tools/mkfreq.py - do not edit by hand\n")
    for w in sorted(words):
        f.write(w + "\n")
