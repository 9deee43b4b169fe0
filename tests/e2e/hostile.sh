#!/bin/sh
# Hostile input through `sonata run`: cut and malformed captures, odd file
# headers, bad paths and bad query files. Each case checks the exit status and
# the message, and that no input crashes or hangs the program. The captures are
# written at run time by tests/e2e/hostile/hostile_gen.c into a temporary
# directory; the cut points come from a real trace.
set -u
BUILD=${BUILD:-build}
TRACES=${TRACES:-../shared/traces}
sonata="$BUILD/sonata"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
cases=0

fail() {
	echo "FAIL $*"
	failed=$((failed + 1))
}

# run NAME EXPECTED_STATUS ARGS...: run sonata with a time limit, keeping its
# output in $tmp/out and $tmp/err; a status other than the expected fails.
run() {
	name=$1
	want=$2
	shift 2
	cases=$((cases + 1))
	timeout 60 "$sonata" run --no-progress "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$name: exit status $got, expected $want; stderr:"
		head -n 5 "$tmp/err"
		return 1
	fi
	return 0
}

# expect_err NAME TEXT: standard error contains TEXT (a fixed string).
expect_err() {
	if ! grep -qF -- "$2" "$tmp/err"; then
		fail "$1: stderr lacks \"$2\"; stderr:"
		head -n 5 "$tmp/err"
		return 1
	fi
	echo "ok   $1"
}

# expect_rows NAME N: the run printed N result rows.
expect_rows() {
	[ "$(rows)" -eq "$2" ] && return 0
	fail "$1: $(rows) rows, expected $2"
	return 1
}

# rows: the number of result rows; total: the sum of their count values.
rows() {
	grep -c '^{' "$tmp/out"
}

total() {
	jq -s 'map(.values.count) | add // 0' "$tmp/out"
}

if ! cc -std=gnu11 -O1 -Wall -Wextra -o "$tmp/gen" tests/e2e/hostile/hostile_gen.c; then
	echo "hostile: cannot compile tests/e2e/hostile/hostile_gen.c"
	exit 1
fi
gen="$tmp/gen"
q="$tmp/per_src.sq"
cat >"$q" <<'EOF'
# Packets per source address per second.
query per_src(window = 1) {
    packets
        | filter ip.proto == 6 or ip.proto == 17
        | reduce count() by ip.src
}
EOF

# --- A real capture cut at record boundaries, in record headers and in data.
trace="$TRACES/zeek_sshguess.pcap"
"$gen" offsets "$trace" >"$tmp/offsets" || exit 1
n_records=$(($(wc -l <"$tmp/offsets") - 1))
cut="$tmp/cut.pcap"
cuts=0
i=0
# Every ninth record, 48 in all: 3 cut points each, 144 in all.
while [ "$i" -lt "$n_records" ]; do
	off=$(sed -n "$((i + 1))p" "$tmp/offsets")
	next=$(sed -n "$((i + 2))p" "$tmp/offsets")
	head -c "$off" "$trace" >"$cut"
	if run "cut $off (record boundary)" 0 -r "$cut" -q "$q" --no-summary; then
		cp "$tmp/out" "$tmp/boundary"
		[ "$(total)" -eq "$i" ] || fail "cut $off: rows count $(total) packets, expected $i"
	fi
	for at in $((off + 7)) $(((off + next) / 2 + 8)); do
		cuts=$((cuts + 1))
		head -c "$at" "$trace" >"$cut"
		run "cut $at" 1 -r "$cut" -q "$q" --no-summary || continue
		expect_err "cut $at: message" "$cut: truncated record" >/dev/null &&
			expect_err "cut $at: offset" "at byte offset $off:" >/dev/null
		cmp -s "$tmp/out" "$tmp/boundary" ||
			fail "cut $at: rows differ from the rows of the $i records before the cut"
	done
	i=$((i + 9))
done
echo "ok   cut at $cuts points inside records and $((cuts / 2)) record boundaries"

