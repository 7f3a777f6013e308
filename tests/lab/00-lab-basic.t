#!/bin/bash
# ntblab itself, pair topology, no driver: exec relays stdout, stderr and
# exit status; execs run concurrently; crash/boot; the NTB port is an
# ivshmem device at the fixed PCI address; modprobe finds built modules;
# down leaves nothing behind.
set -eu
. "$(dirname "$0")/lib.sh"

lab_up --topology pair --driver none
ok "lab up"

# stdout and stderr separately, exit status relayed.
out=$("$NTBLAB" exec a -- sh -c 'echo to-stdout; echo to-stderr >&2; exit 7' 2>"$NTBLAB_DIR/../test-lab-basic.err") && rc=0 || rc=$?
err=$(cat "$NTBLAB_DIR/../test-lab-basic.err"); rm -f "$NTBLAB_DIR/../test-lab-basic.err"
[ "$out" = to-stdout ] || fail "stdout: '$out'"
[ "$err" = to-stderr ] || fail "stderr: '$err'"
[ $rc -eq 7 ] || fail "exit status $rc, want 7"
ok "stdout, stderr and exit status relayed"
"$NTBLAB" exec b -- true || fail "true failed"
! "$NTBLAB" exec b -- false || fail "false succeeded"
[ "$("$NTBLAB" exec b -- hostname)" = node-b ] || fail "node b hostname"
[ "$("$NTBLAB" exec a -- hostname)" = node-a ] || fail "node a hostname"
ok "nodes are who they say"

# A long command in the background while others run.
"$NTBLAB" exec a -- sh -c 'sleep 20; echo slow-done' >"$NTBLAB_DIR/slow.out" &
slow=$!
"$NTBLAB" exec a -- sh -c 'test -d /proc/1' || fail "quick exec during slow one"
for i in 1 2 3; do
	[ "$("$NTBLAB" exec b -- echo "$i")" = "$i" ] || fail "exec $i on b"
done
kill -0 $slow 2>/dev/null || fail "slow exec ended too early"
wait $slow || fail "slow exec failed"
[ "$(cat "$NTBLAB_DIR/slow.out")" = slow-done ] || fail "slow exec output"
ok "concurrent execs"

# Many at once, on both nodes.
pids=()
for i in 1 2 3 4 5 6; do
	n=$([ $((i % 2)) -eq 0 ] && echo a || echo b)
	"$NTBLAB" exec $n -- sh -c "echo $i; exit $i" >"$NTBLAB_DIR/par.$i" &
	pids+=($!)
done
for i in 1 2 3 4 5 6; do
	rc=0; wait "${pids[$((i - 1))]}" || rc=$?
	[ $rc -eq $i ] && [ "$(cat "$NTBLAB_DIR/par.$i")" = $i ] || fail "parallel exec $i: rc $rc"
done
ok "6 parallel execs, each with its own output and status"

# stdin with -i; a missing command is 127.
[ "$(echo hello | "$NTBLAB" exec -i b -- tr a-z A-Z)" = HELLO ] || fail "exec -i"
rc=0; "$NTBLAB" exec b -- /no/such/command 2>/dev/null || rc=$?
[ $rc -eq 127 ] || fail "missing command: rc $rc, want 127"
rc=0; "$NTBLAB" exec -t 2 b -- sleep 30 2>/dev/null || rc=$?
[ $rc -eq 124 ] || fail "exec -t: rc $rc, want 124"
! "$NTBLAB" exec b -- pgrep -x sleep >/dev/null || fail "timed-out command still runs"
ok "exec -i, missing command (127), exec -t (124, command killed)"

# Binary-safe output.
sum_in=$("$NTBLAB" exec a -- sh -c 'head -c 100000 /dev/urandom > /tmp/r; md5sum < /tmp/r')
sum_out=$("$NTBLAB" exec a -- cat /tmp/r | md5sum)
[ "${sum_in%% *}" = "${sum_out%% *}" ] || fail "binary output mangled"
ok "100 kB of binary output intact"

# The NTB port: ivshmem 1af4:1110 at 00:10.0 on both nodes.
for n in a b; do
	ids=$("$NTBLAB" exec $n -- cat /sys/bus/pci/devices/0000:00:10.0/vendor /sys/bus/pci/devices/0000:00:10.0/device | tr '\n' ' ')
	[ "$ids" = "0x1af4 0x1110 " ] || fail "node $n: 00:10.0 is '$ids'"
done
ok "ivshmem device at 0000:00:10.0 on a and b"

# modprobe finds the project's modules when they are built.
KVER=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kver"])' "$NTBLAB_DIR/state.json")
MODS=${NTBLAB_MODULES:-$ROOT/build/modules/$KVER}
if [ -e "$MODS/ntb_tool.ko" ]; then
	"$NTBLAB" exec a -- modprobe ntb_tool || fail "modprobe ntb_tool"
	"$NTBLAB" exec a -- grep -q '^ntb_tool ' /proc/modules || fail "ntb_tool not loaded"
	"$NTBLAB" exec a -- grep -q '^ntb ' /proc/modules || fail "ntb (dependency) not loaded"
	"$NTBLAB" exec a -- modprobe -r ntb_tool ntb || fail "modprobe -r"
	ok "modprobe ntb_tool from $MODS"
else
	echo "note: $MODS/ntb_tool.ko not built, modprobe check skipped"
fi

# crash b: gone at once, a unaffected; boot b: back, and execs work.
"$NTBLAB" crash b
! "$NTBLAB" exec b -- true 2>/dev/null || fail "exec on crashed b succeeded"
"$NTBLAB" exec a -- true || fail "a hurt by b's crash"
"$NTBLAB" boot b
[ "$("$NTBLAB" exec b -- hostname)" = node-b ] || fail "b after boot"
ids=$("$NTBLAB" exec b -- cat /sys/bus/pci/devices/0000:00:10.0/vendor)
[ "$ids" = 0x1af4 ] || fail "b's port after boot"
"$NTBLAB" exec a -- true || fail "a did not survive b's reboot"
sed -n '/client/p' "$NTBLAB_DIR/server.log" | grep -v -- '->' | tail -n 4
grep -q "client 1 connected" "$NTBLAB_DIR/server.log" || fail "b not client 1"
ok "crash b / boot b; a survives, b is ID 1 again"
"$NTBLAB" log b | grep -q "node b ready" || fail "ntblab log b"
"$NTBLAB" status

# down: no process and no lab dir left.
"$NTBLAB" down
[ ! -e "$NTBLAB_DIR" ] || fail "$NTBLAB_DIR left behind"
if pgrep -f "$NTBLAB_DIR" >/dev/null; then
	pgrep -af "$NTBLAB_DIR"; fail "processes left behind"
fi
ok "down left nothing behind"
