#!/bin/sh
# eng-ocr.sh - reproduce the legacy-OCR damage of seed 000 on a clean text:
# typeset TEXT on A4 pages (paps, Pango), render at 300 dpi (Ghostscript),
# optionally degrade the image like a photocopy (ImageMagick), and recognise
# it with Tesseract's *English* model, which has no å/ä/ö.
#
#   tests/tools/eng-ocr.sh TEXT FONT STYLE > OCR.txt
#
# FONT is a Pango font ("Liberation Serif 11", "DejaVu Sans 10"); STYLE is
# `clean`, `copy` (blurred, noisy, 0.4° skew) or `fax`
# (150 dpi, thresholded, scaled back to 300 dpi).  Needs paps, ghostscript,
# imagemagick, tesseract-ocr-eng.  Pages are separated by form feeds.
set -eu
text=$1 font=$2 style=${3:-clean}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
paps --font="$font" --paper=a4 --left-margin=70 --right-margin=70 \
	--top-margin=70 --bottom-margin=70 "$text" >"$tmp/t.ps" 2>/dev/null
gs -q -dNOPAUSE -dBATCH -sDEVICE=pnggray -r300 -sOutputFile="$tmp/p-%03d.png" "$tmp/t.ps"
first=1
for p in "$tmp"/p-*.png; do
	case $style in
	copy) convert "$p" -rotate 0.4 -blur 0x0.7 -attenuate 0.35 +noise Gaussian \
		-threshold 55% "$p" ;;
	fax) convert "$p" -rotate -0.3 -resample 150 -threshold 60% -resample 300 "$p" ;;
	esac
	[ $first = 1 ] || printf '\f'
	first=0
	OMP_THREAD_LIMIT=1 tesseract "$p" - -l eng 2>/dev/null
done
