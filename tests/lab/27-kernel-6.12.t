#!/bin/bash
# Both nodes on Debian's 6.12: the ntbnet pair and the upstream netdev
# pair (test 26 on the default profile: ping, iperf3, SHA-256, b crashed;
# upstream's link) and the hostile peer (41); see kernels.sh.
exec "$(dirname "$0")/kernels.sh" 6.12
