#!/bin/sh
# Copy seed inputs for a fuzz target into its corpus directory.
# Usage: seed.sh TARGET CORPUS_DIR TRACES_DIR
# Targets this script does not know get no seeds.
set -eu
target=$1
corpus=$2
traces=$3
mkdir -p "$corpus"
case "$target" in
file)
	# The first 4 KiB of each capture: its file header and first records.
	for f in "$traces"/*.pcap "$traces"/*.pcapng; do
		[ -f "$f" ] || continue
		head -c 4096 "$f" >"$corpus/$(basename "$f").head"
	done
	;;
decode)
	# The first 8 packets of each classic pcap capture, one per file. The
	# fuzz_decode input is one byte selecting the link type (0: Ethernet,
	# which all shared captures use) followed by the packet.
	command -v python3 >/dev/null 2>&1 || exit 0
	python3 - "$corpus" "$traces"/*.pcap "$traces"/*.pcapng <<'PY'
import os, struct, sys

corpus = sys.argv[1]
for path in sys.argv[2:]:
    with open(path, 'rb') as f:
        blob = f.read(1 << 20)
    if len(blob) < 24:
        continue
    magic = blob[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        order = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        order = '>'
    else:
        continue  # pcapng: the file target covers it
    pos = 24
    for n in range(8):
        if pos + 16 > len(blob):
            break
        caplen = struct.unpack(order + 'I', blob[pos + 8:pos + 12])[0]
        data = blob[pos + 16:pos + 16 + caplen]
        if len(data) < caplen:
            break
        name = '%s.%d.bin' % (os.path.basename(path), n)
        with open(os.path.join(corpus, name), 'wb') as out:
            out.write(b'\x00' + data)
        pos += 16 + caplen
PY
	;;
query)
	# Every bundled query and every golden query file, the error cases
	# included, named after its path (tests/golden/errors/x.sq becomes
	# tests_golden_errors_x.sq). Run from the repository root.
	for f in queries/*.sq $(find tests/golden -name '*.sq' 2>/dev/null | sort); do
		[ -f "$f" ] || continue
		cp "$f" "$corpus/$(printf '%s' "$f" | tr / _)"
	done
	;;
costs)
	# The planner's cost files, and a plan JSON written from the first one
	# when the sonata binary is built (the target reads both formats).
	for f in tests/data/plan/*.json; do
		[ -f "$f" ] || continue
		cp "$f" "$corpus/$(basename "$f")"
	done
	if [ -x build/sonata ]; then
		build/sonata plan --costs tests/data/plan/ref_test1.json --json \
			>"$corpus/plan_ref_test1.json" 2>/dev/null || true
	fi
	;;
*)
	;;
esac
