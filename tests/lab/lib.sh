# tests/lab/lib.sh - the one library of the lab tests; source it from a .t
# file (or a script a .t runs), from any directory:
#
#   . "$(dirname "$0")/lib.sh"
#   need_module ntbnet                  # skip without a kernel, fail unbuilt
#   lab_up --topology pair --driver ntbnet   # lab lock, boot, down on exit
#   on a modprobe ntb_tool              # fails the test if the command fails
#   v=$(on_q b "cat $DBG/info")         # exit status returned, no failure
#   wait_until 10 "carrier on a" carrier a   # polls, fails the test on timeout
#   wait_until_q 3 no_carrier a || ...  # the same, status returned
#   iperf_servers a b; r=$(iperf a $B -t 3) || fail "iperf3 a -> b"
#   udp_no_drop 5                       # UDP a -> b, no frame dropped
#   stat_of a tx0_packets               # one ethtool -S counter
#   clean_logs a b                      # no kernel warning on either node
#
# The words, by what they do:
#   verdicts      fail MSG (ends the test; the exit trap prints what the
#                 nodes say), ok MSG (one "ok (Ns): MSG" line)
#   the lab       need_module NAME, lab_lock, lab_up ARGS (ntblab up),
#                 lab_down, lab_at_exit CMD (runs first on exit)
#   on a node     on NODE ..., on_q NODE ...: one argument is a sh command
#                 line (debugfs mounted first), more are a command and its
#                 arguments, run as they are
#   waiting       wait_until SECS WHAT CMD..., wait_until_q SECS CMD...:
#                 poll CMD every 0.1 s until it succeeds, bounded
#   conditions    carrier NODE, no_carrier NODE, pings NODE ADDR,
#                 listens NODE [PORT]
#   counters      ifname NODE (ntb0; looked up in the single topology),
#                 stat_of NODE COUNTER
#   traffic       iperf_servers NODE..., iperf NODE ARGS... (iperf3 -c ARGS,
#                 prints "X Gbit/s", fails unless data moved),
#                 sha_check FROM TO ADDR (16 MiB over TCP, SHA-256 compared),
#                 udp_no_drop SECS (UDP a -> b, the driver drops nothing)
#   kernel logs   clean_logs [NODE...] (default a b): none of $BAD_LOG,
#                 the pattern the Python tools use too (ntbtool.BAD_LOG)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NTBLAB=$ROOT/userspace/ntblab
TEST_NAME=$(basename "$0" .t)
# the test's own lab, never one a user has up (NTBLAB_DIR of the shell)
export NTBLAB_DIR=$ROOT/build/lab-test-$TEST_NAME
A=198.18.0.1
B=198.18.0.2
# node a's emulated NTB port (pair topology: both nodes' port)
DBG=/sys/kernel/debug/ntb_hw_ivshmem/0000:00:10.0
# WARNING, BUG, Oops, refcount, general protection, hung tasks, lockups,
# RCU stalls, any call trace: one definition, in userspace/ntbtool.py
BAD_LOG=$(python3 "$ROOT/userspace/ntbtool.py" bad-log)
LAB_TOPOLOGY=pair
LAB_AT_EXIT=

# ---------------------------------------------------------------- verdicts

fail() {
	echo "FAIL: $*"
	exit 1
}

ok() {
	echo "ok (${SECONDS}s): $*"
}

# ----------------------------------------------------------------- the lab

# need_module NAME: skip without a kernel to boot (its release: KVER),
# fail when NAME.ko is not built.
need_module() {
	KVER=$("$ROOT/userspace/kver" 2>/dev/null) || { echo "no kernel"; exit 77; }
	[ -f "$ROOT/build/modules/$KVER/$1.ko" ] ||
		{ echo "FAIL: $1.ko not built (make all)"; exit 1; }
}

# One lab at a time on this machine (2 cores): tests that run in parallel,
# from different checkouts too, queue here. Held until the test ends.
lab_lock() {
	[ -z "${LAB_LOCKED:-}" ] || return 0
	exec 9>>/tmp/ntbnet-lab.lock
	flock 9
	LAB_LOCKED=1
}

lab_down() {
	"$NTBLAB" down >/dev/null 2>&1 || true
}

# lab_at_exit CMD: run CMD (a shell line) on exit, before the lab goes down.
lab_at_exit() {
	LAB_AT_EXIT="$LAB_AT_EXIT$1;"
}

