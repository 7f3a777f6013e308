#!/bin/bash
# tests/lab/kernels.sh 6.12|mixed - the kernels users run (tests 27, 28).
#
# Both: our modules and the NTB core for the newest 6.12 installed
# (make KVER=... modules: the NTB core from linux-source-6.12). Then
#   6.12   both nodes on 6.12: test 26 on the default profile alone
#          (ntbnet pair: ping both ways, iperf3 both ways, SHA-256 both
#          ways, b crashed and back; then the upstream ntb_transport +
#          ntb_netdev pair on the same profile, up to a ping over eth0)
#          and 41 (the hostile peer); test 20's longer list (MTU, UDP,
#          window corruption, reloads, ntbnetctl) runs on 6.12 in the
#          mixed pair, test 12 (upstream's pair at length) by hand:
#          KERNELS_612_ALL=1;
#   mixed  a on 6.1, b on 6.12 (a controller upgraded before its partner):
#          test 20, which pairs ntbnet across them, crashes b and takes it
#          back (the other way round, a on 6.12: KERNELS_BOTH_WAYS=1; CI
#          time keeps it out of make check).
# Each part is the named test run as it is, with NTBLAB_KERNEL
# (ntblab up --kernel) choosing the kernels; every boot says what uname -r
# answered on each node (lib.sh lab_up), and that must be the kernel asked
# for. Needs the 6.12 image, headers and source:
# KERNELS="6.1 6.12" userspace/install-deps (CI installs them).
set -u
mode=${1:-}
case $mode in
6.12|mixed) ;;
*) echo "usage: tests/lab/kernels.sh 6.12|mixed" >&2; exit 2 ;;
esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86 not installed"; exit 77; }
k612=$(cd /lib/modules && ls -d 6.12.*/build 2>/dev/null | sed 's|/build$||' | sort -V | tail -n 1)
[ -n "$k612" ] || { echo "no 6.12 kernel headers: KERNELS=\"6.1 6.12\" userspace/install-deps"; exit 77; }
[ -e "/boot/vmlinuz-$k612" ] || { echo "FAIL: 6.12 headers $k612 but no /boot/vmlinuz-$k612"; exit 1; }
k61=$(KVER= "$ROOT/userspace/kver") || { echo "FAIL: userspace/kver found no default kernel"; exit 1; }
case $k61 in
6.1.*) ;;
*) echo "FAIL: the default kernel is $k61, not a 6.1"; exit 1 ;;
esac
echo "kernels: $k61 (default) and $k612"

t0=$(date +%s)
# KDIR is given: the make that runs make check exports 6.1's
make -s -C "$ROOT" KVER="$k612" KDIR="/lib/modules/$k612/build" modules ||
	{ echo "FAIL: modules for $k612"; exit 1; }
for m in ntbnet ntb ntb_hw_ivshmem ntb_transport ntb_netdev ntb_hostile; do
	[ -f "$ROOT/build/modules/$k612/$m.ko" ] || { echo "FAIL: $m.ko for $k612 not built"; exit 1; }
done
echo "ok ($(( $(date +%s) - t0 ))s): modules for $k612"

rc=0
# run KA KB TEST WHAT: one lab test, node a on kernel KA, b on KB (each
# boot of the lab says what uname -r answered on each node: lib.sh lab_up)
run() {
	local ka=$1 kb=$2 t=$ROOT/tests/lab/$3 what=$4 start out r spec nk
	spec="a=$ka,b=$kb"
	start=$(date +%s)
	out=$(NTBLAB_KERNEL=$spec "$t" 2>&1)
	r=$?
	for nk in "a $ka" "b $kb"; do
		if [ $r -eq 0 ] && ! echo "$out" | grep -qx "node ${nk% *}: kernel ${nk#* }"; then
			out="$out
FAIL: node ${nk% *} did not run ${nk#* }"
			r=1
		fi
	done
	if [ $r -eq 0 ]; then
		echo "$out" | grep '^ok\|^node' | awk '!seen[$0]++' | sed 's/^/    /'
		echo "ok ($(( $(date +%s) - start ))s): $what ($3, kernel $spec)"
	else
		echo "$out" | tail -n 40 | sed 's/^/    | /'
		# the test's own verdict, which the log dump above may push out
		echo "$out" | grep -E '^(ok|FAIL)' | tail -n 3 | sed 's/^/    > /'
		echo "FAIL: $what ($3, kernel $spec, exit $r)"
		rc=1
	fi
}

if [ "$mode" = 6.12 ]; then
	NTBNET_HW_PROFILES=default NTBNET_HW_CRASH=default NTBNET_HW_UPSTREAM=default \
		NTBNET_HW_RESULTS=$ROOT/build/results/hw-default-6.12.txt \
		run "$k612" "$k612" 26-ntbnet-hw-matrix.t \
		"ntbnet pair on 6.12 (ping, iperf3, SHA-256, b crashed), upstream pair (ping)"
	[ -z "${KERNELS_612_ALL:-}" ] ||
		run "$k612" "$k612" 12-upstream-netdev-pair.t "upstream netdev pair on 6.12"
	run "$k612" "$k612" 41-hostile.t "hostile peer on 6.12"
else
	run "$k61" "$k612" 20-ntbnet-pair.t "ntbnet mixed pair, a on 6.1, b on 6.12"
	[ "${KERNELS_BOTH_WAYS:-0}" = 0 ] ||
		run "$k612" "$k61" 20-ntbnet-pair.t "ntbnet mixed pair, a on 6.12, b on 6.1"
fi
exit $rc
