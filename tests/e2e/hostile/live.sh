#!/bin/sh
# Live capture: `sonata run -i` on one end of a veth pair between two network
# namespaces made here, with tests/e2e/hostile/udp_send.c sending UDP
# datagrams from the other end. SIGINT and
# SIGTERM must flush the open windows and print the summary with the kernel
# drop counts; -Z nobody must drop root after opening the interface. Needs
# root and iproute2; prints "skip" and exits 0 without them. All traffic stays
# inside the two namespaces, which the trap removes even on failure.
# Called by tests/e2e/hostile.sh with BUILD set.
set -u
BUILD=${BUILD:-build}
sonata="$(cd "$(dirname "$BUILD/sonata")" && pwd)/sonata"
tag=$$
cap_ns="sonata-cap-$tag"
send_ns="sonata-send-$tag"
tmp=$(mktemp -d)
failed=0

cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
	ip netns del "$cap_ns" 2>/dev/null
	ip netns del "$send_ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL live: $*"
	failed=$((failed + 1))
}

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
	echo "skip live: needs root and iproute2"
	exit 0
fi
if ! cc -std=gnu11 -O1 -Wall -Wextra -o "$tmp/udp_send" tests/e2e/hostile/udp_send.c; then
	fail "cannot compile tests/e2e/hostile/udp_send.c"
	exit 1
fi
if ! ip netns add "$cap_ns" 2>/dev/null; then
	echo "skip live: cannot create a network namespace"
	exit 0
fi
ip netns add "$send_ns" &&
	ip link add "sncap$tag" netns "$cap_ns" type veth peer name "snsend$tag" netns "$send_ns" &&
	ip -n "$cap_ns" addr add 10.200.0.1/24 dev "sncap$tag" &&
	ip -n "$send_ns" addr add 10.200.0.2/24 dev "snsend$tag" &&
	ip -n "$cap_ns" link set "sncap$tag" up &&
	ip -n "$send_ns" link set "snsend$tag" up || {
	fail "cannot set up the veth pair"
	exit 1
}

cat >"$tmp/udp.sq" <<'EOF'
# UDP datagrams per source address per second.
query udp(window = 1) {
    packets
        | filter ip.proto == 17
        | reduce count() by ip.src
}
EOF

# start_capture ARGS...: run sonata in the capture namespace in the
# background, its pid in $pid, and wait at most 10 s until its packet socket
# shows in the namespace's /proc/net/packet (a header line, then one per socket).
start_capture() {
	ip netns exec "$cap_ns" "$sonata" run -i "sncap$tag" -q "$tmp/udp.sq" "$@" \
		>"$tmp/out" 2>"$tmp/err" &
	pid=$!
	n=0
	while [ "$(ip netns exec "$cap_ns" cat /proc/net/packet | wc -l)" -lt 2 ] &&
	      [ "$n" -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ "$n" -lt 100 ] || fail "sonata opened no packet socket within 10 s"
	sleep 0.2
}

# stop_capture SIGNAL: send it and wait at most 10 s for sonata to exit.
stop_capture() {
	kill "-$1" "$pid"
	n=0
	while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		fail "SIG$1: sonata still running 10 s after the signal"
		kill -KILL "$pid"
	fi
	wait "$pid"
	status=$?
	pid=
	[ "$status" -eq 0 ] || fail "SIG$1: exit status $status; stderr: $(head -c 300 "$tmp/err")"
}

# send: 10 datagrams from 10.200.0.2, 0.2 s apart.
send() {
	ip netns exec "$send_ns" "$tmp/udp_send" 10.200.0.1 9 10 200 || fail "$1: udp_send failed"
}

# check_rows NAME: the rows count the 10 datagrams from 10.200.0.2, and the
# summary reports the packets and the kernel drops.
check_rows() {
	sent=$(jq -s 'map(select(.key["ip.src"] == "10.200.0.2") | .values.count) | add // 0' \
		"$tmp/out")
	[ "$sent" -eq 10 ] || fail "$1: rows count $sent datagrams, expected 10"
	grep -q '^sonata: [1-9][0-9]* packets read from sncap' "$tmp/err" ||
		fail "$1: no packet count in the summary"
	grep -Eq '^  dropped by the kernel [0-9]+, by the interface [0-9]+$' "$tmp/err" ||
		fail "$1: no kernel drop count in the summary"
	[ "$failed" -eq 0 ] && echo "ok   live: $1 flushes the open window and prints the summary"
}

# The last datagram goes out right before the signal, inside a window that
# no tick has closed yet, so only the flush on exit can report it.
for sig in INT TERM; do
	start_capture
	send "SIG$sig"
	stop_capture "$sig"
	check_rows "SIG$sig"
done

if id nobody >/dev/null 2>&1; then
	start_capture -Z nobody
	want=$(id -u nobody)
	n=0
	while uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status") &&
	      [ "$uid" != "$want $want $want $want" ] && [ "$n" -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ "$uid" = "$want $want $want $want" ] &&
		echo "ok   live: -Z nobody runs as uid $want after opening" ||
		fail "-Z nobody: Uid is '$uid', expected $want four times"
	send "-Z nobody"
	stop_capture INT
	check_rows "-Z nobody, SIGINT"
fi

[ "$failed" -eq 0 ]
