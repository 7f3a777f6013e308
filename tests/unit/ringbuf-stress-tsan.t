#!/bin/bash
# The two-sided stress test with threads under ThreadSanitizer: the
# acquire/release pairs on the indices must order every payload access.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$ROOT" ringbuf-tests
out=$(TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
	"$ROOT/build/ringbuf/stress-tsan" -t -n 1000000 -d 25 -M 50000 2>&1) ||
	{ echo "$out"; echo "FAIL: stress-tsan"; exit 1; }
echo "$out"
echo "$out" | grep -q 'WARNING: ThreadSanitizer' && { echo "FAIL: data race"; exit 1; }
echo "$out" | grep -q '^stress: ok$' || { echo "FAIL: no ok line"; exit 1; }
echo "ringbuf TSan stress passed"
