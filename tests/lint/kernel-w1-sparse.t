#!/bin/bash
# Our kernel modules build with W=1 and sparse (C=2) without a single
# warning.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v sparse >/dev/null || { echo "sparse not installed"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
find "$ROOT/emu" "$ROOT/ntb_netdev" "$ROOT/dma" "$ROOT/ringbuf" "$ROOT/tests/hostile" -name '*.c' -exec touch {} + 2>/dev/null || true
make -C "$ROOT" lint >"$out" 2>&1 || { cat "$out"; echo "make lint failed"; exit 1; }
cat "$out"
if grep -E "warning:|error:|sparse:" "$out"; then
	echo "FAIL: warnings above"
	exit 1
fi
echo "W=1 and sparse clean"