# Through standard input the libpcap reader reports the same offset.
off=$(sed -n 101p "$tmp/offsets")
head -c $((off + 20)) "$trace" >"$cut"
if run "cut on standard input" 1 -r - -q "$q" --no-summary <"$cut"; then
	expect_err "cut on standard input" "standard input: invalid record at byte offset $off:"
	[ "$(total)" -eq 100 ] || fail "cut on standard input: rows count $(total) packets, not 100"
fi

# --- File headers and records.
"$gen" snap0 "$tmp/snap0.pcap"
run "snaplen 0" 0 -r "$tmp/snap0.pcap" -q "$q" &&
	expect_rows "snaplen 0" 2 && expect_err "snaplen 0" "decoded 2, malformed 0"
"$gen" snapmax "$tmp/snapmax.pcap"
run "snaplen 262144" 0 -r "$tmp/snapmax.pcap" -q "$q" &&
	expect_rows "snaplen 262144" 2 && expect_err "snaplen 262144" "decoded 2, malformed 0"
"$gen" oversnap "$tmp/oversnap.pcap"
over_snaplen="invalid record at byte offset 80:"
over_snaplen="$over_snaplen captured length 54 exceeds the file's snaplen 40"
if run "record over the snaplen" 1 -r "$tmp/oversnap.pcap" -q "$q"; then
	expect_err "record over the snaplen" "oversnap.pcap: $over_snaplen"
	[ "$(rows)" -eq 1 ] ||
		fail "record over the snaplen: $(rows) rows, expected the 1 before it"
fi
"$gen" timestamps "$tmp/ts.pcap"
if run "zero and backwards timestamps" 0 -r "$tmp/ts.pcap" -q "$q"; then
	# Epoch 0 opens a window; later packets older than the open window count in it.
	[ "$(jq -s 'map(.window_start) | join(",")' "$tmp/out")" = '"0,1700000000,1700000001"' ] ||
		fail "timestamps: windows $(jq -s -c 'map(.window_start)' "$tmp/out")"
	[ "$(total)" -eq 5 ] && echo "ok   timestamps" ||
		fail "timestamps: $(total) packets counted, not 5"
fi
"$gen" linktype "$tmp/link.pcap"
if run "unknown link type" 0 -r "$tmp/link.pcap" -q "$q"; then
	expect_rows "unknown link type" 0
	expect_err "unknown link type: warning" "warning: link type 65000 is not supported"
	[ "$(grep -c 'is not supported' "$tmp/err")" -eq 1 ] ||
		fail "unknown link type: warned twice"
	grep -Eq '^  malformed: unsupported link type +2$' "$tmp/err" &&
		echo "ok   unknown link type: summary" ||
		fail "unknown link type: summary does not count 2 packets"
fi
# The libpcap reader (standard input) treats file headers the same way.
for c in snap0 snapmax; do
	run "$c on standard input" 0 -r - -q "$q" <"$tmp/$c.pcap" &&
		expect_rows "$c on standard input" 2 &&
		expect_err "$c on standard input" "decoded 2, malformed 0"
done
run "record over the snaplen on standard input" 1 -r - -q "$q" <"$tmp/oversnap.pcap" &&
	expect_err "record over the snaplen on standard input" "standard input: $over_snaplen"

