#!/bin/sh
# bench/ocr.sh - issue 4's figures: OCR throughput and memory over the corpus
# scans, against the peers, all in one invocation:
#
#   tesseract   the tesseract command, once per page, on the scans' own 300
#               dpi page images (pdfimages), OMP_THREAD_LIMIT=1 (its best
#               on a shared machine: OpenMP threads only fight each other)
#   ocrmypdf    OCRmyPDF --jobs 2 --sidecar, one document after another
#               (when installed; --output-type pdf --optimize 0: its fastest)
#   tjx -j1/-j2 `tjx run` over all the scans (OCR, normaliser, fields, record)
#
# Targets: tjx -j1 at most 0.95x the tesseract loop's time; tjx -j2 at least
# 1.8x the pages/s of -j1; tjx -j2 faster than OCRmyPDF --jobs 2; peak RSS at
# most 300 MB a worker.  The scans are the corpus's image-only PDFs; while the
# corpus has none, the seeds are set as light scans with tests/tools/mkscan.
#
# Knobs: OCR_BENCH_LANG (swe), OCR_BENCH_QUIET (seconds to wait for the
# 1-minute load average to fall below 0.5 before measuring; default 120).
set -eu
cd "$(dirname "$0")/.."
tjx=bin/tjx
lang=${OCR_BENCH_LANG:-swe}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
OMP_THREAD_LIMIT=1
export OMP_THREAD_LIMIT

for t in tesseract pdfimages pdfinfo pdffonts /usr/bin/time; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "ocr: skipped: $t is missing (apt-get install tesseract-ocr poppler-utils time)"
		exit 1
	fi
done

# ---- the scans ---------------------------------------------------------------
# image-only PDFs: no fonts, so no text layer to take instead of OCR
scans=""
for f in $(find corpus -name 'input.pdf' 2>/dev/null | sort); do
	if [ -z "$(pdffonts "$f" 2>/dev/null | tail -n +3)" ]; then
		scans="$scans $f"
	fi
done
origin="corpus scans"
if [ -z "$scans" ]; then
	seeds=../shared/seeds
	[ -d "$seeds" ] || seeds=/work/shared/seeds
	if [ ! -x tests/tools/mkscan ] || [ ! -d "$seeds" ]; then
		echo "ocr: skipped: the corpus has no scans and tests/tools/mkscan is not here"
		exit 1
	fi
	for s in 001 002 003 004; do
		tests/tools/mkscan --pdf -o "$work/gen" -n "s$s" "$seeds/${s}"_*.txt \
			>"$work/mkscan.log" 2>&1 || { cat "$work/mkscan.log"; exit 1; }
		scans="$scans $work/gen/s$s.pdf"
	done
	origin="the seeds 001-004 as light scans (tests/tools/mkscan; the corpus has none yet)"
fi
pages=0
docs=0
mkdir -p "$work/img"
for f in $scans; do
	docs=$((docs + 1))
	n=$(pdfinfo "$f" | sed -n 's/^Pages: *//p')
	pages=$((pages + n))
	pdfimages -tiff "$f" "$work/img/d$(printf %03d $docs)"
done
images=$(ls "$work/img" | wc -l)
echo "ocr: $docs documents, $pages pages ($origin); $images page images for tesseract"

# ---- a quiet machine ------------------------------------------------------------
wait_s=${OCR_BENCH_QUIET:-120}
load=$(cut -d' ' -f1 /proc/loadavg)
while [ "$wait_s" -gt 0 ] && awk -v l="$load" 'BEGIN { exit !(l >= 0.5) }'; do
	sleep 5
	wait_s=$((wait_s - 5))
	load=$(cut -d' ' -f1 /proc/loadavg)
done
echo "ocr: load average before measuring: $load on $(getconf _NPROCESSORS_ONLN) cores$(awk -v l="$load" 'BEGIN { if (l >= 0.5) printf " (BUSY: figures are unreliable)" }')"

# run NAME CMD...: time CMD; leaves "seconds peak_kb" in $work/NAME
run() {
	name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$work/$name" "$@" >/dev/null 2>"$work/$name.err" || {
		echo "ocr: $name failed:"
		tail -3 "$work/$name.err"
		return 1
	}
}

# ---- the runs -------------------------------------------------------------------
cat >"$work/tess.sh" <<EOF
for i in "$work"/img/*; do tesseract "\$i" - -l $lang >/dev/null 2>&1 || exit 1; done
EOF
run tesseract sh "$work/tess.sh"

have_ocrmypdf=0
if command -v ocrmypdf >/dev/null 2>&1; then
	have_ocrmypdf=1
	cat >"$work/omp.sh" <<EOF
k=0
for f in $scans; do
	k=\$((k + 1))
	ocrmypdf --jobs 2 -l $lang --output-type pdf --optimize 0 --skip-text -q \
		--sidecar "$work/omp-\$k.txt" "\$f" "$work/omp-\$k.pdf" || exit 1
done
EOF
	run ocrmypdf sh "$work/omp.sh"
fi

for j in 1 2; do
	run "tjx-j$j" "$tjx" run -q --force --lenient -j "$j" -o "$work/out-j$j" $scans
done

# ---- the figures ----------------------------------------------------------------
row() { # name label
	read -r s kb <"$work/$1"
	awk -v l="$2" -v s="$s" -v kb="$kb" -v p="$pages" \
		'BEGIN { printf "  %-30s %8.2f s  %6.3f pages/s  peak RSS %4.0f MB\n", l, s, p / s, kb / 1024 }'
}
echo "ocr: $pages pages, lang $lang"
row tesseract "tesseract, page by page"
[ $have_ocrmypdf = 1 ] && row ocrmypdf "ocrmypdf --jobs 2 --sidecar"
row tjx-j1 "tjx run -j1"
row tjx-j2 "tjx run -j2"

read -r tess _ <"$work/tesseract"
read -r j1 kb1 <"$work/tjx-j1"
read -r j2 kb2 <"$work/tjx-j2"
omp=0
[ $have_ocrmypdf = 1 ] && read -r omp _ <"$work/ocrmypdf"
awk -v t="$tess" -v j1="$j1" -v j2="$j2" -v o="$omp" -v kb1="$kb1" -v kb2="$kb2" 'BEGIN {
	ok = "(met)"; no = "(NOT met)"
	r = j1 / t
	printf "  tjx -j1 time / tesseract loop time:  %.2fx  target <= 0.95x %s\n", r, (r <= 0.95 ? ok : no)
	r = j1 / j2
	printf "  tjx -j2 pages/s / tjx -j1 pages/s:   %.2fx  target >= 1.80x %s\n", r, (r >= 1.8 ? ok : no)
	if (o > 0) {
		r = o / j2
		printf "  ocrmypdf time / tjx -j2 time:        %.2fx  target > 1x (tjx faster) %s\n", r, (r > 1 ? ok : no)
	}
	m = (kb1 > kb2 ? kb1 : kb2) / 1024
	printf "  peak RSS of one tjx process:         %.0f MB  target <= 300 MB %s\n", m, (m <= 300 ? ok : no)
}'
