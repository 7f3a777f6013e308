#!/bin/bash
# Compliance of the emulated NTB with unmodified upstream NTB clients:
# ntb_tool (scratchpads, doorbells, memory windows seen by the peer),
# ntb_pingpong, ntb_perf with CPU copy and with the software DMA engine.
#
#   tests/lab/upstream-clients.sh pair|single
set -eu
TOPO=$1
. "$(dirname "$0")/lib.sh"
export NTBLAB_DIR=$ROOT/build/lab-test-clients-$TOPO
if [ "$TOPO" = single ]; then
	DEV_a=0000:00:10.0 DEV_b=0000:00:11.0
else
	DEV_a=0000:00:10.0 DEV_b=0000:00:10.0
fi
dev() { eval echo "\$DEV_$1"; }

# load MODULE [ARGS]: on both nodes (one VM in single topology)
load() {
	on a modprobe "$@"
	[ "$TOPO" = single ] || on b modprobe "$@"
}
unload() {
	on a rmmod "$@"
	[ "$TOPO" = single ] || on b rmmod "$@"
}

lab_up --topology "$TOPO" --driver none
load ntb_hw_ivshmem

# --- ntb_tool --------------------------------------------------------------
load ntb_tool
T=/sys/kernel/debug/ntb_tool
for n in a b; do on $n "echo Y > $T/$(dev $n)/link"; done
for n in a b; do
	wait_until 10 "ntb_tool sees link up on $n" \
		on_q $n "grep -q Y $T/$(dev $n)/peer0/link"
done

# scratchpads: what one side writes into the peer's is what the peer reads
va=$(( (RANDOM << 15) | RANDOM )); vb=$(( (RANDOM << 15) | RANDOM ))
on a "echo $va > $T/$DEV_a/peer0/spad3"
on b "echo $vb > $T/$DEV_b/peer0/spad7"
got=$(on_q b "cat $T/$DEV_b/spad3")
[ "$((got))" -eq "$va" ] || fail "spad3 on b: $got, a wrote $va"
got=$(on_q a "cat $T/$DEV_a/spad7")
[ "$((got))" -eq "$vb" ] || fail "spad7 on a: $got, b wrote $vb"
got=$(on_q a "cat $T/$DEV_a/peer0/spad3")
[ "$((got))" -eq "$va" ] || fail "peer spad read back on a: $got"
ok "scratchpads cross both ways"

# doorbells: b rings bits 0 and 2 of a; a sees them, an interrupt arrived,
# clearing works; masked bits raise no event
irq_before=$(on_q a "grep db_irq /sys/kernel/debug/ntb_hw_ivshmem/$DEV_a/info" | awk '{print $2}')
on b "echo 's 0x5' > $T/$DEV_b/peer_db"
wait_until 5 "doorbell 0x5 pending on a" on_q a "grep -qx 0x5 $T/$DEV_a/db"
irq_after=$(on_q a "grep db_irq /sys/kernel/debug/ntb_hw_ivshmem/$DEV_a/info" | awk '{print $2}')
[ "$irq_after" -gt "$irq_before" ] || fail "no doorbell interrupt on a ($irq_before -> $irq_after)"
ok "doorbell raised an MSI-X interrupt ($irq_before -> $irq_after)"
on a "echo 'c 0x1' > $T/$DEV_a/db"
[ "$(on_q a "cat $T/$DEV_a/db")" = 0x4 ] || fail "clear of bit 0 left $(on_q a "cat $T/$DEV_a/db")"
on a "echo 'c 0x4' > $T/$DEV_a/db"
[ "$(on_q a "cat $T/$DEV_a/db")" = 0x0 ] || fail "doorbells not cleared"
on a "echo 's 0x10' > $T/$DEV_a/peer_db"
wait_until 5 "doorbell 0x10 pending on b" on_q b "grep -qx 0x10 $T/$DEV_b/db"
[ "$(on_q a "cat $T/$DEV_a/db")" = 0x0 ] || fail "a's own doorbells changed"
ok "doorbells both ways"