# On a failure: the last console lines and the NTB and warning lines of
# each node's kernel log. Then the lab goes down.
lab_exit() {
	local rc=$1 n
	eval "$LAB_AT_EXIT" || true
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		for n in a b; do
			[ -f "$NTBLAB_DIR/$n.console" ] || continue
			echo "--- last console lines of node $n"
			tail -n 40 "$NTBLAB_DIR/$n.console"
			echo "--- node $n: dmesg (ntb lines and warnings, last 30)"
			"$NTBLAB" exec -t 20 "$n" -- sh -c \
				"dmesg | grep -i -E 'ntb|$BAD_LOG' | tail -30" 2>/dev/null || true
		done
	fi
	lab_down
}

# lab_up ARGS...: take the lab lock, boot the lab (ntblab up ARGS) in
# NTBLAB_DIR; it goes down when the test ends; "node N: kernel R" for
# each node on stderr (uname -r there: tests/lab/kernels.sh checks it).
# Skips without QEMU.
lab_up() {
	command -v qemu-system-x86_64 >/dev/null ||
		{ echo "qemu-system-x86 not installed"; exit 77; }
	[ -e "$ROOT/build/modules" ] || fail "modules not built (make modules)"
	case " $* " in *" --topology single "*) LAB_TOPOLOGY=single ;; *) LAB_TOPOLOGY=pair ;; esac
	lab_lock
	lab_down
	trap 'lab_exit $?' EXIT
	"$NTBLAB" up "$@" || fail "ntblab up $*"
	local n
	for n in a b; do
		echo "node $n: kernel $(on_q "$n" uname -r)" >&2
	done
}

# ------------------------------------------------------------- on a node

# `ip netns exec` (single topology) mounts a fresh /sys without debugfs
LAB_PRE='mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null; '

# on_q NODE CMDLINE | on_q NODE CMD ARG...: run on a node; its output is
# relayed, its exit status returned.
on_q() {
	local n=$1
	shift
	if [ $# -eq 1 ]; then
		"$NTBLAB" exec "$n" -- sh -c "$LAB_PRE$1"
	else
		"$NTBLAB" exec "$n" -- "$@"
	fi
}

# on NODE ...: the same; the test fails if the command fails.
on() {
	local n=$1
	shift
	on_q "$n" "$@" || fail "on $n: $*"
}

# ----------------------------------------------------------------- waiting

# wait_until_q SECS CMD...: poll CMD (quietly) every 0.1 s until it
# succeeds; 1 after SECS seconds.
wait_until_q() {
	local end
	end=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $(( $(date +%s%N) / 1000000 )) -lt $end ] || return 1
		sleep 0.1
	done
}

# wait_until SECS WHAT CMD...: the same; ok WHAT, or the test fails with
# what the condition says at the end.
wait_until() {
	local secs=$1 what=$2
	shift 2
	if ! wait_until_q "$secs" "$@"; then
		echo "last try of: $*"
		"$@" 2>&1 | tail -n 5
		fail "timeout (${secs}s): $what"
	fi
	ok "$what"
}

# -------------------------------------------------------------- conditions

carrier() { on_q "$1" "ip -o link show dev $(ifname "$1") | grep -q LOWER_UP"; }
no_carrier() { on_q "$1" "ip -o link show dev $(ifname "$1") | grep -q NO-CARRIER"; }
pings() { on_q "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
# Processes of both nodes of the single topology share one PID space: a
# server is found by its listening socket.
listens() { on_q "$1" "ss -ltn | grep -q ':${2:-5201} '"; }

# ---------------------------------------------------------------- counters

# The node's ntbnet interface: ntb0, but in the single topology (one kernel)
# ntb0 in netns a and ntb1 in b, found by looking.
ifname() {
	if [ "$LAB_TOPOLOGY" = single ]; then
		"$NTBLAB" exec "$1" -- sh -c 'cd /sys/class/net && ls -d ntb*' | head -n 1
	else
		echo ntb0
	fi
}

# stat_of NODE COUNTER: one ethtool -S counter; a per-queue one named for
# queue 0 (tx0_X, rx0_X) is the sum over every queue (txN_X), so a test
# reads the interface's count whatever the queue count (a 2-vCPU node runs
# two queue pairs). Empty when there is no such counter.
stat_of() {
	on_q "$1" ethtool -S "$(ifname "$1")" | awk -v k="$2" '
		BEGIN { if (k ~ /^(tx|rx)0_/) re = "^" substr(k, 1, 2) "[0-9]+_" substr(k, 5) ":$" }
		re != "" && $1 ~ re { s += $2; f = 1; next }
		re == "" && $1 == k ":" { print $2; exit }
		END { if (f) print s }'
}

# ----------------------------------------------------------------- traffic

# iperf_servers NODE...: an iperf3 server on each node, listening.
iperf_servers() {
	local n
	for n in "$@"; do
		listens "$n" || on "$n" 'iperf3 -s -D >/dev/null'
	done
	# -D returns before the socket listens
	for n in "$@"; do
		wait_until_q 5 listens "$n" || fail "iperf3 server on $n does not listen"
	done
}

# iperf NODE ARGS...: iperf3 -c ARGS -J on the node; prints "X Gbit/s"
# (with --bidir "X Gbit/s + Y Gbit/s reverse"); fails unless every
# direction moved data.
iperf() {
	local n=$1 out bidir=
	shift
	case " $* " in *" --bidir "*) bidir=--bidir ;; esac
	out=$(on_q "$n" iperf3 -c "$@" -J) || { echo "$out" | tail -5; return 1; }
	echo "$out" | python3 "$ROOT/tests/lab/iperf-sum.py" $bidir
}

