#!/bin/bash
# The single-topology run of the upstream compliance checks (the pair run
# is in make check). Skipped unless NTBNET_FULL=1: make check stays under
# 30 minutes; run it with `NTBNET_FULL=1 tests/run tests/lab/11-upstream-clients-single.t`.
[ "${NTBNET_FULL:-0}" = 1 ] || { echo "single-topology compliance: set NTBNET_FULL=1"; exit 77; }
exec "$(dirname "$0")/upstream-clients.sh" single
