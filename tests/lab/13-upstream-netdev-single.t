#!/bin/bash
# The single-topology run of upstream ntb_netdev (one VM, two NTB ports;
# the pair run is 12-upstream-netdev-pair.t).
exec "$(dirname "$0")/upstream-netdev.sh" single
