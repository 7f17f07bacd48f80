#!/bin/sh
# valgrind.sh BIN - run the text pipeline under valgrind's memcheck on every
# seed: any invalid read/write, use of uninitialised memory or definite leak
# fails the test.  (OCR is left to the sanitizer run: valgrind makes a page
# take minutes.)
set -eu
bin=${1:-bin/tjx}
seeds=../shared/seeds
[ -d "$seeds" ] || seeds=/work/shared/seeds
if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind.sh: valgrind is not installed (make deps-test installs it)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# PCRE2's JIT code confuses memcheck: interpret patterns instead
export TJX_JIT=0
vg="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite"
fail=0
for f in "$seeds"/*.txt; do
	for cmd in "fields --lenient" "normalise --explain"; do
		rc=0
		$vg "$bin" $cmd "$f" >"$tmp/stdout" 2>"$tmp/err" || rc=$?
		if [ $rc -eq 99 ]; then
			echo "valgrind: errors in '$bin $cmd $f':" >&2
			cat "$tmp/err" >&2
			fail=1
		fi
	done
done
mkdir -p "$tmp/in" && cp "$seeds"/*.txt "$tmp/in/"
# the batch forks workers: follow them; with --quiet any "==PID==" line is an error
$vg --trace-children=yes "$bin" run -q -j 2 -o "$tmp/records" "$tmp/in" 2>"$tmp/err" || true
if grep -q '^==[0-9]*==' "$tmp/err"; then
	echo "valgrind: errors in '$bin run':" >&2
	cat "$tmp/err" >&2
	fail=1
fi
[ $fail -eq 0 ] && echo "valgrind: clean"
exit $fail
