# tests/lab/ntbnet-lib.sh - helpers shared by the ntbnet pair lab tests
# (20-*, 21-*, 23-*): source after `cd` to the repository root.
#   ntbnet_pair_up NAME [ARGS]  boot the pair with ntbnet (skips without
#                       QEMU or ntbnet.ko; takes the lab lock;
#                       build/test-lab-NAME; ARGS go to ntblab up)
#   sha_check FROM TO ADDR  16 MiB FROM -> TO over TCP, SHA-256 compared
#   x NODE -- CMD       ntblab exec
#   wait_for SECS CMD   poll CMD every 0.1 s, bounded
#   carrier/no_carrier/pings/clean_logs/stat_of/iperf   see below
ROOT=$PWD
NTBLAB=$ROOT/userspace/ntblab
A=198.18.0.1
B=198.18.0.2
DBG=/sys/kernel/debug/ntb_hw_ivshmem/0000:00:10.0

fail() { echo "FAIL: $*"; dump; exit 1; }
ok() { echo "ok: $*"; }
x() { "$NTBLAB" exec "$@"; }
dump() {
	for n in a b; do
		echo "--- node $n: dmesg (ntb lines, last 30)"
		x $n -- sh -c 'dmesg | grep -i -E "ntb|WARN|BUG|Oops" | tail -30' 2>/dev/null || true
	done
}
cleanup() { "$NTBLAB" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

# Poll a condition (command) every 0.1 s for at most $1 seconds.
wait_for() {
	local t=$1 end
	shift
	end=$(( $(date +%s%N) / 1000000 + t * 1000 ))
	until "$@"; do
		[ $(( $(date +%s%N) / 1000000 )) -lt $end ] || return 1
		sleep 0.1
	done
}
carrier() { x "$1" -- sh -c 'ip -o link show dev ntb0 | grep -q LOWER_UP'; }
no_carrier() { x "$1" -- sh -c 'ip -o link show dev ntb0 | grep -q NO-CARRIER'; }
pings() { x "$1" -- ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
clean_logs() {
	local n bad
	for n in a b; do
		bad=$(x $n -- sh -c 'dmesg | grep -E "WARNING|BUG|Oops|refcount|hung task|blocked for more than|soft lockup|hard LOCKUP|rcu.*stall" || true') ||
			fail "node $n: kernel log unreadable"
		[ -z "$bad" ] || fail "node $n kernel log: $bad"
	done
}
stat_of() {	# node counter
	x "$1" -- ethtool -S ntb0 | awk -v k="$2:" '$1 == k { print $2 }'
}
# iperf3 client on node $1 with args; succeeds if it moved data (with
# --bidir: in both directions, and prints both).
iperf() {
	local n=$1 out bidir=
	shift
	case " $* " in *" --bidir "*) bidir=--bidir ;; esac
	out=$(x $n -- iperf3 -c "$@" -J) || { echo "$out" | tail -5; return 1; }
	echo "$out" | python3 "$ROOT/tests/lab/iperf-sum.py" $bidir
}

# Skip without a kernel, QEMU or ntbnet.ko; queue on the lab lock (one lab
# at a time on this machine, see lib.sh); boot the pair with ntbnet.
ntbnet_pair_up() {
	local kver
	export NTBLAB_DIR=$ROOT/build/test-lab-$1
	kver=$("$ROOT/userspace/kver" 2>/dev/null) || { echo "no kernel"; exit 77; }
	command -v qemu-system-x86_64 >/dev/null ||
		{ echo "qemu-system-x86 not installed"; exit 77; }
	[ -f "$ROOT/build/modules/$kver/ntbnet.ko" ] ||
		{ echo "FAIL: ntbnet.ko not built (make all)"; exit 1; }
	exec 9>>/tmp/ntbnet-lab.lock
	flock 9
	"$NTBLAB" down >/dev/null 2>&1 || true
	shift
	"$NTBLAB" up --topology pair --driver ntbnet "$@" >/dev/null || fail "lab up"
}

listens() { x "$1" -- sh -c "ss -ltn | grep -q ':${2:-5201} '"; }	# node [port]

# 16 MiB of random data from node $1 to node $2 (address $3) over TCP, in
# pieces of odd sizes (so frames start and end at every alignment),
# compared by SHA-256 at both ends.
sha_check() {
	local sha=$ROOT/tests/lab/tcp-sha.py sent got
	x "$2" -- sh -c "rm -f /tmp/sha.rx; $sha recv 5299 >/tmp/sha.rx 2>&1 &"
	# python3 starts in seconds under TCG, more on a loaded host
	wait_for 30 listens "$2" 5299 ||
		fail "$2 does not listen on 5299: $(x "$2" -- cat /tmp/sha.rx 2>&1)"
	sent=$(x "$1" -- "$sha" send "$3" 5299 16777216) || fail "send $1 -> $2: $sent"
	wait_for 10 x "$2" -- sh -c 'grep -q " " /tmp/sha.rx' || fail "$2 received nothing"
	got=$(x "$2" -- cat /tmp/sha.rx)
	[ "$got" = "$sent" ] || fail "data $1 -> $2 differs: sent '$sent', received '$got'"
}