# memory windows: a sets up its inbound window, b writes through its
# outbound window, a reads the same bytes; then the other way
SZ=65536
for pair in "a b" "b a"; do
	set -- $pair
	rx=$1 tx=$2
	on $rx "echo $SZ > $T/$(dev $rx)/peer0/mw_trans0"
	on $tx "echo 0:$SZ > $T/$(dev $tx)/peer0/peer_mw_trans0"
	sum_tx=$(on_q $tx "head -c $SZ /dev/urandom > /tmp/pat.$tx; cat /tmp/pat.$tx > $T/$(dev $tx)/peer0/peer_mw0 && md5sum < /tmp/pat.$tx")
	sum_rx=$(on_q $rx "head -c $SZ $T/$(dev $rx)/peer0/mw0 | md5sum")
	[ -n "$sum_tx" ] && [ "$sum_tx" = "$sum_rx" ] ||
		fail "window $tx->$rx: wrote $sum_tx, read $sum_rx"
	ok "memory window $tx -> $rx: $SZ bytes identical"
	# upstream ntb_tool (6.1) oopses on rmmod with a window still set up
	# (it removes its debugfs dir before the window files): release both
	on $rx "echo 0 > $T/$(dev $rx)/peer0/mw_trans0"
	on $tx "echo 0:0 > $T/$(dev $tx)/peer0/peer_mw_trans0"
done
unload ntb_tool

# --- ntb_pingpong ----------------------------------------------------------
load ntb_pingpong delay_ms=50
P=/sys/kernel/debug/ntb_pingpong
for n in a b; do
	wait_until 20 "pingpong count grows on $n" \
		on_q $n "test \$(cat $P/$(dev $n)/count) -ge 5"
done
unload ntb_pingpong

# --- ntb_perf, CPU copy then the software DMA engine -----------------------
# ntb_perf uses outbound window <its port index>: it needs two windows
unload ntb_hw_ivshmem
load ntb_hw_ivshmem mw_count=2
load ntb_swdma
mkdir -p "$ROOT/build/results"
for dma in N Y; do
	load ntb_perf use_dma=$dma total_order=26 max_mw_size=2097152
	F=/sys/kernel/debug/ntb_perf
	wait_until 10 "ntb_perf link on a" on_q a "grep -q 'Link status.*up' $F/$DEV_a/info"
	out=$(on_q a "echo 0 > $F/$DEV_a/run; cat $F/$DEV_a/run")
	echo "$out"
	mbs=$(echo "$out" | sed -n 's/.*bytes in .* usecs, \([0-9]*\) MBytes\/s/\1/p' | head -n 1)
	[ -n "$mbs" ] && [ "$mbs" -gt 0 ] || fail "ntb_perf use_dma=$dma gave no figure"
	echo "$TOPO use_dma=$dma $mbs MBytes/s" >> "$ROOT/build/results/ntb_perf.txt"
	ok "ntb_perf use_dma=$dma: $mbs MBytes/s"
	unload ntb_perf
done
# the DMA run (from a) went through the engine's checked mappings (strict
# IOVAs), all of them unmapped as they were mapped
info=$(on_q a "cat /sys/kernel/debug/ntb_swdma/info")
val() { echo "$info" | awk -v k="$1" '$1 == k { print $2 }'; }
[ "$(val strict)" = 1 ] && [ "$(val maps)" -gt 0 ] ||
	{ echo "$info"; fail "ntb_swdma on a: no strict mappings"; }
for k in iova_faults dir_faults bad_unmaps mappings; do
	[ "$(val $k)" = 0 ] || { echo "$info"; fail "ntb_swdma on a: $k $(val $k)"; }
done
ok "ntb_perf's DMA through $(val maps) checked IOVA mappings, each unmapped as mapped"

clean_logs a b
exit 0
