# tests/lab/ntbnet-lib.sh - helpers shared by the ntbnet lab tests
# (20-*, 21-*): source after setting ROOT, NTBLAB and NTBLAB_DIR.
#   x NODE -- CMD       ntblab exec
#   wait_for SECS CMD   poll CMD every 0.1 s, bounded
#   carrier/no_carrier/pings/clean_logs/stat_of/iperf   see below
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
		bad=$(x $n -- sh -c 'dmesg | grep -E "WARNING|BUG|Oops|refcount" || true')
		[ -z "$bad" ] || fail "node $n kernel log: $bad"
	done
}
stat_of() {	# node counter
	x "$1" -- ethtool -S ntb0 | awk -v k="$2:" '$1 == k { print $2 }'
}
# iperf3 client on node $1 with args; succeeds if it moved data.
iperf() {
	local n=$1 out
	shift
	out=$(x $n -- iperf3 -c "$@" -J) || { echo "$out" | tail -5; return 1; }
	echo "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
e = r["end"]
s = e.get("sum_received") or e.get("sum")
print("%.2f Gbit/s" % (s["bits_per_second"] / 1e9))
sys.exit(0 if s["bytes"] > 0 else 1)'
}
