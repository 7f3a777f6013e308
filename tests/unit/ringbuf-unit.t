#!/bin/bash
# Ring library unit tests (every operation and edge: wrap, full, empty, one
# record, maximal frame, zero length, DMA order, doorbells, corrupt input,
# handshake), plain and under ASan+UBSan.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$ROOT" ringbuf-tests
for bin in unit unit-asan; do
	out=$("$ROOT/build/ringbuf/$bin")
	echo "$out"
	echo "$out" | grep -q '^unit: 15 tests, 0 checks failed$' ||
		{ echo "FAIL: $bin"; exit 1; }
done
echo "ringbuf unit tests passed"
