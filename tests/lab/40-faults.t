#!/bin/bash
# Peer fault campaign, short form: userspace/ntbnet-faults --cycles 1 on the
# pair (each cycle: rmmod/modprobe on b and on a, NTB link forced down and
# up, an MTU change; crash + boot of b in cycle 1; all
# under iperf3 both ways and ping; `make faults` crashes b in every cycle).
# It fails when traffic does not resume within 2 s of the peer being ready,
# when a kernel log shows a WARNING/BUG/Oops/refcount/hung task, when a's
# ntb0 loses its address, or when a's slab or skb counts stay above their
# baseline (see docs/reliability.md). `make faults` runs the long form.
set -eu
. "$(dirname "$0")/lib.sh"
need_module ntbnet

lab_up --topology pair --driver ntbnet
faults=crash,reload-b,reload-a,link,mtu
"$ROOT/userspace/ntbnet-faults" --cycles "${FAULT_CYCLES:-1}" --faults "$faults" --crash-every 3 --hold 0.5 \
	--json "$NTBLAB_DIR/../faults-short.json" || fail "fault campaign (summary above)"
ok "fault campaign: ${FAULT_CYCLES:-1} cycles passed"

# Regression: a returning peer announces itself (gratuitous ARP after
# carrier on), so a's neighbour entry is fresh without a probing for it.
on a 'sysctl -qw net.ipv4.conf.ntb0.arp_accept=1 && ip neigh flush dev ntb0'
on b "rmmod ntbnet && modprobe ntbnet && ip addr add 198.18.0.2/24 dev ntb0 && ip link set ntb0 up"
wait_until 5 "a learns b's MAC from b's gratuitous ARP, sending nothing itself" \
	on_q a 'ip neigh show 198.18.0.2 dev ntb0 | grep -q lladdr'
clean_logs a b
