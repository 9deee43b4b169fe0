#!/bin/sh
# Refinement on a generated capture whose attacks last 60 s (15 windows of 4 s). The plans
# are --plan fixed-ref, --plan sonata and plan files from `sonata plan -r`. With each, every
# row is a row of the exact engine (nothing false) and no row names a background host. Every
# attack is reported by its query in every window inside the attack that starts after the
# query's refinement delay. The plan with tight switch limits (600,000 register bits per
# stage, 4 stages) makes the sonata planner refine superspreader on /8.
set -u
BUILD=${BUILD:-build}
sonata="$BUILD/sonata"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
kinds=ddos,new_tcp_conns,superspreader,port_scan,dns_reflection,syn_flood

durations=""
for k in $(echo "$kinds" | tr , ' '); do
	durations="$durations --$k-duration 60"
done
# shellcheck disable=SC2086
"$sonata" gen -o "$tmp/g.pcap" --attack "$kinds" $durations --seed 5 >/dev/null || {
	echo "FAIL: sonata gen exited with status $?"
	exit 1
}
"$sonata" run -r "$tmp/g.pcap" --no-summary --no-progress | sort >"$tmp/exact" || {
	echo "FAIL: sonata run (exact) exited with status $?"
	exit 1
}
"$sonata" plan -r "$tmp/g.pcap" --json >"$tmp/plan.json" || {
	echo "FAIL: sonata plan -r exited with status $?"
	exit 1
}
"$sonata" plan -r "$tmp/g.pcap" --limits bits=600000,stages=4 --json >"$tmp/tight.json" || {
	echo "FAIL: sonata plan -r --limits exited with status $?"
	exit 1
}

window_of() {
	sed -n 's/^query [a-z_]*(.*window = \([0-9.]*\).*/\1/p' "queries/$1.sq"
}

jq -r '.attacks[] | [.kind, .victim, .attacker, .attacker_last, .start, .end] | @tsv' \
	"$tmp/g.truth.json" >"$tmp/attacks"
[ "$(wc -l <"$tmp/attacks")" -eq 6 ] || { echo "FAIL: expected 6 attacks in the truth"; exit 1; }

# Windows in which query $1 reported the victim $2 or the attacker range $3..$4 in rows $5.
reported() {
	jq -r --arg q "$1" --arg v "$2" --arg a "$3" --arg l "$4" '
		def ip2n: split(".") | map(tonumber) | .[0]*16777216 + .[1]*65536 + .[2]*256 + .[3];
		def attacker: ($a | test("^[0-9.]+$")) and
			(test("^[0-9.]+$")) and (ip2n >= ($a | ip2n)) and (ip2n <= ($l | ip2n));
		select(.query == $q) |
		select(.key | to_entries | any(.value == $v or (.value | tostring | attacker))) |
		.window_start' "$5" | sort -u
}

# Check the rows of one plan ($1: name, $2: rows, $3: summary on standard error).
check_plan() {
	name=$1 rows=$2 summary=$3
	sort "$rows" >"$rows.sorted"
	false_rows=$(comm -23 "$rows.sorted" "$tmp/exact" | wc -l)
	if [ "$false_rows" -ne 0 ]; then
		echo "FAIL $name: $false_rows rows that the exact engine does not report:"
		comm -23 "$rows.sorted" "$tmp/exact" | head -n 3
		failed=$((failed + 1))
	fi
	background=$(jq -c '
		def ip2n: split(".") | map(tonumber) | .[0]*16777216 + .[1]*65536 + .[2]*256 + .[3];
		def in_attack_range: test("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$") and
			((ip2n >= ("100.64.0.0" | ip2n) and ip2n <= ("100.127.255.255" | ip2n)) or
			 (ip2n >= ("198.18.0.0" | ip2n) and ip2n <= ("198.19.255.255" | ip2n)));
		select(.key | to_entries | any(.value | tostring | in_attack_range) | not)' \
		"$rows" | wc -l)
	if [ "$background" -ne 0 ]; then
		echo "FAIL $name: $background rows keyed by background hosts"
		failed=$((failed + 1))
	fi
	# The summary's rows column (sixth from the end) counts each query's output rows.
	awk '/ to SP / { on = 1; next } on && NF >= 9 { print $1, $(NF - 5), $(NF - 4) }' \
		"$summary" >"$tmp/counts"
	[ "$(wc -l <"$tmp/counts")" -eq 11 ] || {
		echo "FAIL $name: the summary lists $(wc -l <"$tmp/counts") queries, not 11"
		failed=$((failed + 1))
	}
	while read -r query nrows windows; do
		got_rows=$(jq -r --arg q "$query" 'select(.query == $q) | .query' "$rows" | wc -l)
		if [ "$nrows" -ne "$got_rows" ] || [ "$windows" -eq 0 ]; then
			echo "FAIL $name $query: summary shows $nrows rows in $windows windows," \
				"output has $got_rows rows"
			failed=$((failed + 1))
		fi
	done <"$tmp/counts"
	while read -r kind victim attacker last start end; do
		w=$(window_of "$kind")
		# The delay is the last column of the query's line in the switch model summary.
		delay=$(awk -v q="$kind" '$1 == q && NF >= 9 { d = $NF } END { print d + 0 }' \
			"$summary")
		need=$(awk -v s="$start" -v e="$end" -v w="$w" -v d="$delay" 'BEGIN {
			first = (int(s / w) + (s % w > 0)) * w + d * w
			for (t = first; t + w <= e; t += w) printf "%d\n", t
		}')
		[ -n "$need" ] || { echo "FAIL $name $kind: no window to check"; failed=$((failed + 1)); continue; }
		reported "$kind" "$victim" "$attacker" "$last" "$rows" >"$tmp/got"
		missing=""
		for t in $need; do
			grep -qx "$t" "$tmp/got" || missing="$missing $t"
		done
		if [ -n "$missing" ]; then
			echo "FAIL $name $kind (delay $delay): not reported in windows starting at$missing"
			failed=$((failed + 1))
		else
			echo "ok   $name $kind: delay $delay, reported in $(wc -l <"$tmp/got") windows"
		fi
	done <"$tmp/attacks"
}

for plan in fixed-ref sonata "$tmp/plan.json" "$tmp/tight.json"; do
	name=$(basename "$plan")
	"$sonata" run -r "$tmp/g.pcap" --plan "$plan" --no-progress >"$tmp/rows.$name" \
		2>"$tmp/summary.$name" || {
		echo "FAIL $name: sonata run --plan exited with status $?"
		cat "$tmp/summary.$name"
		failed=$((failed + 1))
		continue
	}
	check_plan "$name" "$tmp/rows.$name" "$tmp/summary.$name"
done
# The refined plans must refine something, or the test proves little.
for name in fixed-ref tight.json; do
	grep -q '^  superspreader *0 -> 8 -> ' "$tmp/summary.$name" || {
		echo "FAIL $name: superspreader did not run with a /8 level"
		failed=$((failed + 1))
	}
done

echo "refine gen: $failed failed"
[ "$failed" -eq 0 ]
