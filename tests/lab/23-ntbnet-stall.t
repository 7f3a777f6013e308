#!/bin/bash
# ntbnet, pair topology: node a stalls (its QEMU stopped for 0.7-0.9 s,
# like a controller frozen by an SMI storm or a busy hypervisor) while it
# sends. b's emulated NTB loses a's heartbeat (500 ms) and drops the link
# for a moment; a sees no NTB link event and, the stall being shorter
# than its own heartbeat timeout (600 ms after b's last beat), no reason
# to reset either. The link must re-pair (b takes a new generation, a
# follows) and traffic must flow both ways again, every time: before the
# fix b re-attached with its old generation, a kept producing with its
# old indices and the rings stayed out of sync for good.
set -eu
. "$(dirname "$0")/lib.sh"
need_module ntbnet
lab_up --topology pair --driver ntbnet >/dev/null
qa=$(cat "$NTBLAB_DIR/a.pid")
lab_at_exit 'kill -CONT $qa 2>/dev/null'
iperf_servers a b
wait_until_q 5 pings a $B || fail "ping a -> b"
ok "lab up, ping"

# NTB link drops a node's emulated port saw (not carrier bounces: a's
# carrier does bounce when b re-pairs with a new generation).
ntb_downs() { on_q "$1" awk '$1 == "link_down_events" { print $2 }' "$DBG/info"; }
asym=0
for stall in ${STALLS:-0.8 0.9}; do
	down_a=$(ntb_downs a)
	down_b=$(stat_of b link_link_down)
	rx0=$(on_q b cat /sys/class/net/ntb0/statistics/rx_bytes)
	on_q a iperf3 -c $B -t 30 >/dev/null 2>&1 &
	bg=$!
	sleep 2
	# The stall must hit a link that carries traffic.
	wait_until_q 5 eval '[ "$(on_q b cat /sys/class/net/ntb0/statistics/rx_bytes)" -gt $((rx0 + 10000000)) ]' ||
		fail "stall $stall s: iperf3 a -> b moved no data before the stall"
	kill -STOP "$qa"
	sleep "$stall"
	kill -CONT "$qa"
	if ! wait_until_q 3 eval '[ "$(stat_of b link_link_down)" -gt "$down_b" ]'; then
		ok "a stalled $stall s: b kept the link (no drop to test)"
		kill $bg 2>/dev/null || true
		wait $bg 2>/dev/null || true
		continue
	fi
	t0=$(date +%s%N)
	wait_until_q 10 carrier b || fail "stall $stall s: carrier not back on b"
	wait_until_q 10 pings a $B || fail "stall $stall s: ping a -> b after the stall"
	wait_until_q 5 pings b $A || fail "stall $stall s: ping b -> a after the stall"
	t=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	kill $bg 2>/dev/null || true
	wait $bg 2>/dev/null || true
	on_q a pkill -x iperf3 || true
	iperf_servers a
	r1=$(iperf a $B -t 2) || fail "stall $stall s: iperf3 a -> b after the stall"
	r2=$(iperf b $A -t 2) || fail "stall $stall s: iperf3 b -> a after the stall"
	side="both NTB ports dropped"
	if [ "$(ntb_downs a)" -eq "$down_a" ]; then
		side="only b dropped"
		asym=$((asym + 1))
	fi
	ok "a stalled $stall s, $side the link, both ways again in $t s (a->b $r1, b->a $r2)"
done
[ "$asym" -gt 0 ] || fail "no stall made a drop only b saw: the case under test never happened"
ok "$asym drops seen by b only; link ups a $(stat_of a link_link_up) b $(stat_of b link_link_up), resyncs a $(stat_of a link_resyncs) b $(stat_of b link_resyncs)"

clean_logs
