#!/bin/bash
# ntblab single topology: one VM, both NTB ports, nodes a and b are network
# namespaces; exec runs inside the node's namespace.
set -eu
. "$(dirname "$0")/lib.sh"

lab_up --topology single --driver none
ok "lab up"

ns=$("$NTBLAB" exec a -- ip netns list | awk '{print $1}' | sort | tr '\n' ' ')
[ "$ns" = "a b " ] || fail "namespaces: '$ns'"
for n in a b; do
	[ "$("$NTBLAB" exec $n -- ip netns identify)" = $n ] || fail "exec $n not in netns $n"
done
ok "namespaces a and b; exec runs in them"

for slot in 10 11; do
	ids=$("$NTBLAB" exec a -- cat /sys/bus/pci/devices/0000:00:$slot.0/vendor /sys/bus/pci/devices/0000:00:$slot.0/device | tr '\n' ' ')
	[ "$ids" = "0x1af4 0x1110 " ] || fail "00:$slot.0 is '$ids'"
done
ok "ivshmem devices at 0000:00:10.0 (a) and 0000:00:11.0 (b)"

out=$("$NTBLAB" exec b -- sh -c 'echo x; exit 5') && rc=0 || rc=$?
[ "$out" = x ] && [ $rc -eq 5 ] || fail "exec in b: '$out' rc=$rc"
ok "exit status through ip netns exec"

if "$NTBLAB" crash b 2>"$ROOT/build/test-lab-single.err"; then
	fail "crash accepted in single topology"
fi
grep -q "topology pair" "$ROOT/build/test-lab-single.err" || fail "crash error unclear"
rm -f "$ROOT/build/test-lab-single.err"
ok "crash refused with a clear message"

"$NTBLAB" down
[ ! -e "$NTBLAB_DIR" ] || fail "$NTBLAB_DIR left behind"
! pgrep -f "$NTBLAB_DIR" >/dev/null || fail "processes left behind"
ok "down left nothing behind"
