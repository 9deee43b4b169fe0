#!/bin/sh
# Run every unit test binary given, then every tests/e2e/*.sh script, and
# print one total line. Exit status is non-zero when anything failed.
set -u
passed=0
failed=0
failures=""
for t in "$@"; do
	echo "== $t"
	if "$t"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $t"
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
[ "$failed" -eq 0 ]