# sha_check FROM TO ADDR: 16 MiB of random data from node FROM to node TO
# (address ADDR) over TCP, in pieces of odd sizes (so frames start and end
# at every alignment), compared by SHA-256 at both ends.
sha_check() {
	local sha=$ROOT/tests/lab/tcp-sha.py sent got
	on_q "$2" "rm -f /tmp/sha.rx; $sha recv 5299 >/tmp/sha.rx 2>&1 &"
	# python3 starts in seconds under TCG, more on a loaded host
	wait_until_q 30 listens "$2" 5299 ||
		fail "$2 does not listen on 5299: $(on_q "$2" cat /tmp/sha.rx 2>&1)"
	sent=$(on_q "$1" "$sha" send "$3" 5299 16777216) || fail "send $1 -> $2: $sent"
	wait_until_q 10 on_q "$2" 'grep -q " " /tmp/sha.rx' || fail "$2 received nothing"
	got=$(on_q "$2" cat /tmp/sha.rx)
	[ "$got" = "$sent" ] || fail "data $1 -> $2 differs: sent '$sent', received '$got'"
}

# udp_no_drop SECS: UDP from a to b at 100 Mbit/s for SECS seconds. The
# driver must drop no frame; the only losses allowed are datagrams b's
# socket had no room for (a starved 1-vCPU receiver on a loaded host, or
# both ends in one VM), counted by the kernel as UdpRcvbufErrors.
udp_no_drop() {
	local secs=$1 rb0 txd0 rxd0 txd rxd out lost rb
	rb0=$(rcvbuf_errors b) txd0=$(if_stat a tx_dropped) rxd0=$(if_stat b rx_dropped)
	out=$(on_q a iperf3 -c $B -u -b 100M -t "$secs" -J) || fail "iperf3 UDP"
	lost=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum"]["lost_packets"])')
	txd=$(if_stat a tx_dropped) rxd=$(if_stat b rx_dropped)
	[ "$txd" = "$txd0" ] && [ "$rxd" = "$rxd0" ] ||
		fail "UDP: the driver dropped frames (a tx_dropped $txd0 -> $txd, b rx_dropped $rxd0 -> $rxd)"
	rb=$(( $(rcvbuf_errors b) - rb0 ))
	[ "$lost" -le "$rb" ] || fail "UDP lost $lost packets at 100 Mbit/s, only $rb socket overflows"
	ok "UDP 100 Mbit/s for $secs s, no driver drop ($lost lost to the receiving socket's buffer)"
}
if_stat() { on_q "$1" cat "/sys/class/net/$(ifname "$1")/statistics/$2"; }	# node stat
rcvbuf_errors() { on_q "$1" awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { print $6 }' /proc/net/snmp; }

# ------------------------------------------------------------- kernel logs

# clean_logs [NODE...]: fail on any line of $BAD_LOG in the nodes' kernel
# logs (default: a and b), or on a log that cannot be read.
clean_logs() {
	local n out
	[ $# -gt 0 ] || set -- a b
	for n in "$@"; do
		out=$(on_q "$n" dmesg) || fail "node $n: kernel log unreadable"
		if echo "$out" | grep -E "$BAD_LOG"; then
			fail "kernel log of node $n has warnings (above)"
		fi
	done
	ok "kernel logs clean on $*"
}
