#!/bin/sh
# Cross-check the rows of the bundled queries against an independent count made
# with tshark. For each case, tshark exports the fields of the packets that
# match a display filter written for the task, not derived from the query text.
# An awk script under tests/e2e/crosscheck/ groups them per window. The result
# must equal the rows of `sonata run` on the same capture: the same set of
# (window start, key, values), compared in a canonical sorted text form. Each
# difference is printed with the task, capture, window and key.
#
# Run from the repository root. Environment: BUILD (directory of the sonata
# binary, default build) and TRACES (the real captures, default
# ../shared/traces). Needs tshark, jq and awk (tools/deps.sh installs them).
set -u

BUILD=${BUILD:-build}
TRACES=${TRACES:-../shared/traces}
SONATA=$BUILD/sonata
AWKDIR=tests/e2e/crosscheck
MAX_DIFFS=10

# Packets that tshark shows inside an ICMP error message quote a TCP or UDP
# header that is not the packet's own transport, so TCP and DNS counts leave
# ICMP packets out, as sonata's decoder does.
NOT_ICMP='!icmp && !icmpv6'
SYN_ONLY="tcp.flags.syn == 1 && tcp.flags.ack == 0 && $NOT_ICMP"
DNS_AMP="udp.srcport == 53 && dns.flags.response == 1 && $NOT_ICMP &&
	(dns.resp.type == 46 || dns.qry.type == 46 || dns.qry.type == 255)"

die() {
	echo "crosscheck: $*" >&2
	exit 1
}

[ -x "$SONATA" ] || die "$SONATA not found: build it first with make BUILD=$BUILD all"
for tool in tshark jq awk sort; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found: install it with tools/deps.sh"
done
[ -d "$TRACES" ] || die "trace directory $TRACES not found: set TRACES"

tmp=$(mktemp -d) || die "failed to create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# Hand-built capture with cases that no real capture in the set contains:
# SYNs with ECE or CWR, DNS records in each section, names that need escapes.
CRAFTED_PCAP=$tmp/crafted.pcap
LC_ALL=C awk -f "$AWKDIR/crafted_pcap.awk" >"$CRAFTED_PCAP" ||
	die "failed to write $CRAFTED_PCAP"

# trace_path NAME: the capture file for NAME (the hand-built one for "crafted").
trace_path() {
	if [ "$1" = crafted ]; then
		echo "$CRAFTED_PCAP"
	else
		echo "$TRACES/$1"
	fi
}

# tshark_fields FILTER FIELD...: write to $tmp/fields one tab-separated line per
# packet of $file that matches FILTER: frame.number, frame.time_epoch, FIELDs.
# IP reassembly is on. Only the first occurrence of each field is kept, which
# is the outer header's when an ICMP error quotes another.
tshark_fields() {
	filter=$1
	shift
	fields=""
	for name in "$@"; do
		fields="$fields -e $name"
	done
	# $fields is split on purpose: each "-e NAME" becomes two words.
	# shellcheck disable=SC2086
	if ! tshark -n -r "$file" -o ip.defragment:TRUE -o ipv6.defragment:TRUE \
		-Y "$filter" -T fields -E separator=/t -E occurrence=f \
		-e frame.number -e frame.time_epoch $fields >"$tmp/fields" 2>"$tmp/tshark.err"; then
		grep -v 'Running as user' "$tmp/tshark.err" >&2
		return 1
	fi
}

# The case being checked, set by check: task, capture file, window length,
# threshold and extra query parameters ("NAME=VALUE ...").
task=""
file=""
window=""
threshold=""
extra=""

# param NAME: the value of the case's extra parameter NAME. Every parameter
# that a recipe reads is given in the case, so the query's defaults never matter.
param() {
	for p in $extra; do
		case $p in
		"$1"=*)
			echo "${p#*=}"
			return
			;;
		esac
	done
	echo "crosscheck: the case gives no $1=VALUE" >&2
	return 1
}

