#!/bin/bash
# Two processes over shared memory (fork + MAP_SHARED), random frame sizes,
# every byte checked, doorbells that must never be lost: 3 million frames
# optimised, then ASan+UBSan builds on a small and a large geometry.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$ROOT" ringbuf-tests
B=$ROOT/build/ringbuf
run() {
	local min=$1; shift
	out=$("$@") || { echo "$out"; echo "FAIL: $*"; exit 1; }
	echo "$out"
	echo "$out" | grep -q '^stress: ok$' || { echo "FAIL: $*"; exit 1; }
	got=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	[ "${got:-0}" -ge "$min" ] || { echo "FAIL: only $got frames"; exit 1; }
}
run 1000000 "$B/stress" -n 6000000 -d 20 -M 1000000
run 300000 "$B/stress-asan" -n 3000000 -d 12 -M 300000 -r 64 -c 512 -m 9000 -s 2
run 300000 "$B/stress-asan" -n 3000000 -d 12 -M 300000 -r 256 -c 64 -m 4000 -s 3
echo "ringbuf stress passed"
