#!/bin/bash
# `make install` puts every module where modprobe finds it, and DKMS builds
# ntbnet (with the NTB core from linux-source) against the installed headers.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "needs root (dkms)"; exit 77; }
command -v dkms >/dev/null || { echo "dkms not installed"; exit 77; }
KVER=$("$ROOT/userspace/kver")
VER=0.0test$$
dest=$(mktemp -d)
cleanup() {
	dkms remove "ntbnet/$VER" --all >/dev/null 2>&1 || true
	rm -rf "/usr/src/ntbnet-$VER" "$dest"
}
trap cleanup EXIT

# make install into a staging root
make -s -C "$ROOT" install DESTDIR="$dest" >/dev/null
for m in ntbnet ntb_hw_ivshmem ntb_swdma ntb; do
	[ -f "$dest/lib/modules/$KVER/extra/ntbnet/$m.ko" ] ||
		{ echo "FAIL: make install did not install $m.ko"; exit 1; }
done
modinfo -F name "$dest/lib/modules/$KVER/extra/ntbnet/ntbnet.ko" | grep -qx ntbnet ||
	{ echo "FAIL: installed ntbnet.ko has no modinfo name"; exit 1; }
echo "ok: make install DESTDIR=... installs ntbnet, the emulator and ntb.ko"

# DKMS: add, build against the installed headers, check the result
make -s -C "$ROOT" dkms-add DKMS_VERSION="$VER" >/dev/null
grep -q "PACKAGE_VERSION=\"$VER\"" "/usr/src/ntbnet-$VER/dkms.conf" ||
	{ echo "FAIL: dkms.conf not versioned"; exit 1; }
if ! dkms build "ntbnet/$VER" -k "$KVER" >"$dest/dkms.log" 2>&1; then
	tail -n 40 "$dest/dkms.log"
	cat "/var/lib/dkms/ntbnet/$VER/build/make.log" 2>/dev/null | tail -n 40
	echo "FAIL: dkms build"
	exit 1
fi
for m in ntbnet ntb ntb_hw_ivshmem ntb_swdma; do
	ls "/var/lib/dkms/ntbnet/$VER/$KVER/"*/module/$m.ko* >/dev/null 2>&1 ||
		{ echo "FAIL: dkms built no $m.ko"; exit 1; }
done
dkms status "ntbnet/$VER" | grep -q built || { echo "FAIL: dkms status: $(dkms status "ntbnet/$VER")"; exit 1; }
echo "ok: dkms build ntbnet/$VER for $KVER: $(dkms status "ntbnet/$VER")"
