#!/bin/bash
# ntbnet, pair topology: `ntblab crash b` + `boot b` during iperf3 from a.
# a survives, its carrier follows, the interface is not re-created and
# keeps its address, TCP resumes. Kernel logs stay clean.
# Any kernel warning in either log (clean_logs) fails the test.
set -eu
. "$(dirname "$0")/lib.sh"
need_module ntbnet
lab_up --topology pair --driver ntbnet >/dev/null
iperf_servers b
wait_until_q 5 pings a $B || fail "ping a -> b"
ifindex_a=$(on_q a cat /sys/class/net/ntb0/ifindex)
ok "lab up, ping"

# --- crash b + boot b during iperf3 from a
rx_grew() { [ "$(on_q b cat /sys/class/net/ntb0/statistics/rx_bytes)" -gt "$1" ]; }
down0=$(stat_of a link_link_down)
rx0=$(on_q b cat /sys/class/net/ntb0/statistics/rx_bytes)
on_q a iperf3 -c $B -t 60 >"$NTBLAB_DIR/crash-iperf.out" 2>&1 &
bg=$!
wait_until_q 10 rx_grew $((rx0 + 50000000)) || fail "iperf3 a -> b moves no data"
"$NTBLAB" crash b
wait_until_q 3 no_carrier a || fail "a keeps carrier after b crashed"
[ "$(stat_of a link_link_down)" -gt "$down0" ] || fail "link_down not counted on a"
ok "b crashed during iperf3: a's carrier down, counted"
"$NTBLAB" boot b >/dev/null ||
	fail "boot b$(grep -h -m1 -i -E "malloc|corrupt|abort" "$NTBLAB_DIR/a.qemu.log" 2>/dev/null | sed 's/^/ (node a QEMU: /;s/$/)/')"
wait_until_q 5 carrier a || fail "carrier not back on a after b booted"
wait_until_q 5 pings a $B || fail "ping a -> b after b rebooted"
# The iperf3 that ran across the crash: it moved data before it, and it
# ends (b's new kernel resets the connection, or SIGINT) instead of
# hanging in a's kernel.
on_q a pkill -INT -x iperf3 || true
wait_until_q 10 eval '! kill -0 $bg 2>/dev/null' ||
	fail "a's iperf3 across the crash does not end"
rc=0; wait $bg || rc=$?
n=$(grep -c ' sec .*[1-9][0-9.]* [MG]Bytes' "$NTBLAB_DIR/crash-iperf.out" || true)
[ "$n" -gt 0 ] || fail "a's iperf3 across the crash reported no data: $(tail -3 "$NTBLAB_DIR/crash-iperf.out")"
ok "the iperf3 across the crash: $n intervals with data, then ended (rc $rc: $(grep -m1 -i 'error\|interrupt' "$NTBLAB_DIR/crash-iperf.out" || echo done))"
[ "$(on_q a cat /sys/class/net/ntb0/ifindex)" = "$ifindex_a" ] || fail "a's interface re-created"
on_q a ip -o addr show dev ntb0 | grep -q "$A/24" || fail "a lost its address"
iperf_servers b
r=$(iperf a $B -t 3) || fail "iperf3 after b rebooted"
ok "crash b + boot b: a survived, same interface and address, TCP resumes ($r)"

clean_logs
