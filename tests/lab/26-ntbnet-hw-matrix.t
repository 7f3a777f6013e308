#!/bin/bash
# ntbnet on every emulated hardware profile (docs/hardware.md), in the
# emulator's strict mode, pair topology, one boot each: ping both ways,
# iperf3 TCP each way, 16 MiB each way checked by SHA-256; on the profiles
# whose handshake differs most from the default (amd: 8 scratchpads, the
# NAS platform; idt: message registers, outbound translation) b crashed and
# booted with a's interface and address kept (the crash costs 20 s a
# profile; NTBNET_HW_CRASH="..." picks others). Then upstream ntb_transport +
# ntb_netdev on the same profile: its outcome (runs / refuses, and the
# message) must be the one docs/hardware.md states; a boot each, so in
# make check only where the outcome differs most (amd, the NAS platform;
# switchtec; idt, which upstream refuses): NTBNET_HW_UPSTREAM="..." picks
# others, "all" every profile. The default profile
# is the subject of tests 12 and 20-25. The table is written to
# build/results/hw-matrix.txt.
#
#   NTBNET_HW_PROFILES="amd idt" tests/lab/26-ntbnet-hw-matrix.t
#   NTBNET_HW_PROFILES=default NTBNET_HW_CRASH=default \
#     NTBNET_HW_RESULTS=build/results/hw-default.txt tests/lab/26-ntbnet-hw-matrix.t
#                     # the one-boot pair check tests/lab/kernels.sh runs on 6.12
#   NTBNET_HW_CPUS=2 NTBNET_HW_UPSTREAM=none tests/lab/26-ntbnet-hw-matrix.t
#                     # 2 vCPUs a node: ntbnet runs 2 queue pairs where the
#                     # profile's window holds them (the row says how many)
set -eu
. "$(dirname "$0")/lib.sh"
need_module ntbnet
PROFILES=${NTBNET_HW_PROFILES:-intel-b2b intel-pri-sec amd switchtec idt epf}
CRASH=" ${NTBNET_HW_CRASH:-amd idt} "
UPSTREAM=" ${NTBNET_HW_UPSTREAM:-amd switchtec idt} "
[ "$UPSTREAM" != " all " ] || UPSTREAM=" $PROFILES "
# What upstream does on each profile (docs/hardware.md): "runs", or
# "refuses:<dmesg pattern>".
upstream_expect() {
	case $1 in
	# translation on the outbound side only (its first check)
	idt) echo "refuses:Inbound MW based NTB API is required" ;;
	*) echo runs ;;
	esac
}
CPUS=${NTBNET_HW_CPUS:-}
RESULTS=${NTBNET_HW_RESULTS:-$ROOT/build/results/hw-matrix.txt}
mkdir -p "$(dirname "$RESULTS")"
: >"$RESULTS.new"
row() { echo "$*" >>"$RESULTS.new"; ok "$*"; }

ntbnet_on() {	# profile
	local p=$1 r1 r2 ifindex crashed=
	export NTBLAB_DIR=$ROOT/build/test-lab-hw-$p
	lab_up --topology pair --driver ntbnet --hw "$p" ${CPUS:+--cpus "$CPUS"} >/dev/null
	on_q a grep -q "^profile $p$" /sys/kernel/debug/ntb_hw_ivshmem/0000:00:10.0/info ||
		fail "$p: the emulator does not report profile $p"
	wait_until_q 10 pings a $B || fail "$p: ping a -> b"
	pings b $A || fail "$p: ping b -> a"
	iperf_servers a b
	r1=$(iperf a $B -t 2) || fail "$p: iperf3 a -> b"
	r2=$(iperf b $A -t 2) || fail "$p: iperf3 b -> a"
	sha_check a b $B
	sha_check b a $A
	case $CRASH in *" $p "*)
		ifindex=$(on_q a cat /sys/class/net/ntb0/ifindex)
		"$NTBLAB" crash b
		wait_until_q 5 no_carrier a || fail "$p: a keeps carrier after b crashed"
		"$NTBLAB" boot b >/dev/null || fail "$p: boot b"
		wait_until_q 10 carrier a || fail "$p: carrier not back on a after b booted"
		wait_until_q 10 pings a $B || fail "$p: ping a -> b after b rebooted"
		[ "$(on_q a cat /sys/class/net/ntb0/ifindex)" = "$ifindex" ] ||
			fail "$p: a's interface re-created"
		on_q a ip -o addr show dev ntb0 | grep -q "$A/24" || fail "$p: a lost its address"
		crashed=", crash + boot of b"
		;;
	esac
	clean_logs
	row "$p ntbnet: runs ($(on_q a cat /sys/kernel/debug/ntbnet/0000:00:10.0/state |
		awk '/^handshake:/ { sub(/^handshake: /, ""); h = $0 } /^translation:/ { t = $2 } /^queues:/ { q = $2 } END { printf "%s, %s translation, %s queue(s)", h, t, q }');" \
		"ping, SHA-256 16 MiB each way$crashed; TCP a->b $r1, b->a $r2)"
	"$NTBLAB" down >/dev/null
}

# Upstream on the same profile: modprobe by hand (node-setup would stop at
# a missing interface), then either the link works or dmesg says why not.
upstream_on() {	# profile
	local p=$1 want got why
	want=$(upstream_expect "$p")
	export NTBLAB_DIR=$ROOT/build/test-lab-hw-$p-upstream
	lab_up --topology pair --driver none --hw "$p" >/dev/null
	for n in a b; do
		on_q $n modprobe ntb_hw_ivshmem || fail "$p: modprobe ntb_hw_ivshmem on $n"
		# refused by ntb_transport: ntb_netdev's load fails with ENODEV
		on_q $n modprobe ntb_netdev >/dev/null 2>&1 || true
	done
	has_eth() { on_q "$1" test -e /sys/class/net/eth0; }
	if wait_until_q 15 has_eth a && has_eth b; then
		on_q a ip addr add $A/24 dev eth0
		on_q b ip addr add $B/24 dev eth0
		on_q a ip link set eth0 up
		on_q b ip link set eth0 up
		if wait_until_q 30 on_q a ping -c 1 -W 1 $B >/dev/null 2>&1; then
			got=runs
			why="ping a -> b over eth0"
		else
			got=fails
			why="eth0 created, no ping in 30 s"
		fi
	else
		got=refuses
		why=$(on_q a 'dmesg | grep -i -E "ntb_transport|ntb_netdev|ntb" | grep -i -v -E "ntb_hw_ivshmem|emulated" | tail -2' | tr '\n' ' ')
	fi
	case $want in
	runs) [ "$got" = runs ] || fail "$p: upstream $got ($why), docs/hardware.md says it runs" ;;
	refuses:*)
		[ "$got" = refuses ] || fail "$p: upstream $got ($why), docs/hardware.md says it refuses"
		echo "$why" | grep -q -i -E "${want#refuses:}" ||
			fail "$p: upstream refuses, but not with the message expected: $why" ;;
	esac
	row "$p upstream: $got ($why)"
	"$NTBLAB" down >/dev/null
}

for p in $PROFILES; do
	ntbnet_on "$p"
	case $UPSTREAM in *" $p "*) upstream_on "$p" ;; esac
done
mv "$RESULTS.new" "$RESULTS"
ok "ntbnet on every profile ($PROFILES); upstream as documented on$UPSTREAM; table in ${RESULTS#"$ROOT"/}"
