#!/bin/bash
# The unit and stress tests built with -m32 (32-bit longs and pointers;
# gcc-multilib, from userspace/install-deps).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if ! printf 'int main(void){return 0;}' | gcc -m32 -x c - -o /dev/null 2>/dev/null; then
	echo "FAIL: gcc -m32 cannot link (gcc-multilib: userspace/install-deps)"
	exit 1
fi
t=$(mktemp)
trap 'rm -f "$t"' EXIT
printf 'int main(void){return 0;}' | gcc -m32 -x c - -o "$t"
if ! "$t" 2>/dev/null; then
	echo "this kernel runs no 32-bit binaries (no IA32 emulation)"
	exit 77
fi
make -s -C "$ROOT" ringbuf-tests
B=$ROOT/build/ringbuf
out=$("$B/unit-m32")
echo "$out"
echo "$out" | grep -q '^unit: 15 tests, 0 checks failed$' || { echo "FAIL: unit-m32"; exit 1; }
out=$("$B/stress-m32" -n 1000000 -d 20 -M 100000) || { echo "$out"; exit 1; }
echo "$out"
echo "$out" | grep -q '^stress: ok$' || { echo "FAIL: stress-m32"; exit 1; }
echo "ringbuf -m32 passed"
