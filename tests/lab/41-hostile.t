#!/bin/bash
# ntbnet facing a hostile peer (tests/hostile/ntb_hostile.ko on node b, in
# place of ntbnet) while the link is up, node a booted with slub_debug and
# page poisoning. Every attack must be dropped and counted by a (ethtool -S), and
# valid frames sent right after it must be received; handshake attacks
# (garbage scratchpads or hello, wrong version or geometry, a generation going
# backwards, torn announcements) must be refused or followed, never crash.
# What a writes into b's window must be exactly headers and payloads (the
# hostile peer poisons its records and checks the bytes around them).
# Then ntbnet comes back on b and real traffic flows. All slab caches of a
# are validated at the end; any kernel warning (clean_logs), slub or page
# poison report in a's kernel log fails the test.
set -eu
. "$(dirname "$0")/lib.sh"
need_module ntb_hostile
HDBG=/sys/kernel/debug/ntb_hostile/0000:00:10.0

lab_up --topology pair --driver ntbnet --kernel-args "slub_debug=FZP page_poison=1"
on a 'grep -q "slub_debug=FZP page_poison=1" /proc/cmdline'
ok "node a runs with slub_debug=FZP page_poison=1"

snap() { on_q a ethtool -S ntb0; }
val() { echo "$1" | awk -v k="$2:" '$1 == k { print $2 }'; }
st() { val "$(snap)" "$1"; }
hst() { on_q b cat "$HDBG/stats" | awk -v k="$1" '$1 == k { print $2 }'; }
cmd() { on b "echo '$*' > $HDBG/cmd"; }
grew() { [ "$(st "$1")" -gt "$2" ]; }
hostile_up() { [ "$(hst up)" = 1 ]; }
# counter above $2 and rx0_packets above $3, in one snapshot
both_grew() {
	local s
	s=$(snap)
	[ "$(val "$s" "$1")" -gt "$2" ] && [ "$(val "$s" rx0_packets)" -gt "$3" ]
}

good_flows() {	# after what
	local p
	p=$(st rx0_packets)
	cmd good 20
	wait_until 15 "20 valid frames received after $1" grew rx0_packets $((p + 19))
}

# The attack, then (the hostile peer waits until a polled it) 20 valid
# frames: the counter of the attack must grow and the 20 must arrive.
attack() {	# command counter
	local s before p
	s=$(snap)
	before=$(val "$s" "$2")
	p=$(val "$s" rx0_packets)
	[ "$2" = rx0_packets ] && before=$((p + 20))
	on b "echo $1 > $HDBG/cmd && echo good 20 > $HDBG/cmd"
	wait_until 15 "$1: counted in $2, then 20 valid frames received" \
		both_grew "$2" "$before" $((p + 19))
}

# A small receive ring on a, so that frames wrap often.
on a 'ip link set ntb0 mtu 1500 && ethtool -G ntb0 rx 256'
wait_until 20 "a's link back with a 256-record ring" carrier a
on b 'rmmod ntbnet && modprobe ntb_hostile'
wait_until 20 "a's carrier up with the hostile peer" carrier a
wait_until 15 "hostile peer attached" hostile_up
good_flows "attach"

# a sends frames of many sizes to b (a static neighbour: nobody answers),
# CPU and DMA copies alike, for the window check below.
on a "ip neigh replace $B lladdr 02:00:00:00:00:bb dev ntb0 nud permanent"
on a "for s in 0 56 200 1000 1400 1472; do ping -c 2 -i 0.05 -W 0.1 -s \$s $B >/dev/null 2>&1; done; true"

# --- the data path: every kind of bad ring content, each followed by 20
# valid frames (the hostile peer waits until a polled before the next
# command): every counter must grow by the number of its attacks, and all
# 20 x 16 valid frames (+1 for wrap_good) must arrive. A bad record that
# broke reception would lose the valid frames after it.
attacks="index_ahead:rx0_err_bad_index index_behind:rx0_err_bad_index
bad_seq:rx0_err_bad_seq stale:rx0_err_bad_seq len_zero:rx0_err_bad_len
len_huge:rx0_err_bad_len len_max:rx0_err_bad_len pad_huge:rx0_err_bad_len
trunc:rx0_err_truncated wrap_trunc:rx0_err_truncated
flags_reserved:rx0_err_bad_flags pad_reserved:rx0_err_bad_flags
drv_flags:rx0_drop_bad_flags runt:rx0_drop_runt bad_meta:rx0_drop_bad_meta
csum_low:rx0_drop_bad_meta csum_far:rx0_drop_bad_meta
wrap_good:rx0_packets"
s0=$(snap)
script=
for a_c in $attacks; do
	script="$script echo ${a_c%%:*} > $HDBG/cmd && echo good 20 > $HDBG/cmd &&"
