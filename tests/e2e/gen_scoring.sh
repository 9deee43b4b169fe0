#!/bin/sh
# Score the bundled queries on a generated capture against its ground truth:
# every injected attack is reported by its task with its victim or attacker
# in every task window that lies inside the attack, and the background
# (hosts outside the attack ranges 100.64.0.0/10 and 198.18.0.0/15) gives no
# row at all with the bundled defaults.
set -u
BUILD=${BUILD:-build}
sonata="$BUILD/sonata"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

"$sonata" gen -o "$tmp/g.pcap" --attack all --seed 11 >/dev/null || {
	echo "FAIL: sonata gen exited with status $?"
	exit 1
}
"$sonata" run -r "$tmp/g.pcap" --no-summary --no-progress >"$tmp/rows" || {
	echo "FAIL: sonata run exited with status $?"
	exit 1
}

# Window length of a bundled query, from its parameter list.
window_of() {
	sed -n 's/^query [a-z_]*(.*window = \([0-9.]*\).*/\1/p' "queries/$1.sq"
}

# One line per attack: kind victim attacker attacker_last start end.
jq -r '.attacks[] | [.kind, .victim, .attacker, .attacker_last, .start, .end] | @tsv' \
	"$tmp/g.truth.json" >"$tmp/attacks"
[ -s "$tmp/attacks" ] || { echo "FAIL: no attacks in the ground truth"; exit 1; }

while read -r kind victim attacker last start end; do
	w=$(window_of "$kind")
	# Windows of this task that lie inside [start, end]; zorro reports in the
	# window after the brute force, so its first inner window is not required.
	need=$(awk -v s="$start" -v e="$end" -v w="$w" -v k="$kind" 'BEGIN {
		first = (int(s / w) + (s % w > 0)) * w
		if (k == "zorro") first += w
		for (t = first; t + w <= e; t += w) printf "%d\n", t
	}')
	# Windows in which the task reported the victim or the attacker range.
	jq -r --arg q "$kind" --arg v "$victim" --arg a "$attacker" --arg l "$last" '
		def ip2n: split(".") | map(tonumber) | .[0]*16777216 + .[1]*65536 + .[2]*256 + .[3];
		def attacker: ($a | test("^[0-9.]+$")) and
			(test("^[0-9.]+$")) and (ip2n >= ($a | ip2n)) and (ip2n <= ($l | ip2n));
		select(.query == $q) |
		select(.key | to_entries | any(.value == $v or (.value | tostring | attacker))) |
		.window_start' "$tmp/rows" | sort -u >"$tmp/got"
	if [ ! -s "$tmp/got" ]; then
		echo "FAIL $kind: victim $victim / attacker $attacker not reported at all"
		failed=$((failed + 1))
		continue
	fi
	missing=""
	for t in $need; do
		grep -qx "$t" "$tmp/got" || missing="$missing $t"
	done
	if [ -n "$missing" ]; then
		echo "FAIL $kind: not reported in windows starting at$missing"
		failed=$((failed + 1))
	else
		echo "ok   $kind: reported in $(wc -l <"$tmp/got") windows"
	fi
done <"$tmp/attacks"

# Rows keyed only by background hosts are false positives.
jq -c '
	def ip2n: split(".") | map(tonumber) | .[0]*16777216 + .[1]*65536 + .[2]*256 + .[3];
	def in_attack_range: test("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$") and
		((ip2n >= ("100.64.0.0" | ip2n) and ip2n <= ("100.127.255.255" | ip2n)) or
		 (ip2n >= ("198.18.0.0" | ip2n) and ip2n <= ("198.19.255.255" | ip2n)));
	select(.key | to_entries | any(.value | tostring | in_attack_range) | not)' \
	"$tmp/rows" >"$tmp/false"
if [ -s "$tmp/false" ]; then
	echo "FAIL background: $(wc -l <"$tmp/false") rows keyed by background hosts:"
	head -n 5 "$tmp/false"
	failed=$((failed + 1))
else
	echo "ok   background: no rows ($(wc -l <"$tmp/rows") rows, all on attack hosts)"
fi

echo "gen scoring: $(wc -l <"$tmp/attacks") attacks, $failed failed"
[ "$failed" -eq 0 ]
