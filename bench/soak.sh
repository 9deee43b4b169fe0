#!/bin/sh
# Soak test: 50 million generated packets, most of them a spoofed-source SYN
# flood (about a million new source addresses per 4 s window), through all
# bundled queries. Reports the peak resident memory with the default key
# ceiling (--max-keys) and with a lower one, and how many windows the ceiling
# cut short. Appends its table to docs/hardening.md unless SOAK_OUT is set.
#
# Environment: BUILD (default build), SONATA_BENCH_DIR (default
# /var/tmp/sonata-bench), SOAK_PACKETS (default 50000000), SOAK_OUT.
set -eu
BUILD=${BUILD:-build}
DIR=${SONATA_BENCH_DIR:-/var/tmp/sonata-bench}
PACKETS=${SOAK_PACKETS:-50000000}
OUT=${SOAK_OUT:-docs/hardening.md}
SONATA=$BUILD/sonata
# The bundled queries of this checkout, wherever the binary was built.
export SONATA_QUERY_DIR=${SONATA_QUERY_DIR:-$PWD/queries}
TRACE=$DIR/soak-flood-$PACKETS.pcap
# 20,000 background packets/s plus 250,000 spoofed SYNs/s for 200 s.
GEN_ARGS="-r 20000 --snaplen 96 --attack syn_flood --syn_flood-start 2
	--syn_flood-duration 200 --syn_flood-rate 250000 --seed 3"

[ -x "$SONATA" ] || { echo "soak: $SONATA is missing: run make first" >&2; exit 1; }
mkdir -p "$DIR"
if [ ! -s "$TRACE" ]; then
	echo "soak: generating $PACKETS packets into $TRACE (once)"
	# shellcheck disable=SC2086
	"$SONATA" gen -o "$TRACE.tmp" -n "$PACKETS" $GEN_ARGS
	mv "$TRACE.tmp" "$TRACE"
	mv "$TRACE.tmp.truth.json" "$TRACE.truth.json"
fi

# Run all bundled queries with one --max-keys value; print a table row.
soak_run() { # LIMIT LABEL
	log=$(mktemp)
	/usr/bin/time -f 'time %e %M' "$SONATA" run -r "$TRACE" --no-progress \
		--max-keys "$1" >/dev/null 2>"$log"
	wall=$(awk '$1 == "time" { print $2 }' "$log")
	rss=$(awk '$1 == "time" { printf "%d", $3 / 1024 }' "$log")
	cut=$(awk 'NF == 5 && $2 ~ /^[0-9]+$/ && $5 ~ /^[0-9]+$/ { n += $5 } END { print n + 0 }' \
		"$log")
	rm -f "$log"
	echo "| $2 | $wall s | $rss MiB | $cut |"
}

rows=$(soak_run 2000000 "2,000,000 (default)"; soak_run 200000 "200,000")
table=$(printf '%s\n' "| --max-keys | wall time | peak RSS | windows cut short (all queries) |" \
	"|---|---:|---:|---:|" "$rows")
echo "$table"
{
	echo
	echo "## Soak run ($(date -u '+%Y-%m-%d'), \`bench/soak.sh\`)"
	echo
	echo "$PACKETS packets from \`sonata gen -n $PACKETS $(echo $GEN_ARGS)\`: a"
	echo "spoofed SYN flood of 250,000 new sources per second for 200 s, through all"
	echo "eleven bundled queries on $(nproc) cores. Peak RSS includes the pages of the"
	echo "mapped capture not yet dropped."
	echo
	echo "$table"
} >>"$OUT"
echo "soak: appended to $OUT"