# --- Malformed packets: each counted once under its reason, the good ones kept.
for c in ip4hlen:"IPv4 header length below 20 bytes" \
	 tcpoff:"invalid TCP data offset" \
	 dnscount:"truncated DNS message" \
	 dnschain:"invalid DNS compression pointer"; do
	name=${c%%:*}
	reason=${c#*:}
	"$gen" "$name" "$tmp/$name.pcap"
	run "$name" 0 -r "$tmp/$name.pcap" -q "$q" || continue
	expect_err "$name" "decoded 2, malformed 1" >/dev/null &&
		grep -Eq "malformed: $reason +1\$" "$tmp/err" && echo "ok   $name counted" ||
		fail "$name: no summary line \"malformed: $reason 1\""
done
"$gen" malformed "$tmp/malformed.pcap"
if run "malformed mix" 0 -r "$tmp/malformed.pcap" -q "$q"; then
	expect_err "malformed mix" "decoded 2, malformed 4"
	[ "$(grep -c '^  malformed: .* 1$' "$tmp/err")" -eq 4 ] ||
		fail "malformed mix: expected 4 reasons counted once"
fi

# --- Paths.
: >"$tmp/empty.pcap"
run "empty file" 1 -r "$tmp/empty.pcap" -q "$q" &&
	expect_err "empty file" "empty.pcap: empty file, not a capture"
run "directory" 1 -r "$tmp" -q "$q" && expect_err "directory" "$tmp: is a directory"
run "missing file" 1 -r "$tmp/missing.pcap" -q "$q" &&
	expect_err "missing file" "missing.pcap: No such file or directory"

# --- Interfaces, filters and users: one message each.
run "missing interface" 1 -i sonata-none0 -q "$q" &&
	expect_err "missing interface" "error: sonata-none0: cannot capture: No such device exists"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "missing interface: $(wc -l <"$tmp/err") lines of messages"
run "invalid filter" 1 -r "$tmp/snap0.pcap" -q "$q" -f "tcp port" &&
	expect_err "invalid filter" "invalid capture filter \"tcp port\": can't parse filter"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "invalid filter: $(wc -l <"$tmp/err") lines of messages"
run "unknown -Z user" 1 -r "$tmp/snap0.pcap" -q "$q" -Z sonata-nosuchuser &&
	expect_err "unknown -Z user" "-Z: user 'sonata-nosuchuser' not found"

# --- Query files and parameters.
run "missing query file" 1 -r "$tmp/snap0.pcap" -q "$tmp/missing.sq" &&
	expect_err "missing query file" \
		"missing.sq: failed to open query file: No such file or directory"
run "query file /dev/zero" 1 -r "$tmp/snap0.pcap" -q /dev/zero &&
	expect_err "query file /dev/zero" "/dev/zero: query file is larger than 64 MB"
run "query file is a directory" 1 -r "$tmp/snap0.pcap" -q "$tmp" &&
	expect_err "query file is a directory" "$tmp: failed to read query file: Is a directory"
run "capture /dev/zero" 1 -r /dev/zero -q "$q" &&
	expect_err "capture /dev/zero" "/dev/zero: not a pcap or pcapng file (magic 0x00000000)"
run "negative -D" 1 -r "$tmp/snap0.pcap" -q "$q" -q queries/syn_flood.sq -D threshold=-5 &&
	expect_err "negative -D" "error: parameter \`threshold\` is -5, but expressions need a" &&
	expect_err "negative -D: range" "whole number from 0 to 18446744073709551615"
run "unknown -D" 1 -r "$tmp/snap0.pcap" -q "$q" -D nosuch=3 &&
	expect_err "unknown -D" \
		"no loaded query has a parameter \`nosuch\` (known parameters: per_src.window)"
{
	printf 'query long(window = 1) { packets | filter ip.len == "'
	head -c 10000000 /dev/zero | tr '\0' a
	printf '" | reduce count() by ip.src }\n'
} >"$tmp/long.sq"
run "10 MB query line" 1 -r "$tmp/snap0.pcap" -q "$tmp/long.sq" &&
	expect_err "10 MB query line" "long.sq:1:43: error: cannot compare number ip.len with"
[ "$(wc -c <"$tmp/err")" -lt 2000 ] ||
	fail "10 MB query line: message of $(wc -c <"$tmp/err") bytes"
{
	printf '# '
	head -c 10000000 /dev/zero | tr '\0' x
	printf '\n'
	cat "$q"
} >"$tmp/comment.sq"
run "10 MB comment line" 0 -r "$tmp/snap0.pcap" -q "$tmp/comment.sq" &&
	expect_rows "10 MB comment line" 2 && echo "ok   10 MB comment line"

# --- Key explosion: a spoofed flood against --max-keys.
flood="$TRACES/stopddos_pkt.TCP.synflood.spoofed.pcap"
ss=queries/superspreader.sq
if run "flood without a limit" 0 -r "$flood" -q "$ss" --max-keys 0 -D threshold=1; then
	cp "$tmp/out" "$tmp/unlimited"
	grep -q '"incomplete": true' "$tmp/out" &&
		fail "flood without a limit: rows marked incomplete"
	[ "$(rows)" -gt 1000 ] || fail "flood without a limit: only $(rows) rows"
fi
warning="query superspreader reached --max-keys 1000 in 2 windows;"
warning="$warning its rows there are marked incomplete: raise --max-keys"
if run "flood over --max-keys" 0 -r "$flood" -q "$ss" --max-keys 1000 -D threshold=1; then
	expect_err "flood over --max-keys: warning" "$warning"
	[ "$(grep -c '"incomplete": true' "$tmp/out")" -ge 1 ] ||
		fail "flood over --max-keys: no row marked incomplete"
	grep -Eq '^  superspreader +[0-9]+ +[0-9]+ +6 +2$' "$tmp/err" &&
		echo "ok   flood over --max-keys: summary counts 2 incomplete windows" ||
		fail "flood over --max-keys: summary does not count 2 incomplete windows of 6"
	# The windows under the limit are reported in full, as without a limit.
	cut_windows=$(jq -r 'select(.incomplete) | .window_start' "$tmp/out" | sort -u)
	for w in $cut_windows; do
		grep -v "\"window_start\": $w," "$tmp/unlimited" >"$tmp/complete"
		cp "$tmp/complete" "$tmp/unlimited"
	done
	[ "$(jq -s 'map(select(.incomplete | not)) | length' "$tmp/out")" -gt 0 ] &&
		grep -v '"incomplete": true' "$tmp/out" | cmp -s - "$tmp/unlimited" &&
		echo "ok   complete windows equal under --max-keys" ||
		fail "flood over --max-keys: complete windows differ from the run without a limit"
fi
run "flood, no summary" 0 -r "$flood" -q "$ss" --max-keys 1000 --no-summary &&
	expect_err "flood, no summary: warning" "$warning"

# Peak memory with and without a limit on a generated flood of distinct sources,
# read from a pipe so that the pages of a mapped file do not count.
if [ -x /usr/bin/time ]; then
	"$gen" flood "$tmp/flood.pcap" 300000
	cases=$((cases + 1))
	if cat "$tmp/flood.pcap" | /usr/bin/time -f %M -o "$tmp/rss0" "$sonata" run -r - \
		-q "$ss" --max-keys 0 --no-summary >/dev/null 2>&1 &&
	   cat "$tmp/flood.pcap" | /usr/bin/time -f %M -o "$tmp/rss1" "$sonata" run -r - \
		-q "$ss" --max-keys 10000 --no-summary >/dev/null 2>"$tmp/err"; then
		rss0=$(cat "$tmp/rss0")
		rss1=$(cat "$tmp/rss1")
		echo "     peak RSS on 300000 sources: $rss0 KB without a limit," \
			"$rss1 KB with --max-keys 10000"
		[ "$rss1" -lt $((rss0 / 2)) ] && echo "ok   --max-keys bounds memory" ||
			fail "--max-keys 10000 did not halve peak RSS"
	else
		fail "generated flood: sonata failed"
	fi
fi

# --- Live capture on a veth pair in namespaces of its own (root only).
cases=$((cases + 1))
BUILD="$BUILD" sh tests/e2e/hostile/live.sh || fail "live capture"

echo "hostile: $cases cases, $failed failed"
[ "$failed" -eq 0 ]
