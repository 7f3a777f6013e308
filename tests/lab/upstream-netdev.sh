#!/bin/bash
# Upstream ntb_transport + ntb_netdev, unmodified, on the emulated NTB:
# ping, an iperf3 TCP run each way (5 s) and, on the pair topology, the
# link coming back after node b loses power and boots again
# (bench-drivers is where the drivers are compared).
#
#   tests/lab/upstream-netdev.sh pair|single
set -eu
TOPO=$1
. "$(dirname "$0")/lib.sh"
export NTBLAB_DIR=$ROOT/build/lab-test-netdev-$TOPO

# a_to_b SECS [-R]: iperf3 from a to b for SECS (-R: b to a); GBITS is
# its rate in Gbit/s. Fails unless data moved.
a_to_b() {
	iperf_servers b
	GBITS=$(iperf a $B -t "$@") || fail "iperf3 -t $*: $GBITS"
	GBITS=${GBITS% Gbit/s}
}

lab_up --topology "$TOPO" --driver upstream
on a ping -c 3 -W 5 $B
on b ping -c 3 -W 5 $A
ok "ping both ways"

mkdir -p "$ROOT/build/results"
SECS=5
a_to_b $SECS
fw=$GBITS
ok "iperf3 TCP a->b $SECS s: $fw Gbit/s"
a_to_b $SECS -R
rv=$GBITS
ok "iperf3 TCP b->a $SECS s: $rv Gbit/s"
echo "$TOPO upstream ntb_netdev iperf3 a->b $fw b->a $rv Gbit/s" >> "$ROOT/build/results/upstream-netdev.txt"

if [ "$TOPO" = pair ]; then
	"$NTBLAB" crash b || fail "crash b"
	wait_until 10 "a loses carrier when b dies" \
		on_q a "ip link show eth0 | grep -q NO-CARRIER"
	"$NTBLAB" boot b || fail "boot b"
	wait_until 30 "a has carrier again" \
		on_q a "ip link show eth0 | grep -q LOWER_UP"
	on a "ip -4 addr show eth0 | grep -q $A/24"
	ok "a kept its address"
	wait_until 30 "ping a->b after b's reboot" on_q a ping -c 1 -W 2 $B
	a_to_b 5
	ok "iperf3 after reconnect: $GBITS Gbit/s"
fi

clean_logs a b
exit 0
