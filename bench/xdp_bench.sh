#!/bin/sh
# Cost per packet of the generated XDP program (all eleven bundled queries in one
# program, max-dp plan) with BPF_PROG_TEST_RUN, beside the software switch model on
# the same packets, for every shared capture. Prints a Markdown table; docs/xdp.md
# contains a copy of its results. Needs root, clang and libbpf.
#
# Environment:
#   BUILD         build directory holding libsonata.a (default: build)
#   TRACES        the shared captures (default: ../shared/traces)
#   XDP_REPEAT    runs of each of the 64 sampled packets for the repeated measure
#                 (default 1000)
set -eu

BUILD=${BUILD:-build}
TRACES=${TRACES:-../shared/traces}
REPEAT=${XDP_REPEAT:-1000}
CC=${CC:-cc}
BIN=$BUILD/bench/xdp_bench

if [ "$(id -u)" != 0 ]; then
	echo "xdp_bench: BPF_PROG_TEST_RUN needs root" >&2
	exit 1
fi
make -s BUILD="$BUILD" "$BUILD/libsonata.a"
mkdir -p "$BUILD/bench"
$CC -std=gnu11 -O2 -Wall -Wextra -Werror -Iinclude -Isrc -D_GNU_SOURCE -o "$BIN" \
	bench/xdp_bench.c "$BUILD/libsonata.a" -lpcap -lglpk -ljansson -lbpf -lm -lpthread

echo "| capture | packets | XDP once (ns) | XDP x$REPEAT (ns) | model (ns) |"
echo "|---|---:|---:|---:|---:|"
# shellcheck disable=SC2046
"$BIN" "$REPEAT" $(ls "$TRACES"/*.pcap "$TRACES"/*.pcapng | sort) |
	awk '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5;
	       n += $2; o += $2 * $3; r += $2 * $4; m += $2 * $5 }
	     END { printf "| all, weighted by packets | %d | %.0f | %.0f | %.0f |\n",
		   n, o / n, r / n, m / n }'
