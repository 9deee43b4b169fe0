#!/bin/sh
# Benchmark suite: sonata against a minimal C loop, tcpdump and tshark on a
# generated trace, side by side in one run. Writes docs/benchmarks.md.
#
# Environment:
#   BUILD             build directory holding sonata (default: build)
#   SONATA_BENCH_DIR  where the traces are generated once and kept
#                     (default: /var/tmp/sonata-bench, outside the repository)
#   BENCH_RUNS        timed runs per command on the 10 M trace (default 5)
#   BENCH_LONG=1      also run over a 50 M packet trace and compare peak memory
#   BENCH_OUT         report to write (default: docs/benchmarks.md)
set -eu

BUILD=${BUILD:-build}
DIR=${SONATA_BENCH_DIR:-/var/tmp/sonata-bench}
RUNS=${BENCH_RUNS:-5}
LONG=${BENCH_LONG:-0}
OUT=${BENCH_OUT:-docs/benchmarks.md}
CC=${CC:-cc}
SONATA=$BUILD/sonata
LOOP=$BUILD/bench/baseline_loop
T10=$DIR/trace-10m.pcap
T1=$DIR/trace-1m.pcap
T50=$DIR/trace-50m.pcap
RES=$DIR/results
SYN="tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0"
TSHARK_SYN="tcp.flags.syn == 1 && tcp.flags.ack == 0"
TSHARK_CMD="tshark -n -r $T1 -Y '$TSHARK_SYN' -T fields -e ip.dst | sort | uniq -c"
# 10 M packets over 184 s: 56,000 packets/s of background, 20,000 hosts, and
# the eleven attacks one after another from 10 s to 170 s.
GEN_ARGS="-r 56000 --hosts 20000 --snaplen 128 --attack all --seed 1"

die() {
	echo "bench: $*" >&2
	exit 1
}

for tool in hyperfine jq tcpdump tshark /usr/bin/time; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool is missing: run 'sh tools/deps.sh bench' as root"
done
[ -x "$SONATA" ] || die "$SONATA is missing: run 'make BUILD=$BUILD all' first"
mkdir -p "$DIR" "$RES" "$BUILD/bench"

# Build the C baseline next to sonata.
$CC -O2 -std=gnu11 -Wall -Wextra -Werror -o "$LOOP" bench/baseline_loop.c

gen_trace() { # FILE PACKETS
	if [ -s "$1" ]; then
		return 0
	fi
	echo "bench: generating $2 packets into $1 (once; kept for later runs)"
	"$SONATA" gen -o "$1.tmp" -n "$2" $GEN_ARGS 2>"$RES/gen.log" ||
		die "sonata gen failed, see $RES/gen.log"
	mv "$1.tmp" "$1"
	mv "$1.tmp.truth.json" "$1.truth.json" 2>/dev/null || true
}

gen_trace "$T10" 10000000
if [ ! -s "$T1" ]; then
	tcpdump -r "$T10" -c 1000000 -w "$T1.tmp" 2>/dev/null
	mv "$T1.tmp" "$T1"
fi
# Warm the page cache so every tool reads from memory.
cat "$T10" "$T1" >/dev/null

count_packets() {
	"$LOOP" "$1" | sed 's/ packets.*//'
}
P10=$(count_packets "$T10")
P1=$(count_packets "$T1")

# name@trace packets@command (@ separates: commands hold pipes)
QUIET="--no-progress --no-summary"
cat >"$RES/commands" <<EOF
sonata, 11 queries@$P10@$SONATA run -r $T10 $QUIET
sonata, 11 queries, 1 thread@$P10@$SONATA run -r $T10 --threads 1 $QUIET
sonata, new_tcp_conns@$P10@$SONATA run -r $T10 -q queries/new_tcp_conns.sq $QUIET
C loop, parse only@$P10@$LOOP $T10
C loop, parse + count per dst@$P10@$LOOP -c $T10
tcpdump, SYN filter@$P10@tcpdump -r $T10 -w /dev/null '$SYN'
sonata, 11 queries, 1 M slice@$P1@$SONATA run -r $T1 $QUIET
tshark, SYNs per host, 1 M slice@$P1@$TSHARK_CMD
EOF

# Median wall time and peak RSS of one command.
measure() { # INDEX NAME PACKETS COMMAND
	runs=$RUNS
	case "$2" in tshark*) runs=3 ;; esac
	hyperfine --style none --warmup 1 --runs "$runs" --output null \
		--export-json "$RES/$1.json" "$4" >/dev/null
	median=$(jq '.results[0].median' "$RES/$1.json")
	user=$(jq '.results[0].user' "$RES/$1.json")
	rss=$(/usr/bin/time -f '%M' sh -c "$4 >/dev/null 2>/dev/null" 2>&1 | tail -n 1)
	echo "$1|$2|$3|$median|$rss|$user" >>"$RES/table"
	printf 'bench: %-34s median %8.3f s  %12.0f packets/s  peak RSS %s KiB\n' \
		"$2" "$median" "$(awk -v p="$3" -v m="$median" 'BEGIN { print p / m }')" "$rss"
}

