#!/bin/sh
# --threads: the rows of every bundled query, in JSON and in text, and the
# per-query summary lines must be byte-identical to a one-thread run, on every
# shared capture and on a generated trace whose attacks give rows in many windows.
set -u
BUILD=${BUILD:-build}
TRACES=${TRACES:-../shared/traces}
SONATA=$BUILD/sonata
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
cases=0

# The query table of the summary: lines from "  query" up to the end.
query_lines() {
	sed -n '/^  query /,$p' "$1"
}

check() { # NAME FILE THREADS FORMAT
	cases=$((cases + 1))
	for t in 1 "$3"; do
		if ! "$SONATA" run -r "$2" --threads "$t" --format "$4" --no-progress \
			>"$tmp/out.$t" 2>"$tmp/err.$t"; then
			echo "FAIL $1: sonata --threads $t exited with status $?"
			cat "$tmp/err.$t"
			failed=$((failed + 1))
			return
		fi
		query_lines "$tmp/err.$t" >"$tmp/sum.$t"
	done
	if ! cmp -s "$tmp/out.1" "$tmp/out.$3"; then
		echo "FAIL $1: rows of --threads $3 differ from --threads 1 ($4):"
		diff "$tmp/out.1" "$tmp/out.$3" | head -n 20
		failed=$((failed + 1))
	elif ! [ -s "$tmp/sum.1" ] || ! cmp -s "$tmp/sum.1" "$tmp/sum.$3"; then
		echo "FAIL $1: query summary of --threads $3 differs from --threads 1:"
		diff "$tmp/sum.1" "$tmp/sum.$3" | head -n 20
		failed=$((failed + 1))
	else
		echo "ok   $1 --threads $3 --format $4 ($(wc -l <"$tmp/out.1") lines)"
	fi
}

for f in "$TRACES"/*.pcap "$TRACES"/*.pcapng; do
	[ -e "$f" ] || continue
	check "$(basename "$f")" "$f" 2 json
done

# 300,000 packets over about 170 s: the eleven attacks of the generator one
# after another, so most queries report rows, in many windows.
gen="$tmp/gen.pcap"
if ! "$SONATA" gen -o "$gen" -n 300000 -r 1800 --hosts 2000 --snaplen 128 \
	--attack all --seed 7 >/dev/null 2>"$tmp/gen.log"; then
	echo "FAIL generating the trace:"
	cat "$tmp/gen.log"
	exit 1
fi
for t in 2 3 11; do
	check generated "$gen" "$t" json
done
check generated "$gen" 2 text
rows=$("$SONATA" run -r "$gen" --threads 1 --no-progress --no-summary | wc -l)
if [ "$rows" -lt 20 ]; then
	echo "FAIL generated: only $rows rows, too few to compare their order"
	failed=$((failed + 1))
fi
echo "threads: $cases cases, $failed failed"
[ "$failed" -eq 0 ]
