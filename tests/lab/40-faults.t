#!/bin/bash
# Peer fault campaign, short form: userspace/ntbnet-faults --cycles 3 on the
# pair (each cycle: rmmod/modprobe on b and on a, NTB link forced down and
# up, MTU change; crash + boot of b in cycles 1 and 3; all under iperf3
# both ways and ping).
# It fails when traffic does not resume within 2 s of the peer being ready,
# when a kernel log shows a WARNING/BUG/Oops/refcount/hung task, when a's
# ntb0 loses its address, or when a's slab or skb counts stay above their
# baseline (see docs/reliability.md). `make faults` runs the long form.
set -eu
. "$(dirname "$0")/lib.sh"
KVER=$("$ROOT/userspace/kver" 2>/dev/null) || { echo "no kernel"; exit 77; }
[ -f "$ROOT/build/modules/$KVER/ntbnet.ko" ] || { echo "ntbnet.ko not built"; exit 77; }

lab_up --topology pair --driver ntbnet
"$ROOT/userspace/ntbnet-faults" --cycles "${FAULT_CYCLES:-3}" --crash-every 2 --hold 0.5 \
	--json "$NTBLAB_DIR/../faults-short.json" || fail "fault campaign (summary above)"
ok "fault campaign: ${FAULT_CYCLES:-3} cycles passed"
