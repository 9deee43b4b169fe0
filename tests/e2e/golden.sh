#!/bin/sh
# Golden results: each tests/golden/results/NAME.sq names a capture in a
# "# capture:" comment; its rows must equal NAME.expected line for line. The
# expected rows were checked against tshark as each file's header says.
set -u
BUILD=${BUILD:-build}
TRACES=${TRACES:-../shared/traces}
failed=0
cases=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for q in tests/golden/results/*.sq; do
	cases=$((cases + 1))
	capture=$(sed -n 's/^# capture: //p' "$q")
	if ! "$BUILD/sonata" run -r "$TRACES/$capture" -q "$q" --no-summary --no-progress \
		>"$out"; then
		echo "FAIL $q: sonata exited with status $?"
		failed=$((failed + 1))
	elif ! diff -u "${q%.sq}.expected" "$out"; then
		echo "FAIL $q: rows differ from ${q%.sq}.expected (shown above)"
		failed=$((failed + 1))
	else
		echo "ok   $q"
	fi
done
echo "golden results: $cases cases, $failed failed"
[ "$failed" -eq 0 ]
