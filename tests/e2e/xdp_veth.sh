#!/bin/sh
# The XDP data plane on a live interface: `sonata run -i --dataplane xdp` on one
# end of a veth pair between two network namespaces made here, with tcpreplay
# sending a shared capture from the other end. The rows it reports (query, key
# and values; the window start differs) must be those of `sonata run -r` on the
# same capture, with one window spanning the whole replay. The MTU is raised to 9000 so the 6,197-byte frames of the
# DNS capture reach the program. After SIGINT, SIGTERM and SIGKILL the program
# must be gone from the interface. Needs root; clang, tcpreplay and iproute2
# are required then (tools/deps.sh installs them). The trap removes the
# namespaces even on failure.
set -u
BUILD=${BUILD:-build}
TRACES=${TRACES:-../shared/traces}
sonata="$(cd "$(dirname "$BUILD/sonata")" && pwd)/sonata"
TRACES=$(cd "$TRACES" && pwd)
tag=$$
cap_ns="snxdp-cap-$tag"
send_ns="snxdp-send-$tag"
cap="snxc$tag"
snd="snxs$tag"
window=1000000
tmp=$(mktemp -d)
failed=0
pid=

cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	ip netns del "$cap_ns" 2>/dev/null
	ip netns del "$send_ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

fail() {
	echo "FAIL xdp_veth: $*"
	failed=$((failed + 1))
}

if [ "$(id -u)" != 0 ]; then
	echo "skip xdp_veth: needs root"
	exit 0
fi
for tool in ip tcpreplay clang jq; do
	if ! command -v "$tool" >/dev/null; then
		fail "$tool is missing: run tools/deps.sh build"
		exit 1
	fi
done
ip netns add "$cap_ns" && ip netns add "$send_ns" &&
	ip link add "$cap" netns "$cap_ns" mtu 9000 type veth peer name "$snd" \
		netns "$send_ns" mtu 9000 &&
	ip netns exec "$cap_ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
	ip netns exec "$send_ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
	ip -n "$cap_ns" link set "$cap" up &&
	ip -n "$send_ns" link set "$snd" up || {
	fail "cannot set up the namespaces and the veth pair"
	exit 1
}

attached() {
	ip -n "$cap_ns" link show dev "$cap" | grep -q 'prog/xdp'
}

# start MODE: run sonata on the capture end in the background; wait until the
# program is attached (compiling it takes a few seconds).
start() {
	ip netns exec "$cap_ns" "$sonata" run -i "$cap" --dataplane xdp --xdp-mode "$1" \
		-D window=$window --no-progress >"$tmp/live" 2>"$tmp/live.err" &
	pid=$!
	i=0
	while ! attached; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
			fail "the XDP program was not attached within 30 s ($1 mode):"
			cat "$tmp/live.err"
			return 1
		fi
		sleep 0.1
	done
}

# stop SIGNAL: stop sonata and check that the program left the interface.
stop() {
	kill -"$1" "$pid"
	wait "$pid"
	status=$?
	pid=
	i=0
	while attached && [ $i -lt 20 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	if attached; then
		fail "the XDP program is still attached after SIG$1"
		ip netns exec "$cap_ns" ip link set dev "$cap" xdp off
	fi
	return $status
}

pairs() {
	jq -c '[.query, .key, .values]' "$1" | sort
}

# replay CAPTURE MODE SIGNAL
replay() {
	"$sonata" run -r "$TRACES/$1" -D window=$window --no-summary --no-progress \
		>"$tmp/file" || { fail "$1: sonata run -r failed"; return; }
	start "$2" || return
	if ! ip netns exec "$send_ns" tcpreplay -q --pps 3000 -i "$snd" "$TRACES/$1" \
		>"$tmp/replay" 2>&1; then
		fail "$1: tcpreplay failed:"
		cat "$tmp/replay"
	fi
	# tcpreplay exits 0 even when frames above the MTU fail to send.
	grep -Eq 'Failed packets: +0$' "$tmp/replay" ||
		fail "$1: tcpreplay could not send every frame: $(grep Failed "$tmp/replay")"
	sleep 1
	stop "$3" || { fail "$1: sonata exited with status $? after SIG$3:"; cat "$tmp/live.err"; }
	pairs "$tmp/file" >"$tmp/want"
	pairs "$tmp/live" >"$tmp/got"
	if [ ! -s "$tmp/want" ]; then
		fail "$1: the file run reported no rows, so the comparison proves nothing"
	elif ! cmp -s "$tmp/want" "$tmp/got"; then
		fail "$1 ($2 mode): live XDP rows differ from sonata run -r (< file, > live):"
		diff "$tmp/want" "$tmp/got" | head -20
		tail -5 "$tmp/live.err"
	fi
	grep -q ' 0 records lost' "$tmp/live.err" || fail "$1: records were lost: $(tail -1 \
		"$tmp/live.err")"
	echo "xdp_veth: $1 ($2, SIG$3): $(wc -l <"$tmp/got") rows"
}

replay stopddos_amp.dns.RRSIG.fragmented.pcap native INT
replay ndpi_synscan.pcap generic TERM
replay id2t_hydra-1_tasks.pcap native INT

# A killed process cannot detach: the kernel must remove its BPF link.
if start native; then
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	pid=
	i=0
	while attached && [ $i -lt 20 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	attached && fail "the XDP program is still attached after SIGKILL"
fi

if [ "$failed" -ne 0 ]; then
	echo "xdp_veth: $failed failure(s)"
	exit 1
fi
echo "xdp_veth: ok"
