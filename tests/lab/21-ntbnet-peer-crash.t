#!/bin/bash
# ntbnet, pair topology: `ntblab crash b` + `boot b` during iperf3 from a.
# a survives, its carrier follows, the interface is not re-created and
# keeps its address, TCP resumes. Kernel logs stay clean.
# Any WARNING/BUG/Oops/refcount in either kernel log fails the test.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
export NTBLAB_DIR=$ROOT/build/test-lab-ntbnet-crash
NTBLAB=$ROOT/userspace/ntblab
KVER=$("$ROOT/userspace/kver" 2>/dev/null) || { echo "no kernel"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86 not installed"; exit 77; }
[ -f "$ROOT/build/modules/$KVER/ntbnet.ko" ] || { echo "ntbnet.ko not built"; exit 77; }

A=198.18.0.1
B=198.18.0.2
DBG=/sys/kernel/debug/ntb_hw_ivshmem/0000:00:10.0

fail() { echo "FAIL: $*"; dump; exit 1; }
ok() { echo "ok: $*"; }
x() { "$NTBLAB" exec "$@"; }
dump() {
	for n in a b; do
		echo "--- node $n: dmesg (ntb lines, last 30)"
		x $n -- sh -c 'dmesg | grep -i -E "ntb|WARN|BUG|Oops" | tail -30' 2>/dev/null || true
	done
}
cleanup() { "$NTBLAB" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

# Poll a condition (command) every 0.1 s for at most $1 seconds.
wait_for() {
	local t=$1 end
	shift
	end=$(( $(date +%s%N) / 1000000 + t * 1000 ))
	until "$@"; do
		[ $(( $(date +%s%N) / 1000000 )) -lt $end ] || return 1
		sleep 0.1
	done
}
carrier() { x "$1" -- sh -c 'ip -o link show dev ntb0 | grep -q LOWER_UP'; }
no_carrier() { x "$1" -- sh -c 'ip -o link show dev ntb0 | grep -q NO-CARRIER'; }
pings() { x "$1" -- ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
clean_logs() {
	local n bad
	for n in a b; do
		bad=$(x $n -- sh -c 'dmesg | grep -E "WARNING|BUG|Oops|refcount" || true')
		[ -z "$bad" ] || fail "node $n kernel log: $bad"
	done
}
stat_of() {	# node counter
	x "$1" -- ethtool -S ntb0 | awk -v k="$2:" '$1 == k { print $2 }'
}
# iperf3 client on node $1 with args; succeeds if it moved data.
iperf() {
	local n=$1 out
	shift
	out=$(x $n -- iperf3 -c "$@" -J) || { echo "$out" | tail -5; return 1; }
	echo "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
e = r["end"]
s = e.get("sum_received") or e.get("sum")
print("%.2f Gbit/s" % (s["bits_per_second"] / 1e9))
sys.exit(0 if s["bytes"] > 0 else 1)'
}

# One lab at a time on this machine: queue on the shared lab lock (lib.sh).
exec 9>>/tmp/ntbnet-lab.lock
flock 9
"$NTBLAB" down >/dev/null 2>&1 || true
"$NTBLAB" up --topology pair --driver ntbnet >/dev/null || fail "lab up"
x b -- iperf3 -s -D >/dev/null
wait_for 5 pings a $B || fail "ping a -> b"
ifindex_a=$(x a -- cat /sys/class/net/ntb0/ifindex)
ok "lab up, ping"

# --- crash b + boot b during iperf3 from a
rx_grew() { [ "$(x b -- cat /sys/class/net/ntb0/statistics/rx_bytes)" -gt "$1" ]; }
down0=$(stat_of a link_link_down)
rx0=$(x b -- cat /sys/class/net/ntb0/statistics/rx_bytes)
x a -- iperf3 -c $B -t 60 >/dev/null 2>&1 &
bg=$!
wait_for 10 rx_grew $((rx0 + 50000000)) || fail "iperf3 a -> b moves no data"
"$NTBLAB" crash b
wait_for 3 no_carrier a || fail "a keeps carrier after b crashed"
[ "$(stat_of a link_link_down)" -gt "$down0" ] || fail "link_down not counted on a"
ok "b crashed during iperf3: a's carrier down, counted"
"$NTBLAB" boot b >/dev/null ||
	fail "boot b$(grep -h -m1 -i -E "malloc|corrupt|abort" "$NTBLAB_DIR/a.qemu.log" 2>/dev/null | sed 's/^/ (node a QEMU: /;s/$/)/')"
wait_for 5 carrier a || fail "carrier not back on a after b booted"
wait_for 5 pings a $B || fail "ping a -> b after b rebooted"
kill $bg 2>/dev/null || true
wait $bg 2>/dev/null || true
x a -- pkill -x iperf3 || true
[ "$(x a -- cat /sys/class/net/ntb0/ifindex)" = "$ifindex_a" ] || fail "a's interface re-created"
x a -- ip -o addr show dev ntb0 | grep -q "$A/24" || fail "a lost its address"
x b -- iperf3 -s -D >/dev/null
listens() { x b -- sh -c 'ss -ltn | grep -q ":5201 "'; }
wait_for 5 listens || fail "iperf3 server on b does not listen"
r=$(iperf a $B -t 3) || fail "iperf3 after b rebooted"
ok "crash b + boot b: a survived, same interface and address, TCP resumes ($r)"

clean_logs
ok "no WARNING/BUG/Oops/refcount on either node"
