# tests/lab/lib.sh - shared helpers for lab tests; source it from a .t file.
#
#   . "$(dirname "$0")/lib.sh"
#   lab_up --topology pair --driver none   # own NTBLAB_DIR, down on exit
#   on a modprobe ntb_tool                 # run on a node, fail the test if it fails
#   wait_until 10 "link up on a" on_q a 'grep -q Y /sys/...'
#   assert_clean_dmesg a b                 # no WARNING/BUG/Oops/refcount/hung task/lockup/RCU stall
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NTBLAB=$ROOT/userspace/ntblab
TEST_NAME=$(basename "$0" .t)
export NTBLAB_DIR=${NTBLAB_DIR:-$ROOT/build/lab-test-$TEST_NAME}

fail() {
	echo "FAIL: $*"
	exit 1
}

ok() {
	echo "ok: $*"
}

lab_down() {
	"$NTBLAB" down >/dev/null 2>&1 || true
}

lab_up() {
	command -v qemu-system-x86_64 >/dev/null ||
		{ echo "qemu-system-x86 not installed"; exit 77; }
	[ -e "$ROOT/build/modules" ] || fail "modules not built (make modules)"
	# One lab at a time on this machine (2 cores): tests that run in
	# parallel, from different checkouts too, queue here.
	exec 9>>/tmp/ntbnet-lab.lock
	flock 9
	lab_down
	trap 'lab_dump_on_fail $?; lab_down' EXIT
	"$NTBLAB" up "$@" || fail "ntblab up $*"
}

lab_dump_on_fail() {
	[ "$1" -eq 0 ] && return
	for n in a b; do
		[ -f "$NTBLAB_DIR/$n.console" ] || continue
		echo "--- last console lines of node $n"
		tail -n 40 "$NTBLAB_DIR/$n.console"
	done
}

# `ip netns exec` (single topology) mounts a fresh /sys without debugfs
LAB_PRE='mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null; '

# on NODE CMD... : run a shell command line on a node; fail the test if it
# fails. Output is relayed.
on() {
	local n=$1
	shift
	"$NTBLAB" exec "$n" -- sh -c "$LAB_PRE$*" || fail "on $n: $*"
}

# on_q NODE CMD... : the same, exit status returned, no failure.
on_q() {
	local n=$1
	shift
	"$NTBLAB" exec "$n" -- sh -c "$LAB_PRE$*"
}

# wait_until SECONDS WHAT CMD... : poll CMD until it succeeds, bounded.
wait_until() {
	local secs=$1 what=$2 end
	shift 2
	end=$(( $(date +%s) + secs ))
	while ! "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$end" ]; then
			# what the condition says now, for the log
			echo "last try of: $*"
			"$@" 2>&1 | tail -n 5
			fail "timeout (${secs}s): $what"
		fi
		sleep 0.2
	done
	ok "$what"
}

# Fail on any kernel warning, oops, BUG or refcount message.
assert_clean_dmesg() {
	local n out
	for n in "$@"; do
		out=$("$NTBLAB" exec "$n" -- dmesg) || fail "dmesg on $n"
		if echo "$out" | grep -E "WARNING:|BUG:|Oops|refcount_t|general protection|hung_task|hung task|blocked for more than|soft lockup|hard LOCKUP|rcu.*stall"; then
			fail "kernel log of node $n has warnings (above)"
		fi
	done
	ok "kernel logs clean on $*"
}
