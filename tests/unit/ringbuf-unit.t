#!/bin/bash
# Ring library unit tests (every operation and edge: wrap, full, empty, one
# record, maximal frame, zero length, DMA order, doorbells, corrupt input,
# handshake), plain and under ASan+UBSan.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# every test in the table of tests/ringbuf/unit.c ran
ntests=$(grep -c '^	{ "[a-z0-9_]*", t_[a-z0-9_]* },$' "$ROOT/tests/ringbuf/unit.c")
make -s -C "$ROOT" ringbuf-tests
for bin in unit unit-asan; do
	out=$("$ROOT/build/ringbuf/$bin")
	echo "$out"
	echo "$out" | grep -qx "unit: $ntests tests, 0 checks failed" ||
		{ echo "FAIL: $bin"; exit 1; }
done
echo "ringbuf unit tests passed"
