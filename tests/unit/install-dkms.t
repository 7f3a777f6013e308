#!/bin/bash
# `make install` puts what an operator runs where modprobe finds it (ntbnet
# and the NTB core, the kernel having no CONFIG_NTB) and nothing else: no
# emulator, hostile peer or upstream test client on a controller; `make
# install-lab` installs those in a directory of their own. DKMS builds
# ntbnet (with the NTB core from linux-source) against the installed headers
# and installs the same two modules only.
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
fail() { echo "FAIL: $*"; exit 1; }
# the modules an operator runs; the kernel has no CONFIG_NTB here
want="ntb.ko ntbnet.ko"
lab="ntb_hostile.ko ntb_hw_ivshmem.ko ntb_netdev.ko ntb_perf.ko ntb_pingpong.ko ntb_swdma.ko ntb_tool.ko ntb_transport.ko"
grep -qs '^CONFIG_NTB=' "/lib/modules/$KVER/build/include/config/auto.conf" &&
	{ echo "kernel $KVER has CONFIG_NTB: this test expects Debian's kernel"; exit 77; }
list() { (cd "$1" && ls) | sort | tr '\n' ' ' | sed 's/ $//'; }

# make install into a staging root, over a test module an older version put there
mkdir -p "$dest/lib/modules/$KVER/extra/ntbnet"
touch "$dest/lib/modules/$KVER/extra/ntbnet/ntb_hostile.ko"
make -s -C "$ROOT" install DESTDIR="$dest" >/dev/null
got=$(list "$dest/lib/modules/$KVER/extra/ntbnet")
[ "$got" = "$want" ] || fail "make install installed '$got', not '$want'"
modinfo -F name "$dest/lib/modules/$KVER/extra/ntbnet/ntbnet.ko" | grep -qx ntbnet ||
	fail "installed ntbnet.ko has no modinfo name"
echo "ok: make install installs only $want (and removed a stale ntb_hostile.ko)"

make -s -C "$ROOT" install-lab DESTDIR="$dest" >/dev/null
got=$(list "$dest/lib/modules/$KVER/extra/ntbnet-lab")
[ "$got" = "$lab" ] || fail "make install-lab installed '$got', not '$lab'"
[ "$(list "$dest/lib/modules/$KVER/extra/ntbnet")" = "$want" ] ||
	fail "make install-lab touched extra/ntbnet"
echo "ok: make install-lab installs the test modules into extra/ntbnet-lab only"

# DKMS: add, build against the installed headers, check the result
make -s -C "$ROOT" dkms-add DKMS_VERSION="$VER" >/dev/null
conf=/usr/src/ntbnet-$VER/dkms.conf
grep -q "PACKAGE_VERSION=\"$VER\"" "$conf" || fail "dkms.conf not versioned"
names=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"/\1.ko/p' "$conf" | sort | tr '\n' ' ' | sed 's/ $//')
[ "$names" = "$want" ] || fail "dkms.conf installs '$names', not '$want'"
if ! dkms build "ntbnet/$VER" -k "$KVER" >"$dest/dkms.log" 2>&1; then
	tail -n 40 "$dest/dkms.log"
	cat "/var/lib/dkms/ntbnet/$VER/build/make.log" 2>/dev/null | tail -n 40
	fail "dkms build"
fi
built=$(ls "/var/lib/dkms/ntbnet/$VER/$KVER/"*/module/ | sed 's/\.ko.*/.ko/' | sort | tr '\n' ' ' | sed 's/ $//')
[ "$built" = "$want" ] || fail "dkms keeps '$built' to install, not '$want'"
dkms status "ntbnet/$VER" | grep -q built || fail "dkms status: $(dkms status "ntbnet/$VER")"
echo "ok: dkms build ntbnet/$VER for $KVER, installs $built: $(dkms status "ntbnet/$VER")"
