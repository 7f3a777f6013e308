#!/bin/bash
# The Debian package is an install path: `make deb` builds
# build/deb/ntbnet-dkms_<version>_all.deb from the tree (dh-dkms, offline,
# unsigned), `apt-get install ./...deb` has DKMS build and install ntbnet.ko
# and the NTB core ntb.ko for every kernel with headers here (6.1 and 6.12
# with KERNELS="6.1 6.12" userspace/install-deps), each one's vermagic its
# kernel's and modprobe finding both; the kernel-install hook
# (/etc/kernel/postinst.d/dkms, dkms autoinstall) installs them again for a
# kernel that lacks them; `apt-get purge` leaves nothing: no DKMS entry, no
# /usr/src/ntbnet-<version>, no module under /lib/modules/*/updates/dkms.
#
# The package must hold the DKMS source only (no emulator, tests, tools),
# depend on dkms and recommend the linux-source of each kernel series here.
# Everything the test installs is purged on exit, pass or fail.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "needs root (apt, dkms)"; exit 77; }
for c in dkms dpkg-buildpackage dh_dkms apt-get; do
	command -v "$c" >/dev/null ||
		{ echo "$c not installed (dkms, dpkg-dev, debhelper, dh-dkms: userspace/install-deps)"; exit 77; }
