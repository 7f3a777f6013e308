#!/bin/bash
# Runs inside the single-VM lab for tests/lab/02-emu-profiles.t: loads the
# emulated NTB with one hardware profile and upstream ntb_tool, exercises
# both ports with ntb_tool (an unmodified client), and prints what it saw
# as "KEY VALUE" lines: a.* and b.* for the port at A and B, the rest for
# the exchanges between them (b writes, a receives).
#
#   emu-profiles-guest.sh PROFILE A_PCI B_PCI 'BIT BIT...'
#
# BIT: doorbell bits to ring from b at a, one at a time; for each it prints
# the vector ntb_tool's doorbell callback got ("dbvec.BIT VECTOR").
set -u
P=$1 A=$2 B=$3 BITS=$4
D=/sys/kernel/debug
T=$D/ntb_tool
mountpoint -q $D || mount -t debugfs none $D

die() { echo "guest: $*" >&2; exit 1; }

# wait_for SECONDS CMD...: poll until CMD succeeds
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" 2>/dev/null; do
		[ $SECONDS -lt "$end" ] || return 1
		sleep 0.05
	done
}

# the emulator with the profile, and ntb_tool on top of it
modprobe -r ntb_tool 2>/dev/null
modprobe -r ntb_hw_ivshmem || die "cannot unload ntb_hw_ivshmem"
modprobe ntb_hw_ivshmem profile="$P" || die "modprobe ntb_hw_ivshmem profile=$P"
modprobe ntb_tool || die "modprobe ntb_tool"
echo 'module ntb_tool +p' >$D/dynamic_debug/control

info() { cat $D/ntb_hw_ivshmem/$1/info; }
for n in a b; do
	[ $n = a ] && dev=$A || dev=$B
	info $dev | sed "s/^/$n./"
	echo "$n.tool_spads $(ls $T/$dev | grep -c '^spad[0-9]')"
	echo "$n.tool_msgs $(ls $T/$dev | grep -c '^msg[0-9]')"
	echo "$n.tool_db_valid_mask $(cat $T/$dev/db_valid_mask)"
	echo "$n.tool_port $(cat $T/$dev/port)"
	echo "$n.tool_peer_port $(cat $T/$dev/peer0/port)"
	echo "$n.tool_mw_trans $(ls $T/$dev/peer0 | grep -c '^mw_trans')"
	echo "$n.tool_peer_mw_trans $(ls $T/$dev/peer0 | grep -c '^peer_mw_trans')"
done

echo Y >$T/$A/link
echo Y >$T/$B/link
link_up() { grep -q Y $T/$A/peer0/link && grep -q Y $T/$B/peer0/link; }
if wait_for 15 link_up; then echo "link up"; else echo "link down"; exit 0; fi