# expected: the case's rows computed from tshark's fields, in canonical form.
expected() {
	case $task in
	new_tcp_conns)
		tshark_fields "$SYN_ONLY" ip.dst ipv6.dst &&
			group count -v KEY=ip.dst -v VALUE=conns
		;;
	superspreader)
		tshark_fields "ip || ipv6" ip.src ipv6.src ip.dst ipv6.dst &&
			group distinct -v COLS="a a" -v NKEY=1 -v KEYS=ip.src \
				-v VALUE=destinations
		;;
	ddos)
		tshark_fields "ip || ipv6" ip.dst ipv6.dst ip.src ipv6.src &&
			group distinct -v COLS="a a" -v NKEY=1 -v KEYS=ip.dst -v VALUE=sources
		;;
	port_scan)
		tshark_fields "$SYN_ONLY" ip.src ipv6.src ip.dst ipv6.dst tcp.dstport &&
			group distinct -v COLS="a a p" -v NKEY=2 -v KEYS="ip.src ip.dst" \
				-v VALUE=ports
		;;
	dns_reflection)
		tshark_fields "$DNS_AMP" ip.dst ipv6.dst ip.src ipv6.src &&
			group distinct -v COLS="a a" -v NKEY=1 -v KEYS=ip.dst -v VALUE=resolvers
		;;
	syn_flood)
		tshark_fields "tcp && $NOT_ICMP" ip.src ipv6.src ip.dst ipv6.dst \
			tcp.flags.syn tcp.flags.ack &&
			group syn_flood
		;;
	incomplete_flows)
		tshark_fields "tcp && $NOT_ICMP" ip.src ipv6.src ip.dst ipv6.dst \
			tcp.flags.syn tcp.flags.ack tcp.flags.fin &&
			group incomplete_flows
		;;
	ssh_brute_force)
		tshark_fields "$SYN_ONLY && tcp.dstport == 22" ip.dst ipv6.dst ip.src ipv6.src &&
			group ssh_brute_force
		;;
	slowloris)
		maxb=$(param max_bytes) &&
		tshark_fields "tcp.len > 0 && $NOT_ICMP" ip.src ipv6.src ip.dst ipv6.dst \
			tcp.srcport tcp.len &&
			group slowloris -v MAXB="$maxb"
		;;
	dns_tunneling)
		minlen=$(param min_len) &&
		tshark_fields "dns.flags.response == 0 && $NOT_ICMP" \
			ip.src ipv6.src udp.payload tcp.payload &&
			group dns_tunneling -v MINLEN="$minlen"
		;;
	*)
		echo "crosscheck: no tshark recipe for task $task" >&2
		return 1
		;;
	esac
}

# group SCRIPT [awk -v assignments...]: group tshark's lines with
# $AWKDIR/SCRIPT.awk for the current window and threshold.
group() {
	script=$1
	shift
	awk -v W="$window" -v T="$threshold" "$@" \
		-f "$AWKDIR/lib.awk" -f "$AWKDIR/$script.awk" "$tmp/fields"
}

# actual: sonata's rows for the case, in canonical form.
actual() {
	defines=""
	for p in $extra; do
		defines="$defines -D $p"
	done
	# $defines is split on purpose: each "-D NAME=VALUE" becomes two words.
	# shellcheck disable=SC2086
	if ! "$SONATA" run -r "$file" -q "queries/$task.sq" -D "threshold=$threshold" \
		-D "window=$window" $defines --no-summary --no-progress \
		>"$tmp/sonata.json" 2>"$tmp/sonata.err"; then
		echo "crosscheck: sonata run on $file failed:" >&2
		cat "$tmp/sonata.err" >&2
		return 1
	fi
	jq -r --arg task "$task" '
		if .query != $task then error("row of query \(.query)")
		elif .incomplete then error("row marked incomplete")
		else . end
		| [(.window_start | tostring),
		   ([.key | to_entries[] | "\(.key)=\(.value)"] | join(" ")),
		   ([.values | to_entries[] | "\(.key)=\(.value)"] | join(" "))]
		| join("\t")' "$tmp/sonata.json"
}

cases=0
failed=0
rows=0

