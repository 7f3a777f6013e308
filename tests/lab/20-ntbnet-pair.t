#!/bin/bash
# ntbnet on the pair topology (two nodes), one lab boot for all of it:
# ping both ways; iperf3 TCP each way and bidirectional; 16 MiB each way
# over TCP checked by SHA-256; UDP at a set rate
# with no driver drop; MTU 1500/9000/max under traffic; link forced down/up by
# fault injection; corrupted window bytes during traffic (counted);
# rmmod + modprobe on either side while the other sends (21-* does crash).
# Any kernel warning in either log (clean_logs) fails the test.
set -eu
. "$(dirname "$0")/lib.sh"
need_module ntbnet
lab_up --topology pair --driver ntbnet >/dev/null
ok "lab up with ntbnet"

# --- basics
pings a $B || fail "ping a -> b"
pings b $A || fail "ping b -> a"
on_q a ping -c 3 -i 0.2 $B >/dev/null || fail "ping a -> b x3"
on_q b ping -c 3 -i 0.2 $A >/dev/null || fail "ping b -> a x3"
ok "ping both ways"
drv=$(on_q a ethtool -i ntb0 | awk '/^driver:/ { print $2 }')
[ "$drv" = ntbnet ] || fail "ethtool -i driver '$drv'"
mac_a=$(on_q a cat /sys/class/net/ntb0/address)
mac_b=$(on_q b cat /sys/class/net/ntb0/address)
[ "$mac_a" != "$mac_b" ] || fail "both ends have MAC $mac_a"
case $mac_a in 02:*) ;; *) fail "MAC $mac_a not locally administered" ;; esac
ifindex_a=$(on_q a cat /sys/class/net/ntb0/ifindex)
ok "ethtool -i, distinct locally administered MACs"

# --- TCP, each way and both at once
iperf_servers b a
r=$(iperf a $B -t 10) || fail "iperf3 a -> b"; ok "TCP a -> b: $r"
r=$(iperf b $A -t 10) || fail "iperf3 b -> a"; ok "TCP b -> a: $r"
r=$(iperf a $B -t 10 --bidir) || fail "iperf3 bidir"; ok "TCP bidirectional: $r"
tx=$(on_q a cat /sys/class/net/ntb0/statistics/tx_bytes)
rxb=$(on_q b cat /sys/class/net/ntb0/statistics/rx_bytes)
[ "$tx" -gt 1000000000 ] && [ "$rxb" -gt 1000000000 ] || fail "ip -s counters tx $tx rx $rxb"
ok "ip -s link counters (a tx $tx B, b rx $rxb B)"

# --- the bytes themselves
sha_check a b $B
sha_check b a $A
ok "16 MiB each way over TCP arrive intact (SHA-256)"

# --- UDP at a set rate: no frame dropped by the driver
udp_no_drop 5

# --- MTU changes under traffic
max=$(on_q a ip -d link show ntb0 | sed -n 's/.*maxmtu \([0-9]*\).*/\1/p')
[ "${max:-0}" -ge 65000 ] || fail "max MTU '$max'"
on_q a iperf3 -c $B -t 12 -J >"$NTBLAB_DIR/mtu-iperf.out" 2>&1 &
bg=$!
for m in 1500 9000 "$max"; do
	sleep 3
	on_q a ip link set ntb0 mtu "$m" || fail "a mtu $m"
	on_q b ip link set ntb0 mtu "$m" || fail "b mtu $m"
done
wait $bg || fail "iperf3 during MTU changes: $(tail -3 "$NTBLAB_DIR/mtu-iperf.out")"
# Traffic flowed through the changes: no 1-second interval without data.
idle=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(sum(1 for i in r["intervals"] if i["sum"]["bytes"] == 0))' "$NTBLAB_DIR/mtu-iperf.out") ||
	fail "iperf3 during MTU changes: no JSON report"
[ "$idle" = 0 ] || fail "iperf3 during MTU changes: $idle seconds without data"
on_q a ping -c 1 -W 2 -s 60000 $B >/dev/null || fail "60000-byte ping at MTU $max"
on_q a ip link set ntb0 mtu 68 || fail "MTU 68"
on_q a ip link set ntb0 mtu 1500
on_q b ip link set ntb0 mtu 1500
! on_q a ip link set ntb0 mtu $((max + 1)) 2>/dev/null || fail "MTU above max accepted"
pings a $B || fail "ping after MTU changes"
ok "MTU 1500/9000/$max under traffic, 68 accepted, $((max + 1)) refused"

# --- ring geometry
on_q a ethtool -g ntb0 | grep -q "^RX:" || fail "ethtool -g"
on_q a ethtool -G ntb0 rx 8192 || fail "ethtool -G rx 8192"
wait_until_q 3 pings a $B || fail "link after ethtool -G"
[ "$(on_q b ethtool -g ntb0 | awk '/^Current/ { c = 1 } c && /^TX:/ { print $2 }')" = 8192 ] ||
	fail "peer does not see the new ring"
ok "ethtool -G rx 8192 applied, link back"

# --- link forced down and up by fault injection
on_q b "echo 1 > $DBG/link_down"
wait_until_q 3 no_carrier a || fail "carrier still up on a after forced link down"
on_q b "echo 0 > $DBG/link_down"
t0=$(date +%s%N)
wait_until_q 5 carrier a || fail "carrier not back on a"
wait_until_q 3 pings a $B || fail "ping after forced link up"
ok "forced link down/up: carrier followed, back in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

