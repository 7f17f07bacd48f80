#!/bin/sh
# bench/normalise.sh - issue 3's figure: normaliser throughput on a large
# legacy text, MB/s on one thread, target at least 20 MB/s; with the naive
# baseline (`hunspell -l`, which only lists the words it does not know) timed
# on the same text in the same run.
#
# The text: the -l eng OCR texts of the municipal documents in
# tests/data/normalise/eng (heldout, seed001-004; not the cfi learning texts)
# and the real legacy OCR of corpus/seed000-legacy, concatenated (about 100 kB,
# some 3,300 distinct words) and repeated to NORM_BENCH_MB megabytes (default 20).
# Repetition is kind to caches, so the first copy (cold: every distinct word
# new to the normaliser) is also timed on its own.  Figures are CPU seconds of
# the normaliser itself (`tjx normalise --stats`: norm_doc only) and of the
# whole command, each the median of three runs, and of hunspell's whole
# command (one run: it takes half a minute).
set -eu
mb=${NORM_BENCH_MB:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat tests/data/normalise/eng/heldout*.txt tests/data/normalise/eng/seed*.txt \
	corpus/seed000-legacy/input.txt >"$tmp/one.txt"
one=$(wc -c <"$tmp/one.txt")
n=$(( (mb * 1000000 + one - 1) / one ))
i=0
: >"$tmp/big.txt"
while [ $i -lt $n ]; do cat "$tmp/one.txt" >>"$tmp/big.txt"; i=$((i + 1)); done
size=$(wc -c <"$tmp/big.txt")

# cpu SECONDS of a command: user + system, from GNU time
cpu() {
	/usr/bin/time -f '%U %S %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || {
		cat "$tmp/err" >&2
		return 1
	}
	awk '{ printf "%.3f %d", $1 + $2, $3 }' "$tmp/time"
}

stage() { # MB/s of norm_doc, from --stats
	sed -n 's/.* in \([0-9.]*\) s of CPU.*/\1/p' "$tmp/err"
}

set -- $(cpu bin/tjx normalise --stats "$tmp/one.txt")
cold_sec=$(stage)
# three runs, the median of each figure: timings on a shared machine drift
# by tens of percent from one minute to the next
runs=""
for i in 1 2 3; do
	set -- $(cpu bin/tjx normalise --stats "$tmp/big.txt")
	runs="$runs$1 $2 $(stage)
"
done
med() { printf '%s' "$runs" | awk -v f="$1" 'NF { print $f }' | sort -n | sed -n 2p; }
tjx_cmd=$(med 1) tjx_rss=$(med 2) tjx_stage=$(med 3)
set -- $(cpu hunspell -l -d sv_SE "$tmp/big.txt")
hun_cmd=$1 hun_rss=$2

# Varied text, the honest figure for a batch of new documents: the -l eng
# texts of the development set and the cfi learning texts once each (every
# document's words new to the normaliser but for what Swedish shares).
cat tests/data/normalise/eng/dev*.txt tests/data/normalise/eng/cfi*.txt >"$tmp/varied.txt"
vsize=$(wc -c <"$tmp/varied.txt")
set -- $(cpu bin/tjx normalise --stats "$tmp/varied.txt")
var_cmd=$1
var_stage=$(stage)
set -- $(cpu hunspell -l -d sv_SE "$tmp/varied.txt")
var_hun=$1

awk -v size="$size" -v one="$one" -v cold="$cold_sec" -v st="$tjx_stage" -v cmd="$tjx_cmd" \
    -v rss="$tjx_rss" -v hun="$hun_cmd" -v hrss="$hun_rss" -v vsize="$vsize" \
    -v vst="$var_stage" -v vcmd="$var_cmd" -v vhun="$var_hun" 'BEGIN {
	mbs = size / 1e6
	printf "text: %.1f MB (%d copies of %d bytes of -l eng OCR)\n", mbs, size / one, one
	printf "normaliser (norm_doc, one thread): %.2f s, %.1f MB/s %s\n", st, mbs / st,
	       (mbs / st >= 20 ? "(target 20 MB/s met)" : "(target 20 MB/s NOT met)")
	printf "normaliser, first copy alone (cold caches): %.3f s, %.2f MB/s\n", cold, one / 1e6 / cold
	printf "tjx normalise, whole command (read, NFC, normalise, write): %.2f s, %.1f MB/s, max RSS %d MB\n",
	       cmd, mbs / cmd, rss / 1024
	printf "hunspell -l -d sv_SE (baseline, finds unknown words only): %.2f s, %.2f MB/s, max RSS %d MB\n",
	       hun, mbs / hun, hrss / 1024
	printf "  ratio tjx normalise / hunspell -l, whole commands: %.1fx faster\n", hun / cmd
	printf "  ratio normaliser stage / hunspell -l: %.1fx faster\n", hun / st
	printf "varied text, no repetition: %.2f MB (the development and cfi -l eng texts once)\n", vsize / 1e6
	printf "  normaliser (norm_doc): %.2f s, %.2f MB/s; whole command %.2f s; hunspell -l %.2f s\n",
	       vst, vsize / 1e6 / vst, vcmd, vhun
}'
