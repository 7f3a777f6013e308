#!/bin/bash
# ntbnet with several queue pairs (protocol 2.1, feature MQ) on a pair of
# 2-vCPU nodes, the emulated NTB as an Intel B2B port (15 doorbell bits on
# 4 vectors): each node asks for one queue pair per CPU (max_queues=0),
# the link runs 2; each queue has its own doorbell bits (protocol 2.2,
# DBMAP: what a node serves is what its peer rings), queue 1's on another
# vector than queue 0's data bit; iperf3 with 4 streams moves frames on
# both queues each way; data intact (SHA-256) on queue 1 one way and queue
# 0 the other (a tc egress filter picks the queue), and while queue 1
# alone carries data the receiver's queue 0 is not polled for it (at most
# a quarter of queue 1's polls); ethtool -l/-L (2 -> 1 -> 2, also under
# traffic, the connections survive); a peer that shares one pair of bits
# over its queues (queue_doorbells=0) and one with a lower maximum
# (max_queues=1 on b) pair with a and carry data; kernel logs clean.
set -eu
. "$(dirname "$0")/lib.sh"
need_module ntbnet
lab_up --topology pair --driver ntbnet --cpus 2 --hw intel-b2b >/dev/null
ok "lab up with ntbnet, 2 vCPUs a node, Intel B2B doorbells"

queues_of() {	# node -> queue pairs the link runs (debugfs)
	on_q "$1" "cat $NTBNET_DBG/state" | awk '$1 == "queues:" { print $2 }'
}
at_queues() { [ "$(queues_of "$1")" = "$2" ]; }
NTBNET_DBG=/sys/kernel/debug/ntbnet/0000:00:10.0
[ "$(queues_of a)" = 2 ] && [ "$(queues_of b)" = 2 ] ||
	fail "queues in use: a $(queues_of a), b $(queues_of b), not 2"
on_q a 'ls -d /sys/class/net/ntb0/queues/tx-1 /sys/class/net/ntb0/queues/rx-1' >/dev/null ||
	fail "no tx-1/rx-1 in sysfs"
ch=$(on_q a ethtool -l ntb0)
echo "$ch" | awk '/^Pre-set/ { p = 1 } p && /^Combined:/ { print; exit }' | grep -q '2$' ||
	fail "ethtool -l max: $ch"
pings a $B || fail "ping a -> b"
ok "2 queue pairs each way (debugfs, sysfs, ethtool -l)"

# db_of NODE Q FIELD: a doorbell bit of queue Q from debugfs ("db:" for
# queue 0, "dbQ:"): FIELD 3 data served, 5 space served, 10 data rung at
# the peer, 12 space rung at the peer.
db_of() {
	local tag=db
	[ "$2" = 0 ] || tag=db$2
	on_q "$1" "cat $NTBNET_DBG/state" |
		awk -v t="$tag:" -v f="$3" '$1 == t { sub(",", "", $f); print $f }'
}
# check_db_cross: what each node rings is what the other serves, per queue
check_db_cross() {
	local q x y
	for q in 0 1; do
		for x in "a b" "b a"; do
			set -- $x
			[ "$(db_of "$1" $q 10)" = "$(db_of "$2" $q 3)" ] &&
			[ "$(db_of "$1" $q 12)" = "$(db_of "$2" $q 5)" ] ||
				fail "queue $q: $1 rings data $(db_of "$1" $q 10) space $(db_of "$1" $q 12), $2 serves data $(db_of "$2" $q 3) space $(db_of "$2" $q 5)"
		done
	done
}
check_db_cross
d0=$(db_of b 0 3) s0=$(db_of b 0 5) d1=$(db_of b 1 3) s1=$(db_of b 1 5)
[ "$d1" != "$d0" ] && [ "$d1" != "$s0" ] && [ "$s1" != "$d0" ] && [ "$s1" != "$s0" ] ||
	fail "b's queue 1 does not have bits of its own: queue 0 $d0/$s0, queue 1 $d1/$s1"
# Intel B2B: bits 0-4 on vector 0, 5-9 on 1, 10-14 on 2
[ $((d1 / 5)) != $((d0 / 5)) ] || fail "b's queue 1 data bit $d1 on the vector of queue 0's ($d0)"
on_q b "grep -q '^doorbell_pairs: 2 of 2' $NTBNET_DBG/state" ||
	fail "b: $(on_q b "grep doorbell_pairs $NTBNET_DBG/state")"
ok "own doorbell bits a queue: b serves data/space $d0/$s0 on queue 0, $d1/$s1 on queue 1; a rings them (and b a's)"

iperf_servers b a
stat() { on_q "$1" ethtool -S ntb0 | awk -v k="$2:" '$1 == k { print $2 }'; }
r=$(iperf a $B -t 8 -P 4) || fail "iperf3 -P 4 a -> b"
ok "TCP a -> b, 4 streams: $r"
for k in tx0_packets tx1_packets; do
	[ "$(stat a $k)" -gt 1000 ] || fail "a $k = $(stat a $k)"
