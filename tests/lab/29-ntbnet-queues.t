#!/bin/bash
# ntbnet with several queue pairs (protocol 2.1, feature MQ) on a pair of
# 2-vCPU nodes: each node asks for one queue pair per CPU (max_queues=0),
# the link runs 2; iperf3 with 4 streams moves frames on both queues each
# way; data intact (SHA-256) on queue 1 one way and queue 0 the other
# (a tc egress filter picks the queue); ethtool -l/-L (2 -> 1 -> 2, also under
# traffic, the connections survive); a peer with a lower maximum
# (max_queues=1 on b) pairs at 1 queue; kernel logs clean.
set -eu
. "$(dirname "$0")/lib.sh"
need_module ntbnet
lab_up --topology pair --driver ntbnet --cpus 2 >/dev/null
ok "lab up with ntbnet, 2 vCPUs a node"

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
pinned_sha a b $B 1
t1=$PINNED
pinned_sha b a $A 0
t0=$PINNED
ok "16 MiB each way intact (SHA-256): a -> b on queue 1 ($t1 frames), b -> a on queue 0 ($t0 frames)"

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

# --- a peer with a lower maximum
on b "rmmod ntbnet && modprobe ntbnet max_queues=1 && ip addr add $B/24 dev ntb0 && ip link set ntb0 up"
wait_until_q 10 pings a $B || fail "no link with b at max_queues=1"
[ "$(queues_of a)" = 1 ] || fail "a runs $(queues_of a) queues against a 1-queue peer"
r=$(iperf a $B -t 4 -P 2) || fail "iperf3 against the 1-queue peer"
ok "b at max_queues=1: a pairs at 1 queue; TCP $r"

clean_logs
echo PASS
