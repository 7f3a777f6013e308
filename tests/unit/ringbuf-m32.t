#!/bin/bash
# The unit and stress tests built with -m32 (32-bit longs and pointers;
# gcc-multilib and qemu-user, from userspace/install-deps).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# every test in the table of tests/ringbuf/unit.c ran
ntests=$(grep -c '^	{ "[a-z0-9_]*", t_[a-z0-9_]* },$' "$ROOT/tests/ringbuf/unit.c")
if ! printf 'int main(void){return 0;}' | gcc -m32 -x c - -o /dev/null 2>/dev/null; then
	echo "FAIL: gcc -m32 cannot link (gcc-multilib: userspace/install-deps)"
	exit 1
fi
# A kernel without IA32 emulation (some VM hosts) cannot exec them: run
# them under qemu-i386 (qemu-user, from userspace/install-deps) there.
t=$(mktemp)
trap 'rm -f "$t"' EXIT
printf 'int main(void){return 0;}' | gcc -m32 -x c - -o "$t"
run32=
if ! "$t" 2>/dev/null; then
	command -v qemu-i386 >/dev/null ||
		{ echo "FAIL: this kernel runs no 32-bit binaries and qemu-i386 (qemu-user) is missing"; exit 1; }
	run32=qemu-i386
	echo "no IA32 emulation in this kernel: running under $run32"
fi
make -s -C "$ROOT" ringbuf-tests
B=$ROOT/build/ringbuf
out=$($run32 "$B/unit-m32")
echo "$out"
echo "$out" | grep -qx "unit: $ntests tests, 0 checks failed" || { echo "FAIL: unit-m32"; exit 1; }
out=$($run32 "$B/stress-m32" -n 1000000 -d 20 -M 100000) || { echo "$out"; exit 1; }
echo "$out"
echo "$out" | grep -q '^stress: ok$' || { echo "FAIL: stress-m32"; exit 1; }
echo "ringbuf -m32 passed"