done
on b "$script true"
counted() {
	local s a_c c n short=
	s=$(snap)
	for c in $(for a_c in $attacks; do echo "${a_c#*:}"; done | sort -u); do
		n=$(for a_c in $attacks; do echo "${a_c#*:}"; done | grep -c "^$c\$")
		[ "$c" = rx0_packets ] && n=$((20 * 16 + 1))
		[ "$(val "$s" "$c")" -ge $(( $(val "$s0" "$c") + n )) ] ||
			short="$short $c:+$(( $(val "$s" "$c") - $(val "$s0" "$c") ))/$n"
	done
	[ -z "$short" ] || { echo "$short"; return 1; }
}
what="16 attacks each counted in its counter, and the 321 valid frames sent after them received"
end=$((SECONDS + 30))
until short=$(counted); do
	[ $SECONDS -lt $end ] || fail "timeout (30s): $what; short:$short; a: $(snap | grep -E 'resync|reset|link_' | tr -s ' \n' ' ')"
	sleep 0.2
done
ok "$what"

errs() {
	local k s=0
	for k in rx0_err_bad_index rx0_err_bad_seq rx0_err_bad_len rx0_err_truncated rx0_err_bad_flags; do
		s=$((s + $(st $k)))
	done
	echo $s
}
e0=$(errs)
cmd fuzz 300
e1=$(errs)
[ "$e1" -gt "$e0" ] || fail "fuzz: no rejection counted"
# (a persistently bad index makes a reset the link: wait for the peer)
wait_until 20 "hostile peer attached after fuzz" hostile_up
good_flows "fuzz"
ok "fuzz: 300 rounds of random indices and headers, $((e1 - e0)) rejections counted"

# The consumer index of a's transmit ring, far out of range while a sends.
# The hostile peer holds the bad value for 3 s only (and a re-pair after the
# fuzz resets it): attack and send again until a has read it.
wait_until 20 "a's carrier up after fuzz" carrier a
wait_until 20 "hostile peer attached before bad_out" hostile_up
before=$(st tx0_bad_out)
bad_out_read() {
	cmd bad_out
	on a "ping -c 5 -i 0.1 -W 0.1 $B >/dev/null 2>&1; true"
	grew tx0_bad_out "$before"
}
wait_until 20 "bad_out: counted in tx0_bad_out" bad_out_read
on a "ping -c 3 -i 0.1 -W 0.1 -s 1000 $B >/dev/null 2>&1; true"
good_flows "bad_out"

s=$(snap)
on b "echo db_storm 20000 > $HDBG/cmd && echo arm_storm 1000 > $HDBG/cmd && echo good 20 > $HDBG/cmd"
wait_until 15 "doorbell and arm-token storms: polls counted, 20 valid frames received" \
	both_grew rx0_polls "$(val "$s" rx0_polls)" $(( $(val "$s" rx0_packets) + 19 ))
carrier a || fail "carrier lost in a doorbell storm"

# What a wrote into b's window: headers and payloads, nothing around them.
on a "for s in 0 300 1472; do ping -c 2 -i 0.05 -W 0.1 -s \$s $B >/dev/null 2>&1; done; true"
frames=$(hst scan_frames)
[ "$frames" -gt 10 ] || fail "hostile peer saw only $frames frames from a"
[ "$(hst scan_dirty)" = 0 ] || fail "a wrote beyond its frames into b's window ($(hst scan_dirty) frames)"
[ "$(hst rsvd_dirty)" = 0 ] || fail "a wrote non-zero reserved ring words"
[ "$(hst scan_bad_hdr)" = 0 ] || fail "a published $(hst scan_bad_hdr) bad headers"
ok "a's $frames frames in b's window: exact headers and payloads, reserved words zero"

# --- the handshake
for a_c in "version link_refused" "geom link_refused" "spad_garbage link_peer_resets" \
	   "hello_garbage link_hello_lost" "gen_back link_peer_resets"; do
	set -- $a_c
	before=$(st "$2")
	cmd "$1"
	wait_until 15 "$1: counted in $2" grew "$2" "$before"
	case $1 in gen_back | hello_garbage) ;; *) cmd reannounce ;; esac
	wait_until 20 "hostile peer attached again after $1" hostile_up
	good_flows "$1"
done
on a 'dmesg | grep -q "peer speaks protocol 3.0"' || fail "no clear message for the version mismatch"
on b "echo torn 5000 > $HDBG/cmd && echo reannounce > $HDBG/cmd"
wait_until 20 "hostile peer attached again after torn announcements" hostile_up
good_flows "torn announcements"

# --- the real peer again
on a "ip neigh del $B dev ntb0 || true"
on b "rmmod ntb_hostile && modprobe ntbnet && ip addr add $B/24 dev ntb0 && ip link set ntb0 up"
wait_until 20 "a's carrier up with ntbnet on b" carrier a
wait_until 15 "ping a -> b" pings a $B
on b "ping -c 3 -i 0.2 $A >/dev/null"
iperf_servers b
on a "iperf3 -c $B -t 3 >/dev/null"
ok "ntbnet back on b: ping both ways, iperf3 a -> b"

# --- nothing corrupted: validate every slab cache, then read the log
on a 'for f in /sys/kernel/slab/*/validate; do echo 1 > $f 2>/dev/null; done; true'
out=$(on_q a dmesg) || fail "dmesg on a"
if echo "$out" | grep -E "$BAD_LOG|Poison overwritten|Redzone|Object padding|Freepointer|pagealloc: |slab_out_of_bounds"; then
	fail "kernel log of node a (above)"
fi
clean_logs b
n=$(echo "$out" | grep -c "rejected peer data" || true)
ok "node a: slabs validated, no slub/page-poison/WARN/BUG report ($n rate-limited rejection notes)"