# --- corrupted window bytes during traffic (b's inbound window): the
# producer index (offset 0) and the whole receive ring (4 MiB of records
# from 0x200, NTBRING_OFF_RECS: b's ring is 16384 x 256 B). The hello at
# 0x100 has its own step below: a clobbered hello re-pairs the link and
# restarts the rings, which would hide the record errors this step counts.
# Only records published and not yet consumed are ever read, so one shot
# can land between batches: shoot again (at most 25 times) until b has
# counted a rejection.
bad_b() {
	on_q b ethtool -S ntb0 |
		awk '$1 ~ /^rx[0-9]+_(err_|drop_bad_|drop_runt)/ { s += $2 } END { print s + 0 }'
}
on_q a iperf3 -c $B -t 30 >/dev/null 2>&1 &
bg=$!
sleep 1
errs=0 shots=0
while [ $shots -lt 25 ] && [ "$errs" -eq 0 ]; do
	on_q b "echo '0 4' > $DBG/corrupt; echo '512 4194304' > $DBG/corrupt"
	shots=$((shots + 1))
	sleep 0.2
	errs=$(bad_b)
done
on_q a pkill -f "iperf3 -c $B" || true
wait $bg || true
[ "$errs" -gt 0 ] || fail "corruption not counted after $shots shots"
wait_until_q 5 pings a $B || fail "no traffic after corruption"
clean_logs
ok "window corruption: $errs errors counted after $shots shots, traffic continues, no splat"

# --- the peer's hello in b's window (0x100, 64 bytes) overwritten: b
# counts link_hello_lost, announces a new generation, a writes its hello
# again and the link comes back by itself.
hello_lost_b() { on_q b ethtool -S ntb0 | awk '$1 == "link_hello_lost:" { print $2 }'; }
hello_lost_above() { [ "$(hello_lost_b)" -gt "$1" ]; }
hl0=$(hello_lost_b)
[ -n "$hl0" ] || fail "ethtool -S on b has no link_hello_lost"
on_q b "echo '256 64' > $DBG/corrupt"
wait_until_q 3 hello_lost_above "$hl0" ||
	fail "hello overwritten: link_hello_lost stays $hl0"
wait_until_q 5 pings a $B || fail "no link after the hello was overwritten"
ok "hello overwritten: counted (link_hello_lost $hl0 -> $(hello_lost_b)), link back"

# --- rmmod + modprobe on either side while the other sends
for pair in "b a $A" "a b $B"; do
	set -- $pair
	gone=$1 sender=$2 dst=$3
	idx=$(on_q $sender cat /sys/class/net/ntb0/ifindex)
	on_q $sender "ping -i 0.05 -c 200 $dst >/dev/null 2>&1 &"
	on_q $gone rmmod ntbnet || fail "rmmod on $gone"
	wait_until_q 3 no_carrier $sender || fail "carrier up on $sender after $gone unloaded"
	on_q $gone modprobe ntbnet || fail "modprobe on $gone"
	t0=$(date +%s%N)
	ip=$([ $gone = a ] && echo $A || echo $B)
	on_q $gone "ip addr add $ip/24 dev ntb0 && ip link set ntb0 up"
	wait_until_q 5 carrier $sender || fail "carrier not back on $sender"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	wait_until_q 3 pings $sender $dst || fail "ping from $sender after reload of $gone"
	[ "$(on_q $sender cat /sys/class/net/ntb0/ifindex)" = "$idx" ] ||
		fail "$sender's interface re-created while $gone reloaded"
	ok "rmmod/modprobe on $gone while $sender sends: link back ${ms} ms after load"
done
on_q a 'pgrep iperf3 >/dev/null || iperf3 -s -D'
on_q b 'pgrep iperf3 >/dev/null || iperf3 -s -D'
[ "$(on_q a cat /sys/class/net/ntb0/address)" = "$mac_a" ] || fail "a's MAC changed after reload"
ok "MAC stable across reload"

# --- ntbnetctl: status (text, JSON, exit code), watch
CTL=$ROOT/userspace/ntbnetctl
out=$(on_q a "$CTL" status) || fail "ntbnetctl status on a: $out"
echo "$out" | grep -q '^ntb0: link up' || fail "ntbnetctl status: $out"
echo "$out" | grep -q 'errors and drops:' || fail "ntbnetctl status lacks errors"
on_q a "$CTL" status ntb0 --json | python3 -c '
import json, sys
l = json.load(sys.stdin)
assert isinstance(l, list) and len(l) == 1, l
s = l[0]
assert s["interface"] == "ntb0" and s["state"] == "up" and s["carrier"], s
assert s["rings"]["rx"] > 0 and s["rings"]["tx"] > 0, s["rings"]
assert s["counters"]["tx0_packets"] > 0 and s["generation"], s
assert s["traffic"]["rx_bytes"] > 0 and s["copy"], s
' || fail "ntbnetctl --json"
n=$(on_q a "$CTL" watch ntb0 -n 2 -i 0.2 | grep -c ' ntb0 up tx ') || true
[ "$n" = 2 ] || fail "ntbnetctl watch printed $n lines"
on_q b rmmod ntbnet || fail "rmmod on b"
wait_until_q 3 no_carrier a || fail "carrier up on a after b unloaded"
on_q a "$CTL" status >/dev/null && fail "ntbnetctl status exit 0 with the link down"
out=$(on_q b "$CTL" status 2>&1) && fail "ntbnetctl status without the module"
echo "$out" | grep -q 'not loaded' || fail "no clear message: $out"
on_q b modprobe ntbnet || fail "modprobe on b"
on_q b "ip addr add $B/24 dev ntb0 && ip link set ntb0 up"
wait_until_q 5 carrier a || fail "carrier not back on a"
ok "ntbnetctl status/--json/watch, exit codes, module not loaded"

clean_logs
