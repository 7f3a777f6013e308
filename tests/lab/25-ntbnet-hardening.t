#!/bin/bash
# ntbnet recovering on its own from what real hardware and a real peer do
# (issue 12), pair topology, one lab boot:
#   - every doorbell interrupt lost (the emulator's drop_doorbell, bits left
#     set like a lost MSI): the heartbeat finds the bits and traffic still
#     flows, slower; counted as link_db_polled;
#   - the peer's receive ring shrunk to 512 records (ethtool -G on b): a's
#     MTU is lowered to what b's ring takes (and restored afterwards), and
#     small frames do not stop the queue (before, flow control reserved
#     room for two frames of our own MTU, more than the whole ring: every
#     frame stopped the queue);
#   - receive allocations failing (ntbnet's fail_rx_alloc): exactly those
#     frames dropped and counted as rx0_drop_nomem, then traffic as before;
#   - no receive checksum claim: rx-checksumming off [fixed]; with
#     checksums computed by the sender's stack (ethtool -K tx off) TCP runs;
#   - the kernel's own polling honoured (issue 14): with hard interrupts
#     deferred on b (napi_defer_hard_irqs 100, gro_flush_timeout 1 ms) the
#     same 100 pings make b ask a for at most a fifth of the doorbells they
#     need without (before: as many), counted as rx0_deferred; with busy
#     polling on b (net.core.busy_read/busy_poll) a UDP ping-pong runs and
#     b's polls are deferred too; rx0_defer_missed stays 0;
#   - the driver's own moderation (ethtool -C rx-usecs): 20000 refused;
#     at 1000 us, UDP at 50 Mbit/s makes b arm for at most half as many
#     doorbells per frame as without, counted as rx0_moderated, ethtool -c
#     shows it, and pings are still answered.
# Any WARNING/BUG/Oops/hung task/lockup in either kernel log fails the test.
set -eu
. "$(dirname "$0")/lib.sh"
NDBG=/sys/kernel/debug/ntbnet/0000:00:10.0
need_module ntbnet
lab_up --topology pair --driver ntbnet >/dev/null
iperf_servers a b
wait_until_q 10 pings a $B || fail "ping a -> b"
ok "lab up, ping"

# --- every doorbell interrupt lost, both ways
polled_a=$(stat_of a link_db_polled)
for n in a b; do on_q $n "echo 4294967295 > $DBG/drop_doorbell"; done
got=$(on_q a ping -c 5 -i 0.3 -W 3 $B | sed -n 's/.* \([0-9]*\) received.*/\1/p')
[ "${got:-0}" -ge 3 ] || fail "with every doorbell lost only ${got:-0}/5 pings answered"
r=$(iperf a $B -t 4) || fail "iperf3 a -> b with every doorbell lost"
for n in a b; do on_q $n "echo 0 > $DBG/drop_doorbell"; done
dropped=$(on_q b awk '$1 == "db_dropped" { print $2 }' "$DBG/info")
[ "${dropped:-0}" -gt 0 ] || fail "b's emulated NTB dropped no doorbell"
[ "$(stat_of a link_db_polled)" -gt "$polled_a" ] || fail "link_db_polled did not count on a"
r2=$(iperf a $B -t 3) || fail "iperf3 a -> b after doorbells came back"
ok "every doorbell lost ($dropped on b): $got/5 pings, TCP $r; doorbells back: $r2"

# --- the peer's ring shrunk: MTU reconciled, flow control sized to it
mtu0=$(on_q a cat /sys/class/net/ntb0/mtu)
on_q b ethtool -G ntb0 rx 512 || fail "ethtool -G rx 512 on b"
rx_ring() { on_q "$1" ethtool -g ntb0 | awk '/^Current/ { c = 1 } c && /^RX:/ { print $2 }'; }
wait_until_q 10 eval '[ "$(rx_ring b)" = 512 ]' ||
	fail "b's ring not at 512 records"
