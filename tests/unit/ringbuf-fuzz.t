#!/bin/bash
# The consumer against arbitrary shared-area contents: the gcc ASan+UBSan
# driver on generated (valid-then-damaged) rings, then ~10 s of libFuzzer
# (RINGBUF_FUZZ_SECONDS) when clang is installed. No crash, no out-of-bounds access, no hang.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$ROOT" ringbuf-tests
B=$ROOT/build/ringbuf
out=$("$B/fuzz-asan" 50000) || { echo "$out"; echo "FAIL: fuzz-asan"; exit 1; }
echo "$out"
echo "$out" | grep -q '^fuzz: 50000 inputs ok$' || { echo "FAIL: fuzz-asan"; exit 1; }
if [ ! -x "$B/fuzz" ]; then
	echo "FAIL: no libFuzzer build: clang with -fsanitize=fuzzer (clang, libclang-rt-14-dev: userspace/install-deps)"
	exit 1
fi
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
log=$B/fuzz-check.log
if ! "$B/fuzz" -max_total_time="${RINGBUF_FUZZ_SECONDS:-10}" -timeout=10 \
	-rss_limit_mb=1024 -print_final_stats=1 "$corpus" >"$log" 2>&1; then
	tail -n 40 "$log"
	echo "FAIL: libFuzzer found a crash, leak or hang"
	exit 1
fi
tail -n 12 "$log"
grep -q '^Done [0-9]* runs' "$log" || { echo "FAIL: libFuzzer did not finish"; exit 1; }
echo "ringbuf fuzz passed"