# doorbells from b to a: which vector does a's callback get for each bit
# (ntb_tool prints it with dynamic debug); few processes per bit, as each
# costs a lot under TCG
# (no /dev/fd in the guest: no process substitution)
cb_lines() {
	local out
	out=$(dmesg | grep "$A: doorbell vec")
	CB=()
	[ -z "$out" ] || mapfile -t CB <<<"$out"
}
echo "c $(cat $T/$A/db_valid_mask)" >$T/$A/db_mask
cb_lines
for bit in $BITS; do
	before=${#CB[@]}
	if ! echo "s $bit" >$T/$B/peer_db; then
		echo "dbvec.$bit ring-failed"
		continue
	fi
	end=$((SECONDS + 3))
	cb_lines
	while [ ${#CB[@]} -le "$before" ] && [ $SECONDS -lt $end ]; do
		sleep 0.05
		cb_lines
	done
	if [ ${#CB[@]} -gt "$before" ]; then
		vec=${CB[-1]#*doorbell vec }
		echo "dbvec.$bit ${vec%% *}"
	else
		echo "dbvec.$bit none"
	fi
	echo "c $bit" >$T/$A/db
done
# a bit outside the valid mask
if echo "s 0x80000000000" >$T/$B/peer_db 2>/dev/null; then
	echo "db_invalid accepted"
else
	echo "db_invalid refused"
fi

# scratchpads: b writes a's last one
last=$(( $(ls $T/$A | grep -c '^spad[0-9]') - 1 ))
if [ $last -ge 0 ]; then
	echo 0x5a5a1234 >$T/$B/peer0/spad$last
	echo "spad_cross $(cat $T/$A/spad$last)"
fi

# message registers: a second write before a frees the register fails,
# and only b's status says so
if [ -e $T/$A/msg0 ]; then
	echo "c 0xf000f" >$T/$A/msg_mask
	msgs() { dmesg | grep -c "$A: message bits"; }
	before=$(msgs)
	echo 0x1111 >$T/$B/peer0/msg0
	wait_for 3 test "$(msgs)" -gt "$before" && echo "msg.event yes" ||
		echo "msg.event no"
	echo "msg.first $(cat $T/$A/msg0)"
	echo "msg.sts_a $(cat $T/$A/msg_sts)"
	echo 0x2222 >$T/$B/peer0/msg0
	echo "msg.second_rc $?"
	echo "msg.sts_b $(cat $T/$B/msg_sts)"
	echo "msg.kept $(cat $T/$A/msg0)"
	echo "c 0x10000" >$T/$A/msg_sts
	echo "c 0xf" >$T/$B/msg_sts
	echo 0x3333 >$T/$B/peer0/msg0
	echo "msg.third $(cat $T/$A/msg0)"
	echo "msg.sts_b_after $(cat $T/$B/msg_sts)"
	echo "c 0x10000" >$T/$A/msg_sts
fi

# translation: a allocates its inbound buffer for window 0 (ntb_tool sizes
# it by mw_get_align), b points its outbound window at it
if echo 65536 >$T/$A/peer0/mw_trans0; then
	echo "xlat.in ok"
	dma=$(sed -n 's/^DMA Address[^0-9]*\(0x[0-9a-f]*\).*/\1/p' $T/$A/peer0/mw_trans0)
	size=$(sed -n 's/^Window Size[^0-9]*\(0x[0-9a-f]*\).*/\1/p' $T/$A/peer0/mw_trans0)
	align=$(info $A | sed -n 's/^mw0_addr_align //p')
	echo "xlat.dma_aligned $(( dma % align == 0 ))"
	echo "xlat.dma_physical $(( dma < 0x400000000000 ))"
	if echo "0x1000:$size" >$T/$B/peer0/peer_mw_trans0 2>/dev/null; then
		echo "xlat.out_wrong accepted"
	else
		echo "xlat.out_wrong refused"
	fi
	echo "0:0" >$T/$B/peer0/peer_mw_trans0
	if echo "$dma:$size" >$T/$B/peer0/peer_mw_trans0 2>/dev/null; then
		echo "xlat.out_right accepted"
	else
		echo "xlat.out_right refused"
	fi
	# upstream ntb_tool oopses on unload with a window still set up
	echo "0:0" >$T/$B/peer0/peer_mw_trans0
	echo 0 >$T/$A/peer0/mw_trans0
else
	echo "xlat.in failed"
fi

# strict: a peer that keeps writing into a window after its buffer was
# freed is caught at the next allocation (the freed buffer was poisoned)
if echo 65536 >$T/$A/peer0/mw_trans0; then
	dma=$(sed -n 's/^DMA Address[^0-9]*\(0x[0-9a-f]*\).*/\1/p' $T/$A/peer0/mw_trans0)
	echo "$dma:65536" >$T/$B/peer0/peer_mw_trans0
	echo 0 >$T/$A/peer0/mw_trans0
	head -c 4096 /dev/zero >$T/$B/peer0/peer_mw0
	echo "0:0" >$T/$B/peer0/peer_mw_trans0
	echo 65536 >$T/$A/peer0/mw_trans0
	echo "late.writes $(info $A | sed -n 's/^late_writes //p')"
	echo 0 >$T/$A/peer0/mw_trans0
fi

# strict: after a surprise link down (forced on b) a's reads of b's
# registers return all-ones and its writes are lost
echo 1 >$D/ntb_hw_ivshmem/$B/link_down
if wait_for 5 grep -q N $T/$A/peer0/link; then
	if [ -e $T/$A/peer0/spad0 ]; then
		echo "dead.peer_spad $(cat $T/$A/peer0/spad0)"
		echo 0x1 >$T/$A/peer0/spad0
	fi
	if [ -e $T/$A/peer0/msg0 ]; then
		echo 0x4444 >$T/$A/peer0/msg0
		echo "dead.msg_sts $(cat $T/$A/msg_sts)"
		echo "c 0xf" >$T/$A/msg_sts
	fi
	echo "dead.writes $(info $A | sed -n 's/^dead_writes //p')"
else
	echo "dead.link still-up"
fi
echo 0 >$D/ntb_hw_ivshmem/$B/link_down

info $A | grep -E '^(soft_deliveries|db_irq|poisoned|late_writes|xlat_refused|bad_frees|freed_translated) ' |
	sed 's/^/a.end./'
modprobe -r ntb_tool
exit 0