# check TASK TRACE W T [NAME=VALUE...]: compare one task on one capture, with
# window length W, threshold T and extra query parameters.
check() {
	task=$1
	file=$(trace_path "$2")
	window=$3
	threshold=$4
	shift 4
	extra="$*"
	label="$task on $(basename "$file") (window $window s, threshold $threshold${extra:+, $extra})"
	cases=$((cases + 1))

	if [ ! -r "$file" ]; then
		echo "FAIL $label: capture $file not found (set TRACES)"
		failed=$((failed + 1))
		return
	fi
	if ! expected >"$tmp/expected.raw"; then
		echo "FAIL $label: tshark failed"
		failed=$((failed + 1))
		return
	fi
	if ! actual >"$tmp/actual.raw"; then
		echo "FAIL $label: sonata failed"
		failed=$((failed + 1))
		return
	fi

	LC_ALL=C sort "$tmp/expected.raw" >"$tmp/expected"
	LC_ALL=C sort "$tmp/actual.raw" >"$tmp/actual"
	n=$(wc -l <"$tmp/expected")
	rows=$((rows + n))

	if awk -v LABEL="FAIL $label" -v MAX=$MAX_DIFFS -f "$AWKDIR/compare.awk" \
		"$tmp/expected" "$tmp/actual" >"$tmp/diffs"; then
		echo "ok   $label: $n rows"
	else
		LC_ALL=C sort "$tmp/diffs"
		failed=$((failed + 1))
	fi
}

check new_tcp_conns crafted 1 1
check new_tcp_conns slips_test7-malicious.pcap 4 3
check new_tcp_conns ndpi_synscan.pcap 1 2
check new_tcp_conns tcpreplay_test.pcap 1 1
check new_tcp_conns esnet_nmap_80_all.pcap 0.5 1
check new_tcp_conns stopddos_pkt.TCP.synflood.spoofed.pcap 4 5
check new_tcp_conns id2t_hydra-1_tasks.pcap 1 1
# Time goes back from 0.80 s (frame 24) to 0.33 s (frame 25, a SYN) in this
# capture: frames 25 to 45 count in the window open then, not the one before.
check new_tcp_conns id2t_hydra-1_tasks.pcap 0.5 1

check superspreader crafted 1 1
check superspreader sgr_hs-tcp_synPingSweepRand.pcapng 1 3
check superspreader slips_test7-malicious.pcap 4 3
check superspreader tcpreplay_test.pcap 1 2

check port_scan crafted 1 1
check port_scan ndpi_synscan.pcap 4 5
check port_scan esnet_masscan_tcp_0_1000.pcap 1 5
check port_scan slips_test7-malicious.pcap 4 1
check port_scan esnet_nmap_80_all.pcap 1 1

check ddos stopddos_pkt.TCP.synflood.spoofed.pcap 4 5
check ddos stopddos_amp.dns.RRSIG.fragmented.pcap 3 2
check ddos tcpreplay_test.pcap 1 1
check ddos id2t_hydra-1_tasks.pcap 1 1

check dns_reflection stopddos_amp.dns.RRSIG.fragmented.pcap 3 2
check dns_reflection stopddos_amp.dns.RRSIG.fragmented.pcap 1 1
check dns_reflection crafted 1 1

check syn_flood crafted 1 0
check syn_flood esnet_nmap_80_all.pcap 1 0
check syn_flood ndpi_synscan.pcap 4 0
check syn_flood tcpreplay_test.pcap 1 0
check syn_flood slips_test7-malicious.pcap 4 1
check syn_flood kihy_slowloris.pcap 15 0

check incomplete_flows crafted 1 0
check incomplete_flows zeek_ftp_bruteforce.pcap 30 0
check incomplete_flows slips_test7-malicious.pcap 30 1
check incomplete_flows kihy_slowloris.pcap 30 0
check incomplete_flows zeek_sshguess.pcap 10 0

check slowloris kihy_slowloris.pcap 15 5 max_bytes=1000000
check slowloris kihy_slowloris.pcap 15 5 max_bytes=50
check slowloris tcpreplay_test.pcap 1 1 max_bytes=100000

check ssh_brute_force zeek_sshguess.pcap 10 1
check ssh_brute_force id2t_hydra-1_tasks.pcap 60 1
check ssh_brute_force slips_test7-malicious.pcap 60 1

check dns_tunneling sonata_campus_dns_1min.pcap 10 2 min_len=30
check dns_tunneling elastic_dns-tunnel-iodine.pcap 5 2 min_len=64
check dns_tunneling elastic_dns-tunnel-iodine.pcap 1 1 min_len=100
check dns_tunneling crafted 1 1 min_len=24
check dns_tunneling crafted 1 1 min_len=1

echo "crosscheck: $cases cases, $rows expected rows, $failed failed"
[ "$failed" -eq 0 ]
