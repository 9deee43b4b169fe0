#!/bin/sh
# Run every unit test binary given, then every tests/e2e/*.sh script, and
# print one total line. A cmocka binary counts as many tests as it ran; an
# end-to-end script counts as one. Exit status is non-zero when anything failed.
set -u
passed=0
failed=0
failures=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Add the counts of one cmocka run, read from its "[  PASSED  ] N test(s)."
# and "[  FAILED  ] N test(s), listed below:" lines.
count_cmocka() {
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:$/\1/p' "$log" | tail -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
}

for t in "$@"; do
	echo "== $t"
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	count_cmocka
	if [ "$rc" -ne 0 ]; then
		failures="$failures $t"
		# A crash or an early exit may print no summary: count it once.
		grep -q '^\[  FAILED  \]' "$log" || failed=$((failed + 1))
	fi
done
for s in tests/e2e/*.sh; do
	[ -e "$s" ] || continue
	echo "== $s"
	if sh "$s"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $s"
	fi
done
echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ -z "$failures" ]
