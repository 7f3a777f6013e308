#!/bin/bash
# checkpatch.pl --strict (from the distribution's linux-source) is clean on
# every kernel source file we own.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
src=$(make -s --no-print-directory -C "$ROOT" linux-src-dir | tail -n 1)
cp=$src/scripts/checkpatch.pl
[ -f "$cp" ] || { echo "FAIL: no checkpatch.pl in $src"; exit 1; }
files=$(cd "$ROOT" && find emu ntb_netdev dma ringbuf compat tests/hostile -name '*.[ch]' ! -name '*.mod.c' \
	! -name 'ivshmem-server*' 2>/dev/null | sort)
[ -n "$files" ] || { echo "no kernel sources"; exit 77; }
cd "$ROOT"
rc=0
for f in $files; do
	# The compat header is the one place that tests kernel versions (and
	# the idiom puts the constant on the left): only these two checks are
	# off for it, and only for it.
	ignore=
	[ "$f" = compat/ntbnet_kcompat.h ] && ignore=--ignore=LINUX_VERSION_CODE,CONSTANT_COMPARISON
	out=$(perl "$cp" --no-tree --strict --quiet --show-types $ignore -f "$f" 2>&1) || true
	if [ -n "$out" ]; then
		echo "$out"
		rc=1
	else
		echo "clean: $f"
	fi
done
exit $rc
