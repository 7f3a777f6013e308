#!/bin/bash
# Our kernel modules build against Debian's 6.12 kernel with W=1 and sparse
# (C=2) without a single warning, linked against the NTB core and clients
# built from that kernel's own linux-source-6.12 (the 6.1 build is
# kernel-w1-sparse.t). Kernel API differences are compat/ntbnet_kcompat.h.
#
# The newest installed 6.12 headers are used; KDIR_612=<prepared tree> and
# LINUX_SRC_TAR_612=<linux-source-6.12.tar.xz> name others.
# Install them with: KERNELS="6.1 6.12" userspace/install-deps
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v sparse >/dev/null || { echo "sparse not installed"; exit 77; }
src=${LINUX_SRC_TAR_612:-/usr/src/linux-source-6.12.tar.xz}
if [ -n "${KDIR_612:-}" ]; then
	kdir=$KDIR_612
	kver=$(KDIR=$kdir "$ROOT/userspace/kver")
else
	kver=$(cd /lib/modules && ls -d 6.12.*/build 2>/dev/null | sed 's|/build$||' |
		sort -V | tail -n 1)
	[ -n "$kver" ] || {
		echo "no 6.12 kernel headers installed: KERNELS=\"6.1 6.12\" userspace/install-deps"
		exit 77
	}
	kdir=/lib/modules/$kver/build
	# headers and NTB core from one Debian version, or modpost checks
	# symbol versions against a different kernel than the one built
	hv=$(dpkg-query -W -f='${Version}' "linux-headers-$kver" 2>/dev/null || true)
	sv=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
	if [ -z "$sv" ] || [ "$hv" != "$sv" ]; then
		echo "FAIL: linux-headers-$kver ${hv:-missing} but linux-source-6.12 ${sv:-missing}:" \
			"KERNELS=\"6.1 6.12\" userspace/install-deps"
		exit 1
	fi
fi
case $kver in
6.12.*) ;;
*) echo "FAIL: $kdir is kernel $kver, not 6.12"; exit 1 ;;
esac
[ -f "$src" ] || { echo "FAIL: no $src (linux-source-6.12)"; exit 1; }
echo "kernel $kver: $kdir, NTB core from $src"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# KVER and KDIR on the command line: a make check's exported 6.1 ones
# must not leak in
find "$ROOT/emu" "$ROOT/ntb_netdev" "$ROOT/dma" "$ROOT/ringbuf" "$ROOT/tests/hostile" -name '*.c' -exec touch {} + 2>/dev/null || true
make -C "$ROOT" KVER="$kver" KDIR="$kdir" LINUX_SRC_TAR="$src" lint >"$out" 2>&1 ||
	{ cat "$out"; echo "FAIL: make lint for $kver failed"; exit 1; }
cat "$out"
if grep -E "warning:|error:|sparse:" "$out"; then
	echo "FAIL: warnings above"
	exit 1
fi
for ko in "$ROOT/ntbnet.ko" "$ROOT/build/ntb-upstream/$kver/ntb.ko"; do
	vm=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	[ "$vm" = "$kver" ] || { echo "FAIL: $ko is for $vm, not $kver"; exit 1; }
done
grep -q "^obj-m" "$ROOT/build/ntb-upstream/$kver/Kbuild" &&
	cmp -s "$ROOT/build/linux-src/6.12/drivers/ntb/core.c" "$ROOT/build/ntb-upstream/$kver/core.c" ||
	{ echo "FAIL: the NTB core for $kver is not linux-source-6.12's"; exit 1; }
echo "$kver: W=1 and sparse clean, NTB core from linux-source-6.12"