: >"$RES/table"
i=0
while IFS='@' read -r name packets cmd; do
	i=$((i + 1))
	measure "$i" "$name" "$packets" "$cmd"
done <"$RES/commands"

rate() { # NAME: packets per second of that row
	awk -F'|' -v n="$1" '$2 == n { printf "%.0f", $3 / $4 }' "$RES/table"
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
ALL=$(rate "sonata, 11 queries")
ONE=$(rate "sonata, new_tcp_conns")
TCPD=$(rate "tcpdump, SYN filter")
LOOPR=$(rate "C loop, parse only")
ALL_RSS=$(awk -F'|' '$2 == "sonata, 11 queries" { print $5 }' "$RES/table")

LONG_TEXT=""
if [ "$LONG" = 1 ]; then
	gen_trace "$T50" 50000000
	cat "$T50" >/dev/null
	echo "bench: long run, 50 M packets"
	rss10=$ALL_RSS
	out=$(/usr/bin/time -f '%e %M' "$SONATA" run -r "$T50" --no-progress --no-summary \
		2>&1 >/dev/null | tail -n 1)
	LONG_TEXT=$(printf '%s\n' "$out" | awk -v r10="$rss10" '{
		printf "| 10 M packets | | %d MiB |\n| 50 M packets | %.1f s | %d MiB |\n",
			r10 / 1024, $1, $2 / 1024 }')
	echo "$LONG_TEXT"
fi

mem_kib=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo
	echo "Machine: $(nproc) cores, $cpu, $((mem_kib / 1024 / 1024)) GiB of memory,"
	echo "$(uname -sr). The traces are in the page cache (read once before timing)."
	echo "The machine was shared with other jobs, so wall times vary from run to run."
	echo "Wall times are medians of $RUNS runs (3 for tshark) after one warm-up run."
	echo "User CPU times (means, from hyperfine) show the work done whatever the load."
	echo
	echo "Trace: \`sonata gen -n 10000000 $GEN_ARGS\`, $P10 packets,"
	echo "$(($(stat -c %s "$T10") / 1048576)) MiB; the 1 M slice is its first $P1 packets."
	echo
	echo "| command | packets | median wall (s) | packets/s | user CPU (s) | peak RSS (MiB) |"
	echo "|---|---:|---:|---:|---:|---:|"
	awk -F'|' '{ printf "| %s | %d | %.3f | %.0f | %.3f | %d |\n", $2, $3, $4, $3 / $4, $6,
		$5 / 1024 }' "$RES/table"
	echo
	echo "Ratios (packet rates, same run):"
	echo
	echo "- sonata with the 11 queries / tcpdump with one filter:" \
		"$(ratio "$ALL" "$TCPD") (goal: at least 0.5)"
	echo "- C parse loop / sonata with new_tcp_conns:" \
		"$(ratio "$LOOPR" "$ONE") (goal: at most 3)"
	echo "- peak RSS of sonata with the 11 queries: $((ALL_RSS / 1024)) MiB (goal: under 1024)"
	if [ -n "$LONG_TEXT" ]; then
		echo
		echo "Memory against trace length (\`make bench BENCH_LONG=1\`; the 50 M trace is"
		echo "generated with the same options and \`-n 50000000\`):"
		echo
		echo "| trace | wall time | peak RSS |"
		echo "|---|---:|---:|"
		echo "$LONG_TEXT"
	fi
	echo
	echo "Notes:"
	echo
	echo "- The C loop maps the whole file, so its resident size counts the file's"
	echo "  pages; sonata drops the pages it has read from its mapping."
	echo "- tcpdump tests one BPF filter and writes nothing; sonata decodes every"
	echo "  packet into all its fields and runs every query with its windows."
	echo "- \`sonata run\` uses 2 threads by default on a machine with 2 or more"
	echo "  cores (see Threads below); the 1-thread row runs the same"
	echo "  queries with \`--threads 1\`."
	echo "- \`sonata run --profile\` adds the time of each query and operator to the"
	echo "  run summary, to see where the rest goes."
	echo
	echo "Commands (\$T10 and \$T1 are the traces in $DIR; built with BUILD=$BUILD):"
	echo
	echo '```'
	awk -F'@' '{ print $3 }' "$RES/commands" | sed "s|$T10|\$T10|g; s|$T1|\$T1|g"
	echo '```'
	# What the figures mean and how they were reached: written by hand.
	if [ -f bench/notes.md ]; then
		echo
		cat bench/notes.md
	fi
} >"$OUT"
echo "bench: wrote $OUT"
