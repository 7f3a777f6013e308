#!/bin/bash
# checkpatch.pl --strict (from the distribution's linux-source) is clean on
# every kernel source file we own.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$ROOT" "$ROOT/build/linux-src/.extracted" >/dev/null
cp=$ROOT/build/linux-src/scripts/checkpatch.pl
files=$(cd "$ROOT" && find emu ntb_netdev dma ringbuf -name '*.[ch]' ! -name '*.mod.c' \
	! -name 'ivshmem-server*' 2>/dev/null | sort)
[ -n "$files" ] || { echo "no kernel sources"; exit 77; }
cd "$ROOT"
rc=0
for f in $files; do
	out=$(perl "$cp" --no-tree --strict --quiet --show-types -f "$f" 2>&1) || true
	if [ -n "$out" ]; then
		echo "$out"
		rc=1
	else
		echo "clean: $f"
	fi
done
exit $rc
