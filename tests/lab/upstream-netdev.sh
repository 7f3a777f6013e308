#!/bin/bash
# Upstream ntb_transport + ntb_netdev, unmodified, on the emulated NTB:
# ping, an iperf3 TCP run each way (5 s) and, on the pair topology, the
# link coming back after node b loses power and boots again
# (bench-drivers is where the drivers are compared).
#
#   tests/lab/upstream-netdev.sh pair|single
set -u
TOPO=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export NTBLAB_DIR=${NTBLAB_DIR:-$ROOT/build/lab-test-netdev-$TOPO}
. "$(dirname "$0")/lib.sh"

# iperf3 from a to b for SECS; -R for b to a. Prints Gbit/s.
iperf() {
	local secs=$1 out bps
	shift
	on b "iperf3 -s -D -1 -I /tmp/iperf3.pid >/dev/null"
	wait_until 10 "iperf3 server listening on b" \
		on_q b "ss -ltn | grep -q ':5201 '" >/dev/null
	out=$("$NTBLAB" exec a -- iperf3 -J -c 198.18.0.2 -t "$secs" "$@") ||
		fail "iperf3 $*: $(echo "$out" | tail -n 5)"
	bps=$(echo "$out" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))')
	[ "$bps" -gt 0 ] || fail "iperf3 $* moved nothing"
	awk -v b="$bps" 'BEGIN { printf "%.2f\n", b / 1e9 }'
}

lab_up --topology "$TOPO" --driver upstream
on a ping -c 3 -W 5 198.18.0.2
on b ping -c 3 -W 5 198.18.0.1
ok "ping both ways"

mkdir -p "$ROOT/build/results"
SECS=5
fw=$(iperf $SECS) || exit 1
ok "iperf3 TCP a->b $SECS s: $fw Gbit/s"
rv=$(iperf $SECS -R) || exit 1
ok "iperf3 TCP b->a $SECS s: $rv Gbit/s"
echo "$TOPO upstream ntb_netdev iperf3 a->b $fw b->a $rv Gbit/s" >> "$ROOT/build/results/upstream-netdev.txt"

if [ "$TOPO" = pair ]; then
	"$NTBLAB" crash b || fail "crash b"
	wait_until 10 "a loses carrier when b dies" \
		on_q a "ip link show eth0 | grep -q NO-CARRIER"
	"$NTBLAB" boot b || fail "boot b"
	wait_until 30 "a has carrier again" \
		on_q a "ip link show eth0 | grep -q LOWER_UP"
	on a "ip -4 addr show eth0 | grep -q 198.18.0.1/24"
	ok "a kept its address"
	wait_until 30 "ping a->b after b's reboot" on_q a ping -c 1 -W 2 198.18.0.2
	again=$(iperf 5) || exit 1
	ok "iperf3 after reconnect: $again Gbit/s"
fi

assert_clean_dmesg a b
exit 0
