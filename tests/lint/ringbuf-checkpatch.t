#!/bin/bash
# checkpatch.pl --strict (from the distribution's linux-source tarball) is
# clean on the ring library: ringbuf/*.c and ringbuf/*.h.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cp=$ROOT/build/linux-src/scripts/checkpatch.pl
if [ ! -f "$cp" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	[ -n "$tarball" ] || { echo "linux-source tarball not installed"; exit 77; }
	dir=$ROOT/build/ringbuf/linux-scripts
	top=$(basename "$tarball" .tar.xz)
	cp=$dir/$top/scripts/checkpatch.pl
	if [ ! -f "$cp" ]; then
		mkdir -p "$dir"
		tar -xJf "$tarball" -C "$dir" "$top/scripts/checkpatch.pl" \
			"$top/scripts/spelling.txt" \
			"$top/scripts/const_structs.checkpatch"
	fi
fi
cd "$ROOT"
rc=0
for f in ringbuf/*.c ringbuf/*.h; do
	out=$(perl "$cp" --no-tree --strict --quiet --show-types -f "$f" 2>&1) || true
	if [ -n "$out" ]; then
		echo "$out"
		rc=1
	else
		echo "clean: $f"
	fi
done
[ $rc -eq 0 ] && echo "ringbuf: checkpatch --strict clean"
exit $rc
