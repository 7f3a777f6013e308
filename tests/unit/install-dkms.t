#!/bin/bash
# `make install` puts what an operator runs where modprobe finds it (ntbnet
# and the NTB core, the kernel having no CONFIG_NTB) and nothing else: no
# emulator, hostile peer or upstream test client on a controller; `make
# install-lab` installs those in a directory of their own. `make dkms-add`
# registers the DKMS source (ntbnet's kernel sources only) and `dkms
# install` builds ntbnet with the NTB core from that kernel's own
# linux-source and installs the same two modules only.
#
# All of it for every kernel with headers here (6.1 and 6.12 with
# KERNELS="6.1 6.12" userspace/install-deps), each checked by vermagic; the
# default kernel (userspace/kver) last, so the tree's objects are its own
# again for the tests after this one. make install goes to a staging root;
# dkms install to the real /lib/modules/<kernel>/updates/dkms, removed
# again at the end. The package path is tests/unit/deb-dkms.t.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "needs root (dkms)"; exit 77; }
command -v dkms >/dev/null || { echo "dkms not installed"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
def=$("$ROOT/userspace/kver") || fail "no kernel headers: run make deps"
others=$(for d in /lib/modules/*/build/include; do
	[ -d "$d" ] || continue
	k=${d#/lib/modules/}; k=${k%/build/include}
	[ "$k" = "$def" ] || echo "$k"
done | sort -V)
# shellcheck disable=SC2116,SC2086
kernels=$(echo $others "$def")
VER=0.0test$$
dest=$(mktemp -d)
cleanup() {
	dkms remove "ntbnet/$VER" --all >/dev/null 2>&1 || true
	rm -rf "/usr/src/ntbnet-$VER" "$dest"
}
trap cleanup EXIT
list() { (cd "$1" && ls) | sed 's/\.ko\..*/.ko/' | sort | tr '\n' ' ' | sed 's/ $//'; }
has_ntb() { grep -qs '^CONFIG_NTB=' "/lib/modules/$1/build/include/config/auto.conf"; }
series() { echo "$1" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/'; }
vermagic() { modinfo -F vermagic "$1" | cut -d' ' -f1; }

# a DKMS ntbnet of the operator's would be overwritten and removed here;
# one only added or built (a test of another checkout) does not matter
if dkms status ntbnet 2>/dev/null | grep -q ': installed'; then
	fail "ntbnet is installed through DKMS already ($(dkms status ntbnet 2>/dev/null | tr '\n' ' ')): dkms remove it first"
fi
for k in $kernels; do
	ls "/lib/modules/$k/updates/dkms/ntb.ko"* "/lib/modules/$k/updates/dkms/ntbnet.ko"* 2>/dev/null &&
		fail "/lib/modules/$k/updates/dkms holds the ntbnet modules above already"
done
for k in $kernels; do
	has_ntb "$k" || [ -f "/usr/src/linux-source-$(series "$k").tar.xz" ] ||
		fail "kernel $k has headers but no linux-source-$(series "$k"): KERNELS=\"6.1 $(series "$k")\" userspace/install-deps"
done
echo "kernels with headers: $kernels (default $def)"

# the build says which package is missing, before it needs it
k=${kernels%% *}
if ! has_ntb "$k"; then
	out=$(make -s --no-print-directory -C "$ROOT" KVER="$k" KDIR="/lib/modules/$k/build" \
		LINUX_SRC_TAR= INSTALLED_ONLY=y ntb-source-check 2>&1) &&
		fail "ntb-source-check passed without linux-source"
	out=$(echo "$out" | grep '^ntbnet:') || true
	echo "$out" | grep -q "apt install linux-source-$(series "$k")\$" ||
		fail "no clear message for a missing linux-source: $out"
	echo "ok: without its source, the build for $k says: $out"
fi

make -s -C "$ROOT" dkms-add DKMS_VERSION="$VER" >/dev/null
conf=/usr/src/ntbnet-$VER/dkms.conf
grep -q "PACKAGE_VERSION=\"$VER\"" "$conf" || fail "dkms.conf not versioned"
names=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"/\1.ko/p' "$conf" | sort | tr '\n' ' ' | sed 's/ $//')
[ "$names" = "ntb.ko ntbnet.ko" ] || fail "dkms.conf installs '$names', not 'ntb.ko ntbnet.ko'"
if [ -e "/usr/src/ntbnet-$VER/emu" ] || [ -e "/usr/src/ntbnet-$VER/tests" ]; then
	fail "the DKMS source carries the emulator or the tests"
fi
echo "ok: make dkms-add registered ntbnet/$VER, $(find "/usr/src/ntbnet-$VER" -type f | wc -l) files"

for k in $kernels; do
	# the modules an operator runs, and the lab's
	if has_ntb "$k"; then
		want="ntbnet.ko"
		lab="ntb_hostile.ko ntb_hw_ivshmem.ko ntb_swdma.ko"
	else
		want="ntb.ko ntbnet.ko"
		lab="ntb_hostile.ko ntb_hw_ivshmem.ko ntb_netdev.ko ntb_perf.ko ntb_pingpong.ko ntb_swdma.ko ntb_tool.ko ntb_transport.ko"
	fi
	kdir=/lib/modules/$k/build
	inst=$dest/lib/modules/$k/extra/ntbnet
	t0=$(date +%s)
	# make install into a staging root, over a test module an older version put there
	mkdir -p "$inst"
	touch "$inst/ntb_hostile.ko"
	make -s -C "$ROOT" install KVER="$k" KDIR="$kdir" DESTDIR="$dest" >"$dest/make.log" 2>&1 ||
		{ tail -n 30 "$dest/make.log"; fail "make install KVER=$k"; }
	got=$(list "$inst")
	[ "$got" = "$want" ] || fail "make install for $k installed '$got', not '$want'"
	for m in $want; do
		[ "$(vermagic "$inst/$m")" = "$k" ] || fail "make install put $m for $(vermagic "$inst/$m") into $k"
	done
	echo "ok: $k: make install installs only $want, vermagic $k (and removed a stale ntb_hostile.ko), $(($(date +%s) - t0)) s"

	make -s -C "$ROOT" install-lab KVER="$k" KDIR="$kdir" DESTDIR="$dest" >"$dest/make.log" 2>&1 ||
		{ tail -n 30 "$dest/make.log"; fail "make install-lab KVER=$k"; }
	got=$(list "$dest/lib/modules/$k/extra/ntbnet-lab")
	[ "$got" = "$lab" ] || fail "make install-lab for $k installed '$got', not '$lab'"
	[ "$(list "$inst")" = "$want" ] || fail "make install-lab touched extra/ntbnet"
	echo "ok: $k: make install-lab installs the test modules into extra/ntbnet-lab only"

	# DKMS: build against the installed headers, install, check the result
	t0=$(date +%s)
	if ! dkms install "ntbnet/$VER" -k "$k" >"$dest/dkms.log" 2>&1; then
		tail -n 40 "$dest/dkms.log"
		tail -n 40 "/var/lib/dkms/ntbnet/$VER/build/make.log" 2>/dev/null || true
		fail "dkms install ntbnet/$VER -k $k"
	fi
	built=$(list "/var/lib/dkms/ntbnet/$VER/$k/$(uname -m)/module")
	[ "$built" = "$want" ] || fail "dkms built '$built' for $k, not '$want'"
	st=$(dkms status "ntbnet/$VER" -k "$k" 2>/dev/null)
	echo "$st" | grep -q ': installed' || fail "dkms status for $k: $st"
	for m in $want; do
		f=$(modinfo -k "$k" -F filename "${m%.ko}") || fail "modinfo -k $k finds no ${m%.ko}"
		case $f in
		/lib/modules/$k/updates/dkms/$m*) ;;
		*) fail "modprobe would load ${m%.ko} for $k from $f, not DKMS's" ;;
		esac
		[ "$(vermagic "$f")" = "$k" ] || fail "$f is for $(vermagic "$f"), not $k"
	done
	echo "ok: $k: dkms install ntbnet/$VER installs $built, vermagic $k, $(($(date +%s) - t0)) s"
done

dkms remove "ntbnet/$VER" --all >/dev/null 2>&1 || fail "dkms remove ntbnet/$VER --all"
for k in $kernels; do
	ls "/lib/modules/$k/updates/dkms/ntb.ko"* "/lib/modules/$k/updates/dkms/ntbnet.ko"* 2>/dev/null &&
		fail "dkms remove left the modules above"
	f=$(modinfo -k "$k" -F filename ntbnet 2>/dev/null) || continue
	case $f in */updates/dkms/*) fail "modprobe still finds $f for $k" ;; esac
done
echo "ok: dkms remove --all took ntbnet/$VER off every kernel"
