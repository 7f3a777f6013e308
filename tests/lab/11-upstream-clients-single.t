#!/bin/bash
# The single-topology run of the upstream compliance checks (one VM, two
# NTB ports; the pair run is 10-upstream-clients-pair.t).
exec "$(dirname "$0")/upstream-clients.sh" single