wait_until_q 10 pings a $B || fail "ping after b's ring shrank"
mtu1=$(on_q a cat /sys/class/net/ntb0/mtu)
maxlen=$(on_q a awk '$1 == "tx_ring:" { print $6 }' $NDBG/state)
[ "$mtu1" -lt "$mtu0" ] && [ $((mtu1 + 26)) -le "$maxlen" ] ||
	fail "a's MTU $mtu1 (was $mtu0) does not fit b's frames of $maxlen"
on_q a dmesg | grep -q "MTU lowered from $mtu0 to $mtu1" || fail "no log of the MTU change"
stops0=$(stat_of a tx0_stops) big0=$(stat_of a tx0_drop_too_big)
on_q a ping -c 200 -i 0.01 -q $B >/dev/null || fail "200 pings to b with 512 records"
stops=$(( $(stat_of a tx0_stops) - stops0 ))
[ "$stops" -lt 20 ] || fail "200 small frames stopped the queue $stops times"
r=$(iperf a $B -t 3) || fail "iperf3 a -> b with b at 512 records"
[ "$(stat_of a tx0_drop_too_big)" = "$big0" ] || fail "frames dropped as too big"
on_q b ethtool -G ntb0 rx 16384 || fail "ethtool -G rx 16384 on b"
wait_until_q 10 eval '[ "$(on_q a cat /sys/class/net/ntb0/mtu)" = "$mtu0" ]' ||
	fail "a's MTU not restored to $mtu0"
wait_until_q 10 pings a $B || fail "ping after b's ring grew back"
ok "b at 512 records: a's MTU $mtu0 -> $mtu1 -> $mtu0, $stops stops in 200 pings, TCP $r"

# --- receive allocations failing on b
nomem0=$(stat_of b rx0_drop_nomem)
on_q b "echo 40 > $NDBG/fail_rx_alloc"
on_q a ping -c 60 -i 0.02 -W 1 -q $B >/dev/null || true
left=$(on_q b cat $NDBG/fail_rx_alloc)
[ "$left" = 0 ] || fail "fail_rx_alloc still $left after 60 frames"
nomem=$(( $(stat_of b rx0_drop_nomem) - nomem0 ))
[ "$nomem" = 40 ] || fail "rx0_drop_nomem grew by $nomem, 40 allocations failed"
on_q a ping -c 5 -i 0.1 -W 1 -q $B >/dev/null || fail "pings lost after the allocation failures"
r=$(iperf a $B -t 3) || fail "iperf3 after the allocation failures"
ok "40 receive allocations failed: 40 drops counted, then ping and TCP $r"

# --- checksums: none claimed on receive; end to end when the sender computes them
on_q a ethtool -k ntb0 | grep -q "^rx-checksumming: off \[fixed\]" ||
	fail "rx-checksumming not off [fixed]: $(on_q a ethtool -k ntb0 | grep rx-checksumming)"
off_r=$(iperf a $B -t 4) || fail "iperf3 a -> b, offload on"
on_q a ethtool -K ntb0 tx off || fail "ethtool -K ntb0 tx off"
on_r=$(iperf a $B -t 4) || fail "iperf3 a -> b with software checksums"
on_q a ethtool -K ntb0 tx on
ok "rx-checksumming off [fixed]; TCP a -> b $off_r with offload, $on_r with checksums computed by a"

