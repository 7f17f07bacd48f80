#!/bin/sh
# bench/fields.sh - issue 5's figure: documents per second on text input, one
# thread, target at least 1,000.  The corpus's clean seed texts, many rounds.
set -eu
seeds=../shared/seeds
[ -d "$seeds" ] || seeds=/work/shared/seeds
files=$(ls "$seeds"/00[1-4]_*.txt)
rounds=${FIELDS_ROUNDS:-250}
OMP_THREAD_LIMIT=1
export OMP_THREAD_LIMIT
for mode in --no-normalise ""; do
	line=$(bin/bench-fields $mode "$rounds" $files)
	rate=$(echo "$line" | sed -n 's/.*: \([0-9]*\) documents\/s.*/\1/p')
	echo "fields ${mode:-(with normaliser)}: $line"
	awk -v r="$rate" 'BEGIN { printf "  ratio to the target of 1000 documents/s: %.2fx %s\n", r / 1000, (r >= 1000 ? "(met)" : "(NOT met)") }'
done