done
fail() { echo "FAIL: $*"; exit 1; }
has_ntb() { grep -qs '^CONFIG_NTB=' "/lib/modules/$1/build/include/config/auto.conf"; }
series() { echo "$1" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/'; }
vermagic() { modinfo -F vermagic "$1" | cut -d' ' -f1; }
pkg_status() { dpkg-query -W -f='${db:Status-Status}' ntbnet-dkms 2>/dev/null || true; }
words() { echo "$*" | tr '\n' ' ' | sed 's/ $//'; }
dkms_mods() {	# the ntbnet modules DKMS put under a kernel, or nothing
	(cd "/lib/modules/$1/updates/dkms" 2>/dev/null &&
		ls -- ntb.ko* ntbnet.ko* 2>/dev/null) | sed 's/\.ko\..*/.ko/' | sort | tr '\n' ' ' | sed 's/ $//'
}
kernels=$(for d in /lib/modules/*/build/include; do
	[ -d "$d" ] || continue
	k=${d#/lib/modules/}; echo "${k%/build/include}"
done | sort -V)
[ -n "$kernels" ] || fail "no kernel headers: run make deps"

# The test installs and purges the package: it must not take an operator's.
if [ "$(pkg_status)" = installed ]; then
	fail "ntbnet-dkms is installed on this machine: the test would purge it (apt-get purge ntbnet-dkms first)"
fi
# Another ntbnet only added or built (a test of another checkout) does not
# matter: the checks below are for the package's version.
if dkms status ntbnet 2>/dev/null | grep -q ': installed'; then
	fail "ntbnet is installed through DKMS already ($(words "$(dkms status ntbnet 2>/dev/null)")): dkms remove it first"
fi
for k in $kernels; do
	[ -z "$(dkms_mods "$k")" ] || fail "/lib/modules/$k/updates/dkms holds ntbnet modules already"
	has_ntb "$k" || [ -f "/usr/src/linux-source-$(series "$k").tar.xz" ] ||
		fail "kernel $k has headers but no linux-source-$(series "$k"): KERNELS=\"6.1 $(series "$k")\" userspace/install-deps"
done
echo "kernels with headers: $(words "$kernels")"

log=$(mktemp)
ver=
cleanup() {
	if [ -n "$(pkg_status)" ] && [ "$(pkg_status)" != not-installed ]; then
		apt-get purge -y -q -o DPkg::Lock::Timeout=300 ntbnet-dkms >/dev/null 2>&1 ||
			dpkg --purge --force-remove-reinstreq ntbnet-dkms >/dev/null 2>&1 || true
	fi
	if [ -n "$ver" ]; then
		dkms remove "ntbnet/$ver" --all >/dev/null 2>&1 || true
		rm -rf "/usr/src/ntbnet-$ver"
	fi
	rm -f "$log"
}
trap cleanup EXIT

# the package
t0=$(date +%s)
make -s -C "$ROOT" deb >"$log" 2>&1 || { tail -n 30 "$log"; fail "make deb"; }
set -- "$ROOT"/build/deb/ntbnet-dkms_*_all.deb
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	fail "make deb made '$*', not one build/deb/ntbnet-dkms_<version>_all.deb"
fi
deb=$1
ver=$(dpkg-deb -f "$deb" Version)
[ "$deb" = "$ROOT/build/deb/ntbnet-dkms_${ver}_all.deb" ] || fail "$deb is not named after its version $ver"
echo "ok: make deb built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) in $(($(date +%s) - t0)) s"

dpkg-deb -f "$deb" Depends | grep -q '\bdkms\b' || fail "Depends: $(dpkg-deb -f "$deb" Depends) lacks dkms"
rec=$(dpkg-deb -f "$deb" Recommends)
for k in $kernels; do
	has_ntb "$k" || echo "$rec" | grep -q "linux-source-$(series "$k")\b" ||
		fail "Recommends: $rec does not name linux-source-$(series "$k") (kernel $k): userspace/dkms/debian/control"
done
src=./usr/src/ntbnet-$ver
files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $NF }' | sort)
extra=$(echo "$files" | grep -v "^$src/\(Makefile\|Kbuild\|dkms.conf\|userspace/dkms/pre-build\|compat/[a-z_]*\.h\|ntb_netdev/[a-z_]*\.[ch]\|dma/[a-z_]*\.[ch]\|ringbuf/ntbring[a-z_]*\.[ch]\)\$" |
	grep -v '^./usr/share/doc/ntbnet-dkms/' || true)
[ -z "$extra" ] || fail "the package holds more than the DKMS source: $(words "$extra")"
for f in Makefile Kbuild dkms.conf userspace/dkms/pre-build ntb_netdev/main.c; do
	echo "$files" | grep -qxF "$src/$f" || fail "the package lacks $src/$f"
done
echo "ok: $(echo "$files" | grep -c "^$src/") files in /usr/src/ntbnet-$ver, no emulator or test code; Depends: $(dpkg-deb -f "$deb" Depends); Recommends: $rec"

# install: DKMS builds for every kernel here
t0=$(date +%s)
if ! apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "$deb" >"$log" 2>&1; then
	tail -n 40 "$log"
	tail -n 40 "/var/lib/dkms/ntbnet/$ver/build/make.log" 2>/dev/null || true
	fail "apt-get install $deb"
fi
echo "ok: apt-get install $(basename "$deb"): $(($(date +%s) - t0)) s for $(echo "$kernels" | wc -l) kernel(s)"
grep '^Building for ' "$log" || true

check_kernel() {	# $1 kernel: both modules DKMS-installed for it, vermagic, modprobe
	local k=$1 want st m f
	if has_ntb "$k"; then want="ntbnet.ko"; else want="ntb.ko ntbnet.ko"; fi
	st=$(dkms status "ntbnet/$ver" -k "$k" 2>/dev/null)
	echo "$st" | grep -q ': installed' || fail "dkms status for $k: '$st'"
	[ "$(dkms_mods "$k")" = "$want" ] ||
		fail "/lib/modules/$k/updates/dkms has '$(dkms_mods "$k")', not '$want'"
	for m in $want; do
		f=$(modinfo -k "$k" -F filename "${m%.ko}") || fail "modinfo -k $k finds no ${m%.ko}"
		case $f in
		"/lib/modules/$k/updates/dkms/$m"*) ;;
		*) fail "modprobe would load ${m%.ko} for $k from $f, not the package's" ;;
		esac
		[ "$(vermagic "$f")" = "$k" ] || fail "$f is for $(vermagic "$f"), not $k"
	done
	# what modprobe ntbnet would insert, in order: ntb first, then ntbnet
	modprobe -n --show-depends -S "$k" ntbnet >"$log" 2>&1 ||
		{ cat "$log"; fail "modprobe --show-depends -S $k ntbnet"; }
	grep -q "updates/dkms/ntbnet.ko" "$log" || { cat "$log"; fail "modprobe -S $k ntbnet would not load the package's ntbnet"; }
	has_ntb "$k" || grep -q "updates/dkms/ntb.ko" "$log" ||
		{ cat "$log"; fail "modprobe -S $k ntbnet would not load the package's ntb.ko first"; }
	echo "ok: $k: $want installed by DKMS, vermagic $k, modprobe ntbnet loads $(words "$(sed 's|.*/||; s/ *$//' "$log")")"
}
for k in $kernels; do
	check_kernel "$k"
done

# A kernel without the modules: the hook apt runs when it installs one.
# Uninstalled, not removed: the build for this kernel was checked above,
# here the hook's taking the package's version for it (a rebuild would
# cost another minute or two).
k=$(echo "$kernels" | tail -n 1)
dkms uninstall "ntbnet/$ver" -k "$k" >/dev/null 2>&1 || fail "dkms uninstall ntbnet/$ver -k $k"
[ -z "$(dkms_mods "$k")" ] || fail "dkms uninstall -k $k left $(dkms_mods "$k")"
t0=$(date +%s)
/etc/kernel/postinst.d/dkms "$k" >"$log" 2>&1 || { tail -n 30 "$log"; fail "/etc/kernel/postinst.d/dkms $k"; }
echo "ok: /etc/kernel/postinst.d/dkms $k (dkms autoinstall) installed it again in $(($(date +%s) - t0)) s"
check_kernel "$k"

# purge: nothing left
apt-get purge -y -q -o DPkg::Lock::Timeout=300 ntbnet-dkms >"$log" 2>&1 ||
	{ tail -n 30 "$log"; fail "apt-get purge ntbnet-dkms"; }
case $(pkg_status) in
""|not-installed) ;;
*) fail "ntbnet-dkms is '$(pkg_status)' after the purge" ;;
esac
left=$(dkms status "ntbnet/$ver" 2>/dev/null)
[ -z "$left" ] || fail "dkms status after purge: $left"
[ ! -e "/var/lib/dkms/ntbnet/$ver" ] || fail "/var/lib/dkms/ntbnet/$ver left after purge"
[ ! -e "/usr/src/ntbnet-$ver" ] || fail "/usr/src/ntbnet-$ver left after purge"
for k in $kernels; do
	[ -z "$(dkms_mods "$k")" ] || fail "left after purge in /lib/modules/$k/updates/dkms: $(dkms_mods "$k")"
	f=$(modinfo -k "$k" -F filename ntbnet 2>/dev/null) || continue
	case $f in */updates/dkms/*) fail "modprobe still finds $f for $k (depmod not run)" ;; esac
done
echo "ok: apt-get purge ntbnet-dkms left no DKMS entry, no /usr/src/ntbnet-$ver, no module in updates/dkms"