# --- deferred hard interrupts and busy polling on b: no arm the kernel saves
SYS=/sys/class/net/ntb0
# pings100 LABEL: 100 pings a -> b, every one answered; prints b's arms
pings100() {
	local arms0
	arms0=$(stat_of b rx0_arms)
	got=$(on_q a ping -c 100 -i 0.02 -W 1 $B | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	[ "${got:-0}" = 100 ] || fail "$1: ${got:-0}/100 pings answered"
	echo $(( $(stat_of b rx0_arms) - arms0 ))
}
arms_irq=$(pings100 "interrupts")
def0=$(stat_of b rx0_deferred)
on_q b "echo 100 > $SYS/napi_defer_hard_irqs && echo 1000000 > $SYS/gro_flush_timeout" ||
	fail "napi_defer_hard_irqs on b"
arms_def=$(pings100 "deferred interrupts")
on_q b "echo 0 > $SYS/napi_defer_hard_irqs && echo 0 > $SYS/gro_flush_timeout"
deferred=$(( $(stat_of b rx0_deferred) - def0 ))
[ "$deferred" -gt 0 ] || fail "no poll of b deferred with napi_defer_hard_irqs 100"
[ $((arms_def * 5)) -le "$arms_irq" ] ||
	fail "b armed $arms_def times for 100 pings with interrupts deferred, $arms_irq without"
ok "100 pings: b armed $arms_irq times, with hard interrupts deferred $arms_def ($deferred polls deferred)"
def0=$(stat_of b rx0_deferred)
on_q b sysctl -q -w net.core.busy_read=50 net.core.busy_poll=50
on_q b "pkill -x sockperf; sockperf server -i $B -p 11111 --daemonize >/dev/null 2>&1 </dev/null" ||
	fail "sockperf server on b"
lat=$(on_q a sockperf ping-pong -i $B -p 11111 -m 64 -t 2 |
	sed -n 's/.*percentile 50.000 = *\([0-9.]*\).*/\1/p')
on_q b "pkill -x sockperf; sysctl -q -w net.core.busy_read=0 net.core.busy_poll=0"
[ -n "$lat" ] || fail "sockperf ping-pong a -> b with busy polling on b"
deferred=$(( $(stat_of b rx0_deferred) - def0 ))
[ "$deferred" -gt 0 ] || fail "no poll of b deferred to the busy poller"
missed=$(stat_of b rx0_defer_missed)
[ "$missed" = 0 ] || fail "b guessed wrong $missed times (rx0_defer_missed)"
r=$(iperf a $B -t 3) || fail "iperf3 a -> b after deferral and busy polling"
ok "busy polling on b: sockperf p50 $lat us, $deferred polls deferred, 0 missed; TCP $r"

# udp_arms: b's arms per 1000 frames received while a sends UDP at 50 Mbit/s
udp_arms() {
	local a0 p0
	a0=$(stat_of b rx0_arms) p0=$(stat_of b rx0_packets)
	on_q a iperf3 -c $B -u -b 50M -l 1400 -t 3 >/dev/null || fail "iperf3 UDP a -> b"
	echo $(( ($(stat_of b rx0_arms) - a0) * 1000 / ($(stat_of b rx0_packets) - p0 + 1) ))
}
on_q b ethtool -C ntb0 rx-usecs 20000 >/dev/null 2>&1 && fail "rx-usecs 20000 accepted"
arms_plain=$(udp_arms)
mod0=$(stat_of b rx0_moderated)
on b ethtool -C ntb0 rx-usecs 1000
on_q b ethtool -c ntb0 | grep -Eq '^rx-usecs:[[:space:]]+1000$' ||
	fail "ethtool -c: $(on_q b ethtool -c ntb0 | grep rx-usecs)"
arms_mod=$(udp_arms)
moderated=$(( $(stat_of b rx0_moderated) - mod0 ))
got=$(on_q a ping -c 20 -i 0.05 -W 1 $B | sed -n 's/.* \([0-9]*\) received.*/\1/p')
on b ethtool -C ntb0 rx-usecs 0
[ "$moderated" -gt 0 ] || fail "rx-usecs 1000: no poll moderated"
[ $((arms_mod * 2)) -le "$arms_plain" ] ||
	fail "rx-usecs 1000: b armed $arms_mod times per 1000 frames, $arms_plain without"
[ "${got:-0}" = 20 ] || fail "rx-usecs 1000: ${got:-0}/20 pings answered"
ok "rx-usecs 1000 on b: $arms_mod arms per 1000 UDP frames ($arms_plain at 0), $moderated polls moderated, 20 pings answered"

clean_logs
