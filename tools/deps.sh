#!/bin/sh
# Install the Debian packages sonata needs, only those that are missing.
# Usage: tools/deps.sh build|bench
set -eu
pkgs="make gcc libpcap-dev libcmocka-dev clang libclang-rt-14-dev tshark tcpdump iproute2 jq libjansson-dev libglpk-dev libbpf-dev bpftool tcpreplay linux-libc-dev"
case "${1:-build}" in
bench) pkgs="$pkgs hyperfine" ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root, or install them with: apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing >/dev/null
