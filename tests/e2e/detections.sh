#!/bin/sh
# Each attack capture is reported by the task it exercises, with its attacker
# or victim, and each negative control reports nothing for its tasks. The
# cases are in tests/e2e/detections.tsv (also the table in docs/detections.md).
set -u
BUILD=${BUILD:-build}
TRACES=${TRACES:-../shared/traces}
sonata="$BUILD/sonata"
failed=0
cases=0
tab=$(printf '\t')

while IFS="$tab" read -r capture task defines host expect; do
	case "$capture" in '#'* | '') continue ;; esac
	cases=$((cases + 1))
	set --
	if [ "$defines" != "-" ]; then
		for d in $defines; do set -- "$@" -D "$d"; done
	fi
	out=$("$sonata" run -r "$TRACES/$capture" -q "queries/$task.sq" "$@" \
		--no-summary --no-progress) || {
		echo "FAIL $capture $task: sonata exited with status $?"
		failed=$((failed + 1))
		continue
	}
	rows=$(printf '%s\n' "$out" | grep -c '^{')
	hits=$(printf '%s\n' "$out" | grep '^{' |
		jq -r --arg h "$host" 'select(.key | to_entries | any(.value == $h)) | .window_start' |
		wc -l)
	if [ "$expect" = detect ] && [ "$hits" -eq 0 ]; then
		echo "FAIL $capture $task ($defines): $host not reported; rows:"
		printf '%s\n' "$out" | head -n 5
		failed=$((failed + 1))
	elif [ "$expect" = none ] && [ "$rows" -ne 0 ]; then
		echo "FAIL $capture $task: negative control reported $rows rows:"
		printf '%s\n' "$out" | head -n 5
		failed=$((failed + 1))
	else
		echo "ok   $capture $task: $expect ($hits windows with $host, $rows rows)"
	fi
done < tests/e2e/detections.tsv

echo "detections: $cases cases, $failed failed"
[ "$failed" -eq 0 ]