done
for k in rx0_packets rx1_packets; do
	[ "$(stat b $k)" -gt 1000 ] || fail "b $k = $(stat b $k)"
done
ok "both queues carried frames (a tx0 $(stat a tx0_packets), tx1 $(stat a tx1_packets); b rx0 $(stat b rx0_packets), rx1 $(stat b rx1_packets))"
r=$(iperf b $A -t 8 -P 4) || fail "iperf3 -P 4 b -> a"
ok "TCP b -> a, 4 streams: $r"
# Each queue's data intact: a tc egress filter puts every frame of the
# sender on one transmit queue (skbedit queue_mapping), queue 1 a -> b
# and queue 0 b -> a.
# pinned_sha FROM TO TO-ADDR QUEUE: sha_check with every frame FROM sends
# on QUEUE; sets PINNED to the frames that queue carried.
pinned_sha() {
	local n
	n=$(stat "$1" "tx$4_packets")
	on "$1" "tc qdisc add dev ntb0 clsact &&
		tc filter add dev ntb0 egress matchall action skbedit queue_mapping $4"
	sha_check "$1" "$2" "$3"
	on "$1" tc qdisc del dev ntb0 clsact
	n=$(( $(stat "$1" "tx$4_packets") - n ))
	[ "$n" -ge 250 ] || fail "$1 -> $2 pinned to queue $4: only $n frames on it"
	PINNED=$n
}
p0=$(stat b rx0_polls) p1=$(stat b rx1_polls)
pinned_sha a b $B 1
t1=$PINNED
p0=$(( $(stat b rx0_polls) - p0 )) p1=$(( $(stat b rx1_polls) - p1 ))
[ $((4 * p0)) -le "$p1" ] ||
	fail "b polled queue 0 $p0 times while queue 1 alone carried data ($p1 polls): shared doorbells?"
pinned_sha b a $A 0
t0=$PINNED
ok "16 MiB each way intact (SHA-256): a -> b on queue 1 ($t1 frames; b polled queue 1 $p1 times, queue 0 $p0), b -> a on queue 0 ($t0 frames)"

# --- ethtool -L: one queue pair, then two again
on a ethtool -L ntb0 combined 1
wait_until 10 "a at 1 queue" at_queues a 1
wait_until_q 5 pings a $B || fail "no link after ethtool -L combined 1"
[ "$(queues_of b)" = 1 ] || fail "b runs $(queues_of b) queues while a asks 1"
on a ethtool -L ntb0 combined 2
wait_until_q 10 pings a $B || fail "no link after ethtool -L combined 2"
wait_until 10 "a at 2 queues again" at_queues a 2
ok "ethtool -L combined 1 and 2: both ends follow"

# --- under traffic: connections survive the change
on_q a iperf3 -c $B -t 12 -P 4 -J >"$NTBLAB_DIR/L-iperf.out" 2>&1 &
bg=$!
sleep 3
on a ethtool -L ntb0 combined 1
sleep 4
on a ethtool -L ntb0 combined 2
wait $bg || fail "iperf3 during ethtool -L: $(tail -3 "$NTBLAB_DIR/L-iperf.out")"
ok "ethtool -L 2 -> 1 -> 2 under iperf3 -P 4: the connections survive"

# --- a peer whose queues share one pair of bits
on b "rmmod ntbnet && modprobe ntbnet queue_doorbells=0 && ip addr add $B/24 dev ntb0 && ip link set ntb0 up"
wait_until_q 10 pings a $B || fail "no link with b at queue_doorbells=0"
wait_until 10 "a at 2 queues with b sharing bits" at_queues a 2
check_db_cross
[ "$(db_of b 1 3)" = "$(db_of b 0 3)" ] && [ "$(db_of b 1 5)" = "$(db_of b 0 5)" ] ||
	fail "b at queue_doorbells=0 serves queue 1 on bits of its own"
[ "$(db_of a 1 3)" != "$(db_of a 0 3)" ] || fail "a gave up its own bits"
on_q b "grep -q '^doorbell_pairs: 1 of 2' $NTBNET_DBG/state" ||
	fail "b: $(on_q b "grep doorbell_pairs $NTBNET_DBG/state")"
pinned_sha a b $B 1
t1=$PINNED
pinned_sha b a $A 1
ok "b shares one pair of bits over 2 queues, a keeps its own: 16 MiB each way on queue 1 intact ($t1 and $PINNED frames)"

# --- a peer with a lower maximum
on b "rmmod ntbnet && modprobe ntbnet max_queues=1 && ip addr add $B/24 dev ntb0 && ip link set ntb0 up"
wait_until_q 10 pings a $B || fail "no link with b at max_queues=1"
[ "$(queues_of a)" = 1 ] || fail "a runs $(queues_of a) queues against a 1-queue peer"
r=$(iperf a $B -t 4 -P 2) || fail "iperf3 against the 1-queue peer"
ok "b at max_queues=1: a pairs at 1 queue; TCP $r"

clean_logs
echo PASS
