#!/bin/bash
# ringbuf/ntbring.c builds as kernel C, alone in a throwaway module, against
# the installed kernel headers with W=1 and (when installed) sparse C=1,
# without a single warning. The driver links the very same file.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# the kernel the project builds for (userspace/kver), not a fixed release
if [ -z "${KDIR:-}" ]; then
	KVER=$("$ROOT/userspace/kver") || { echo "FAIL: userspace/kver names no kernel (make deps)"; exit 1; }
	KDIR=/lib/modules/$KVER/build
fi
[ -d "$KDIR" ] || { echo "FAIL: no kernel headers in $KDIR (make deps)"; exit 1; }
echo "kernel tree: $KDIR"
work=$ROOT/build/ringbuf/kbuild-lint
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
# the tree's layout: ntbring_compat.h includes ../compat/ntbnet_kcompat.h
mkdir -p "$work/ringbuf" "$work/compat"
ln -s "$ROOT/ringbuf/ntbring.c" "$ROOT/ringbuf/ntbring.h" \
	"$ROOT/ringbuf/ntbring_compat.h" "$work/ringbuf/"
ln -s "$ROOT/compat/ntbnet_kcompat.h" "$work/compat/"
cat >"$work/lint_main.c" <<'EOC'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "ringbuf/ntbring.h"

static int __init ntbring_lint_init(void)
{
	struct ntbring_geom g = { NTBRING_REC_SIZE_DEFAULT,
				  NTBRING_REC_COUNT_DEFAULT, 9000 };

	return ntbring_geom_check(&g);
}

static void __exit ntbring_lint_exit(void)
{
}

module_init(ntbring_lint_init);
module_exit(ntbring_lint_exit);
MODULE_LICENSE("GPL");
EOC
printf 'obj-m += ntbring_lint.o\nntbring_lint-y := lint_main.o ringbuf/ntbring.o\n' >"$work/Kbuild"
sparse_arg=
if command -v sparse >/dev/null; then sparse_arg=C=1; else echo "note: sparse not installed, W=1 only"; fi
out=$work/build.log
if ! make -C "$KDIR" M="$work" W=1 $sparse_arg modules >"$out" 2>&1; then
	cat "$out"
	echo "FAIL: kernel build of ringbuf/ntbring.c failed"
	exit 1
fi
cat "$out"
if grep -E "warning|error|sparse:" "$out"; then
	echo "FAIL: warnings above"
	exit 1
fi
[ -f "$work/ntbring_lint.ko" ] || { echo "FAIL: no module produced"; exit 1; }
echo "ringbuf/ntbring.c: kernel build with W=1 ${sparse_arg:+and sparse }clean"
