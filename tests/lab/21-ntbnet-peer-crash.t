#!/bin/bash
# ntbnet, pair topology: `ntblab crash b` + `boot b` during iperf3 from a.
# a survives, its carrier follows, the interface is not re-created and
# keeps its address, TCP resumes. Kernel logs stay clean.
# Any WARNING/BUG/Oops/refcount in either kernel log fails the test.
set -eu
cd "$(dirname "$0")/../.."
. tests/lab/ntbnet-lib.sh
ntbnet_pair_up ntbnet-crash
x b -- iperf3 -s -D >/dev/null
wait_for 5 pings a $B || fail "ping a -> b"
ifindex_a=$(x a -- cat /sys/class/net/ntb0/ifindex)
ok "lab up, ping"

# --- crash b + boot b during iperf3 from a
rx_grew() { [ "$(x b -- cat /sys/class/net/ntb0/statistics/rx_bytes)" -gt "$1" ]; }
down0=$(stat_of a link_link_down)
rx0=$(x b -- cat /sys/class/net/ntb0/statistics/rx_bytes)
x a -- iperf3 -c $B -t 60 >"$NTBLAB_DIR/crash-iperf.out" 2>&1 &
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
# The iperf3 that ran across the crash: it moved data before it, and it
# ends (b's new kernel resets the connection, or SIGINT) instead of
# hanging in a's kernel.
x a -- pkill -INT -x iperf3 || true
wait_for 10 eval '! kill -0 $bg 2>/dev/null' ||
	fail "a's iperf3 across the crash does not end"
rc=0; wait $bg || rc=$?
n=$(grep -c ' sec .*[1-9][0-9.]* [MG]Bytes' "$NTBLAB_DIR/crash-iperf.out" || true)
[ "$n" -gt 0 ] || fail "a's iperf3 across the crash reported no data: $(tail -3 "$NTBLAB_DIR/crash-iperf.out")"
ok "the iperf3 across the crash: $n intervals with data, then ended (rc $rc: $(grep -m1 -i 'error\|interrupt' "$NTBLAB_DIR/crash-iperf.out" || echo done))"
[ "$(x a -- cat /sys/class/net/ntb0/ifindex)" = "$ifindex_a" ] || fail "a's interface re-created"
x a -- ip -o addr show dev ntb0 | grep -q "$A/24" || fail "a lost its address"
x b -- iperf3 -s -D >/dev/null
wait_for 5 listens b || fail "iperf3 server on b does not listen"
r=$(iperf a $B -t 3) || fail "iperf3 after b rebooted"
ok "crash b + boot b: a survived, same interface and address, TCP resumes ($r)"

clean_logs
ok "no WARNING/BUG/Oops/refcount on either node"
